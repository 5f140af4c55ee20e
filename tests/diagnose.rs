//! Not a test: a tool for working on the matcher. Runs a generated city
//! (or the older synthetic population) through the hub's engine one record
//! at a time, as `evaluate` does, and prints what the wrong links, the
//! missed links and the review tasks look like, grouped by field levels.
//!
//! DIAG_PEOPLE=20000 DIAG_KIND=city cargo test --release --test diagnose -- --ignored --nocapture

use scr_hub::evaluate::{Record, city, synthetic};
use scr_hub::hub::linkage::{Linker, PER_KEY_LIMIT};
use scr_hub::matching::{CandidateVerdict, Frequencies, Outcome, Subject, blocking};
use std::collections::HashMap;

fn pattern(v: &CandidateVerdict<usize>) -> String {
    let mut parts: Vec<String> = v
        .fields
        .iter()
        .filter(|f| {
            matches!(
                f.field,
                "given_name" | "family_name" | "date_of_birth" | "date_of_birth_or_home"
            ) || f.field.ends_with("_frequency") && !f.field.starts_with("street")
        })
        .map(|f| format!("{}:{}", f.field.trim_end_matches("_name"), f.level))
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
                    | "street_frequency"
                    | "postcode_frequency"
            )
        })
        .map(|f| f.weight)
        .sum();
    parts.push(format!("addr{:+.0}", address.round()));
    if let Some(h) = v.hard_negative {
        parts.push(format!("{h:?}"));
    }
    parts.join(" ")
}

#[derive(Default)]
struct Tally(HashMap<String, (usize, f64)>);

impl Tally {
    fn add(&mut self, key: String, total: f64) {
        let e = self.0.entry(key).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += total;
    }

    fn print(&self, name: &str, top: usize) {
        let mut rows: Vec<_> = self.0.iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1.0));
        let total: usize = rows.iter().map(|r| r.1.0).sum();
        println!("== {name}: {total}");
        for (k, (n, sum)) in rows.iter().take(top) {
            println!("{n:6} {:7.2}  {k}", sum / *n as f64);
        }
    }
}

#[test]
#[ignore]
fn diagnose() {
    let env = |k: &str| std::env::var(k).ok();
    let people: usize = env("DIAG_PEOPLE")
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let records: Vec<Record> = match env("DIAG_KIND").as_deref() {
        Some("synthetic") => synthetic::generate(people, synthetic::SEED).records,
        Some("febrl") => {
            let dir = std::path::Path::new("../shared/data/febrl");
            let mut all = scr_hub::evaluate::load_febrl(&dir.join("dataset4a.csv")).unwrap();
            all.extend(scr_hub::evaluate::load_febrl(&dir.join("dataset4b.csv")).unwrap());
            all
        }
        _ => city::generate(people, city::SEED).0.records,
    };
    let linker = Linker::default();
    let engine = linker.engine();
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    let mut customer_of: Vec<usize> = Vec::new();
    let mut customers = 0usize;
    // The people each customer holds.
    let mut holds: Vec<Vec<&str>> = Vec::new();
    let mut freq = Frequencies::none();
    let (mut wrong, mut missed) = (Tally::default(), Tally::default());
    let (mut review_same, mut review_other) = (Tally::default(), Tally::default());
    let mut household = Tally::default();
    let mut not_found = 0;
    let subjects: Vec<&Subject> = records.iter().map(|r| &r.subject).collect();
    for (i, r) in records.iter().enumerate() {
        let mine = linker.index_subject(&r.subject);
        let shortlisted = blocking::shortlist(&mine.keys, PER_KEY_LIMIT as usize, |key| {
            let held = index.get(key).map_or(&[][..], Vec::as_slice);
            (held.len(), held.iter().copied())
        });
        let tagged: Vec<(usize, &Subject)> = shortlisted
            .iter()
            .map(|&j| (customer_of[j], subjects[j]))
            .collect();
        let d = engine.decide(&r.subject, &tagged, &freq);
        let known = holds
            .iter()
            .position(|people| people.contains(&r.entity.as_str()));
        let customer = match &d.outcome {
            Outcome::Link { key, .. } => *key,
            _ => {
                customers += 1;
                holds.push(Vec::new());
                customers - 1
            }
        };
        match (&d.outcome, known) {
            (Outcome::Link { key, .. }, _) if !holds[*key].contains(&r.entity.as_str()) => {
                let v = d.candidates.iter().find(|v| v.key == *key).unwrap();
                wrong.add(pattern(v), v.total);
                if env("DIAG_WRONG").is_some() {
                    for (j, _) in customer_of.iter().enumerate().filter(|(_, x)| **x == *key) {
                        println!("wrong {:?}", records[j].subject);
                    }
                    println!("  {:?}", r.subject);
                }
            }
            (Outcome::Link { .. }, _) => {}
            (_, Some(c)) => match d.candidates.iter().find(|v| v.key == c) {
                Some(v) => {
                    missed.add(pattern(v), v.total);
                    if env("DIAG_TWINS").is_some() && v.hard_negative.is_some() {
                        let j = customer_of.iter().position(|&x| x == c).unwrap();
                        println!("vetoed {:?}\n  {:?}", records[j].subject, r.subject);
                    }
                    if v.fields.iter().any(|f| f.level == "household") {
                        household.add(pattern(v), v.total);
                        if env("DIAG_SHOW").is_some() {
                            let j = customer_of.iter().position(|&x| x == c).unwrap();
                            println!("{:?}\n  {:?}", records[j].subject, r.subject);
                        }
                    }
                }
                None => {
                    not_found += 1;
                    if env("DIAG_SHOW").is_some() {
                        let j = customer_of.iter().position(|&x| x == c).unwrap();
                        println!("unfound {:?}\n  {:?}", records[j].subject, r.subject);
                    }
                }
            },
            _ => {}
        }
        if let Outcome::Possible(keys) = &d.outcome {
            for k in keys.iter().take(3) {
                let v = d.candidates.iter().find(|v| v.key == *k).unwrap();
                if holds[*k].contains(&r.entity.as_str()) {
                    review_same.add(pattern(v), v.total);
                } else {
                    review_other.add(pattern(v), v.total);
                }
            }
        }
        holds[customer].push(r.entity.as_str());
        customer_of.push(customer);
        freq.apply(&Frequencies::deltas(None, Some(&r.subject)));
        for key in mine.keys {
            index.entry(key).or_default().push(i);
        }
    }
    println!(
        "records {} customers {customers} not found by blocking {not_found}",
        records.len()
    );
    let top = env("DIAG_TOP").and_then(|v| v.parse().ok()).unwrap_or(25);
    wrong.print("wrong links", top);
    missed.print("missed links (scored, not linked)", top);
    review_other.print("review tasks: different people", top);
    review_same.print("review tasks: one person", top);
    household.print("one person, kept from review as a household", top);
}
