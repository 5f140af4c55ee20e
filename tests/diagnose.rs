//! Not a test: a tool for working on the matcher. Runs the synthetic
//! population through the hub's `Linker` and prints what the missed pairs
//! and the wrong links look like, grouped by their field levels.
//!
//! SYNTH_PEOPLE=20000 cargo test --release --test diagnose -- --ignored --nocapture

use scr_hub::evaluate::{simulate, synthetic};
use scr_hub::hub::linkage::Linker;
use scr_hub::matching::{Engine, blocking};
use std::collections::HashMap;

#[test]
#[ignore]
fn diagnose_synthetic() {
    let people: usize = std::env::var("SYNTH_PEOPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let s = synthetic::generate(people, synthetic::SEED);
    let linker = Linker::default();
    let run = simulate(&s.records, &linker).unwrap();
    println!(
        "records {} auto P {:.4} R {:.4} reviews {}",
        run.records,
        run.auto.precision(),
        run.auto.recall(),
        run.review_tasks
    );
    let engine = Engine::default();
    let mut missed: HashMap<String, (usize, f64)> = HashMap::new();
    let mut wrong: HashMap<String, (usize, f64)> = HashMap::new();
    let mut first_of: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, r) in s.records.iter().enumerate() {
        let person = s.views[i].person;
        let cluster = run.customer_of[i];
        first_of.entry((person, cluster)).or_insert(i);
        // Against the first record of each other cluster of this person.
        for (&(p, c), &j) in &first_of {
            if j >= i {
                continue;
            }
            let same_person = p == person;
            let same_cluster = c == cluster;
            if same_person == same_cluster {
                continue;
            }
            let other = &s.records[j].subject;
            let v = engine.score(
                0,
                &r.subject,
                other,
                &scr_hub::matching::Frequencies::none(),
            );
            let shared = blocking::keys(&r.subject)
                .iter()
                .filter(|k| blocking::keys(other).contains(k))
                .count();
            let mut pattern: Vec<String> = v
                .fields
                .iter()
                .filter(|f| {
                    matches!(
                        f.field,
                        "given_name"
                            | "family_name"
                            | "date_of_birth"
                            | "address"
                            | "date_of_birth_or_home"
                    )
                })
                .map(|f| format!("{}:{}", f.field, f.level))
                .collect();
            let address: f64 = v
                .fields
                .iter()
                .filter(|f| {
                    matches!(
                        f.field,
                        "uprn"
                            | "postcode"
                            | "house_number"
                            | "street"
                            | "locality"
                            | "town"
                            | "address"
                    )
                })
                .map(|f| f.weight)
                .sum();
            pattern.push(format!("addr{:+.0}", address.round()));
            pattern.push(format!("keys{}", shared.min(3)));
            if let Some(h) = v.hard_negative {
                pattern.push(format!("{h:?}"));
            }
            let key = pattern.join(" ");
            let map = if same_person { &mut missed } else { &mut wrong };
            if same_person && p != person {
                continue;
            }
            let e = map.entry(key).or_insert((0, 0.0));
            e.0 += 1;
            e.1 += v.total;
        }
    }
    for (name, map) in [("missed", &missed), ("wrong", &wrong)] {
        let mut rows: Vec<_> = map.iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1.0));
        let total: usize = rows.iter().map(|r| r.1.0).sum();
        println!("== {name}: {total}");
        for (k, (n, sum)) in rows.iter().take(30) {
            println!("{n:6} {:7.2}  {k}", sum / *n as f64);
        }
    }
}
