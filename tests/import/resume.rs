//! Resume: an import stopped part-way (cleanly, or killed after its last
//! checkpoint) finishes on the next run with no row lost or linked twice.

use crate::{both_stores, customer_of, hub, import, options};
use scr_hub::import::checkpoint_path;
use std::collections::{HashMap, HashSet};

both_stores!(resumes_without_duplicates);

const GIVEN: [&str; 10] = [
    "Alice", "Bob", "Carol", "David", "Eve", "Frank", "Grace", "Henry", "Irene", "James",
];
const FAMILY: [&str; 6] = ["Smith", "Patel", "Jones", "Khan", "Taylor", "Brown"];

/// 60 rows: 8 bad (every 7th); every 10th is a second record (another local
/// ID) of the person five rows up, one of whom (row 34) was rejected.
fn rows() -> String {
    let mut out =
        "local_id,given_name,family_name,date_of_birth,gender,address_line_1,postcode\n".to_owned();
    for i in 0..60 {
        let p = if i % 10 == 9 { i - 5 } else { i };
        let postcode = if i % 7 == 6 {
            "XX".to_owned()
        } else {
            format!("B{} {}AB", 1 + p % 9, p % 10)
        };
        out.push_str(&format!(
            "R{i},{},{},{:04}-{:02}-{:02},U,{} Station Road,{postcode}\n",
            GIVEN[p % 10],
            FAMILY[p % 6],
            1940 + p,
            1 + p % 12,
            1 + p % 28,
            p + 1,
        ));
    }
    out
}

async fn resumes_without_duplicates(pg: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some((hub, store)) = hub(dir.path(), pg).await else {
        return;
    };
    let file = dir.path().join("benefits.csv");
    std::fs::write(&file, rows()).unwrap();
    let mut opts = options("benefits", &file);
    opts.batch_rows = 8;
    opts.checkpoint_rows = 16;

    // Run 1 stops after two batches, checkpointed; keep that checkpoint.
    opts.stop_after = Some(16);
    let first = import(&hub, opts.clone()).await;
    assert!(first.interrupted);
    assert_eq!(first.counts.rows_read, 16);
    let saved = std::fs::read(checkpoint_path(&file)).unwrap();

    // Run 2 commits 24 more rows, then "is killed": its checkpoint is lost,
    // so the next run starts again after row 16 and meets committed rows.
    opts.stop_after = Some(24);
    let second = import(&hub, opts.clone()).await;
    assert_eq!(second.resumed_after_line, Some(17));
    std::fs::write(checkpoint_path(&file), saved).unwrap();

    opts.stop_after = None;
    let last = import(&hub, opts.clone()).await;
    assert!(!last.interrupted);
    assert_eq!(last.rows_this_run, 44);
    let c = &last.counts;
    assert_eq!(c.rows_read, 60);
    assert_eq!(c.rejected, 8);
    assert_eq!(
        c.new_customers + c.possible_matches,
        47,
        "{}",
        last.render()
    );
    assert_eq!(c.linked, 5, "{}", last.render());
    // Rows committed before the "kill" replay their first answer, not "updated".
    assert_eq!(c.updated, 0);

    // One link per local ID, each customer's links distinct.
    let mut by_customer: HashMap<String, Vec<String>> = HashMap::new();
    for i in 0..60 {
        if let Some(id) = customer_of(&store, "benefits", &format!("R{i}")).await {
            by_customer.entry(id).or_default().push(format!("R{i}"));
        }
    }
    assert_eq!(by_customer.values().map(Vec::len).sum::<usize>(), 52);
    for (id, local_ids) in &by_customer {
        let customer = store
            .load_customer(&scr_hub::record::CustomerId::parse(id).unwrap())
            .await
            .unwrap()
            .unwrap();
        let links: Vec<&str> = customer.links.iter().map(|l| l.local_id.as_str()).collect();
        let distinct: HashSet<&str> = links.iter().copied().collect();
        assert_eq!(links.len(), distinct.len(), "a duplicated link");
        assert_eq!(links.len(), local_ids.len());
    }

    // Each bad row is in the reject file exactly once.
    let rejects = std::fs::read_to_string(scr_hub::import::rejects_path(&file)).unwrap();
    let lines: Vec<&str> = rejects
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let distinct: HashSet<&&str> = lines.iter().collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(distinct.len(), 8);

    // A finished import run again does nothing.
    let again = import(&hub, opts).await;
    assert_eq!(again.rows_this_run, 0);
    assert_eq!(again.counts, last.counts);
}
