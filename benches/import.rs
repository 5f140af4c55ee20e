//! Initial-load benchmark (issue 7): eight departmental systems' CSV
//! extracts of synthetic UK people (`src/search/synth.rs`), with keying
//! slips, dropped middle names, earlier family names and old addresses,
//! imported one system after another through `scr_hub::import`. Reports
//! rows/s, peak RSS and pairwise precision/recall/F1 of the customers made
//! against the generator's truth.
//!
//! cargo bench --bench import -- [--rows 100000] [--postgres URL] [--keep DIR]
//!     [--train-after K] [--batch-rows N] [--spans] [--population city]
//!
//! `--population city` loads a generated city instead
//! (`scr_hub::synth::city`): households, flats, moves, maiden names and
//! the council's eight systems' own keying habits, with twins and
//! same-named parents and children; its extracts write dates UK style or
//! ISO by system. Its people are adults on 2026-12-01, the bench's date
//! for it.
//!
//! `--train-after K` re-estimates the match weights (EM, as `scr-hub
//! train-weights` does) from what the first K systems loaded, and matches the
//! remaining systems with them.
//!
//! `--batch-rows N` sets rows per transaction (`scr-hub import
//! --batch-rows`; its default otherwise).
//!
//! `--spans` prints where the time went: each store call and the hub's
//! indexing and planning, as counts, percentiles and totals.
//!
//! `--postgres URL` names a server; a fresh database is made there.
//!
//! `--keep DIR` leaves the CSVs and `truth.csv` there (for the Splink
//! baseline, bench/splink_baseline.py).

// Not the in-process server: only `arg`, `fresh_postgres` and `spans`.
#[allow(dead_code)]
mod common;

use common::arg;
use common::spans::SpanTimes;

use chrono::{NaiveDate, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use scr_hub::clock::FixedClock;
use scr_hub::hub::Hub;
use scr_hub::import::{ImportOptions, ProgressMode};
use scr_hub::record::{LocalId, SystemCode};
use scr_hub::search::synth;
use scr_hub::synth::city;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

const SYSTEMS: [&str; 8] = [
    "libraries",
    "waste",
    "leisure",
    "trading_standards",
    "adult_social_care",
    "finance",
    "benefits",
    "council_tax",
];
/// Departmental rows per person, on average.
const ROWS_PER_PERSON: f64 = 2.5;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn field(s: &str) -> String {
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// (system, local_id) -> person index.
type Truth = HashMap<(usize, String), usize>;

/// A generated city's extracts, one CSV per system, cut at `rows`.
fn generate_city(rows: usize, dir: &Path) -> anyhow::Result<(Vec<&'static str>, Truth)> {
    // About 2.3 records a person; a few more people than needed, cut at `rows`.
    let people = city::generate((rows as f64 / 2.2) as usize + 1, 7);
    let out = city::write_extracts(&people, 11, dir, Some(rows))?;
    let systems = out.files.iter().map(|(system, _)| *system).collect();
    let truth = out
        .truth
        .into_iter()
        .map(|(s, id, person)| ((s, id), person))
        .collect();
    Ok((systems, truth))
}

/// Writes one CSV per system; returns (system, local_id) -> person index.
fn generate(rows: usize, dir: &Path) -> anyhow::Result<Truth> {
    let people = synth::people((rows as f64 / ROWS_PER_PERSON) as usize, 7);
    let mut rng = StdRng::seed_from_u64(11);
    let p_in = ROWS_PER_PERSON / SYSTEMS.len() as f64;
    let mut truth = HashMap::new();
    let mut files: Vec<String> = SYSTEMS
        .iter()
        .map(|_| "local_id,given_name,middle_name,family_name,date_of_birth,gender,address_line_1,town,postcode\n".to_owned())
        .collect();
    let mut written = 0;
    'people: for (i, p) in people.iter().enumerate() {
        for (s, file) in files.iter_mut().enumerate() {
            if written >= rows {
                break 'people;
            }
            if !rng.random_bool(p_in) {
                continue;
            }
            written += 1;
            let name = &p.person.name;
            let mut given = name.given.clone();
            let mut family = match &p.earlier_family {
                Some(earlier) if rng.random_bool(0.5) => earlier.clone(),
                _ => name.family.clone(),
            };
            if rng.random_bool(0.05) {
                given = synth::typo(&mut rng, &given);
            }
            if rng.random_bool(0.05) {
                family = synth::typo(&mut rng, &family);
            }
            let middle = name.middle.clone().filter(|_| rng.random_bool(0.5));
            let address = match &p.previous_address {
                Some(old) if rng.random_bool(0.3) => old,
                _ => &p.person.address,
            };
            let dob = p.person.date_of_birth.date();
            // Half the systems export UK dates.
            let dob = if s % 2 == 0 {
                dob.format("%Y-%m-%d").to_string()
            } else {
                dob.format("%d/%m/%Y").to_string()
            };
            let local_id = format!("{}{:07}", &SYSTEMS[s][..2].to_uppercase(), i);
            let _ = writeln!(
                file,
                "{local_id},{},{},{},{dob},{},{},{},{}",
                field(&given),
                field(middle.as_deref().unwrap_or("")),
                field(&family),
                p.person.gender.as_str(),
                field(&address.lines[0]),
                field(address.town.as_deref().unwrap_or("")),
                address.postcode,
            );
            truth.insert((s, local_id), i);
        }
    }
    for (s, file) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("{}.csv", SYSTEMS[s])), file)?;
    }
    let mut t = String::from("system,local_id,person\n");
    for ((s, id), p) in &truth {
        let _ = writeln!(t, "{},{id},{p}", SYSTEMS[*s]);
    }
    std::fs::write(dir.join("truth.csv"), t)?;
    Ok(truth)
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let rows: usize = arg("--rows")
        .map(|v| v.replace('_', "").parse())
        .transpose()?
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir()?;
    let dir = arg("--keep").map_or_else(|| tmp.path().to_owned(), Into::into);
    std::fs::create_dir_all(&dir)?;
    // A database of its own on that server: a load on top of an earlier
    // one's customers would measure neither.
    let url = match arg("--postgres") {
        Some(base) => common::fresh_postgres(&base).await,
        None => format!("sqlite://{}", tmp.path().join("scr.db").display()),
    };
    let started = Instant::now();
    let population = arg("--population").unwrap_or_else(|| "default".to_owned());
    let (systems, truth) = match population.as_str() {
        "default" => (SYSTEMS.to_vec(), generate(rows, &dir)?),
        "city" => generate_city(rows, &dir)?,
        other => anyhow::bail!("--population {other}: default or city"),
    };
    println!(
        "generated {} rows for {} systems ({population}) in {:.1} s",
        truth.len(),
        systems.len(),
        started.elapsed().as_secs_f64()
    );
    let store = scr_hub::store::open(
        &url,
        std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
    )
    .await?;
    // The city's youngest turn 18 in 2026; on the default date some would
    // be refused as minors.
    let month = if population == "city" { 12 } else { 1 };
    let today = NaiveDate::from_ymd_opt(2026, month, 1).expect("date");
    let clock = Arc::new(FixedClock(
        Utc.with_ymd_and_hms(2026, month, 1, 12, 0, 0).unwrap(),
    ));
    let mut hub = Arc::new(Hub::new(store.clone(), clock.clone(), Vec::new()));
    let train_after: Option<usize> = arg("--train-after").map(|v| v.parse()).transpose()?;
    let batch_rows: Option<usize> = arg("--batch-rows").map(|v| v.parse()).transpose()?;
    let spans = if std::env::args().any(|a| a == "--spans") {
        Some(SpanTimes::install()?)
    } else {
        None
    };
    let started = Instant::now();
    let mut read = 0;
    for (n, system) in systems.iter().copied().enumerate() {
        if train_after == Some(n) {
            let t = Instant::now();
            let summary = scr_hub::hub::train_weights(store.as_ref(), Utc::now()).await?;
            let weights = store.latest_weights().await?;
            hub = Arc::new(
                Hub::new(store.clone(), clock.clone(), Vec::new()).with_weights(weights.as_deref()),
            );
            println!(
                "trained weights on {} records, {} pairs in {:.1} s",
                summary.records,
                summary.pairs,
                t.elapsed().as_secs_f64()
            );
        }
        let file = dir.join(format!("{system}.csv"));
        let mut opts = ImportOptions::new(
            SystemCode::parse(system).map_err(anyhow::Error::msg)?,
            file,
            today,
        );
        opts.progress = ProgressMode::Quiet;
        if let Some(n) = batch_rows {
            opts.batch_rows = n.max(1);
        }
        let t = Instant::now();
        let s = scr_hub::import::run(hub.clone(), opts, Arc::new(AtomicBool::new(false))).await?;
        read += s.counts.rows_read;
        println!(
            "{system:>18}: {:>8} rows in {:>6.1} s ({:>6.0} rows/s): linked {}, new {}, review tasks {}, rejected {}, minors {}",
            s.counts.rows_read,
            t.elapsed().as_secs_f64(),
            s.rows_per_second(),
            s.counts.linked,
            s.counts.new_customers + s.counts.possible_matches,
            s.counts.review_tasks,
            s.counts.rejected,
            s.counts.minors_refused,
        );
        // Each system's own: the later ones match against a bigger store.
        if let Some(spans) = &spans {
            spans.take().report();
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "import: {read} rows in {elapsed:.1} s = {:.0} rows/s; peak RSS {:.0} MiB ({})",
        read as f64 / elapsed,
        peak_rss_mib(),
        url.split(':').next().unwrap_or("?")
    );

    // Pairwise quality: pairs of rows put in one customer vs one person.
    let mut cells: HashMap<(String, usize), u64> = HashMap::new();
    for ((s, local_id), person) in &truth {
        let link = store
            .find_link(
                &SystemCode::parse(systems[*s]).map_err(anyhow::Error::msg)?,
                &LocalId::parse(local_id).map_err(anyhow::Error::msg)?,
            )
            .await?;
        if let Some(link) = link {
            *cells
                .entry((link.customer_id.as_str().to_owned(), *person))
                .or_default() += 1;
        }
    }
    let mut by_customer: HashMap<&str, u64> = HashMap::new();
    let mut by_person: HashMap<usize, u64> = HashMap::new();
    for ((c, p), n) in &cells {
        *by_customer.entry(c).or_default() += n;
        *by_person.entry(*p).or_default() += n;
    }
    let tp: u64 = cells.values().map(|n| pairs(*n)).sum();
    let predicted: u64 = by_customer.values().map(|n| pairs(*n)).sum();
    let actual: u64 = by_person.values().map(|n| pairs(*n)).sum();
    let precision = tp as f64 / predicted.max(1) as f64;
    let recall = tp as f64 / actual.max(1) as f64;
    let f1 = 2.0 * precision * recall / (precision + recall).max(1e-12);
    println!(
        "pairwise: precision {precision:.4}, recall {recall:.4}, F1 {f1:.4} ({} customers for {} people)",
        by_customer.len(),
        by_person.len()
    );
    Ok(())
}
