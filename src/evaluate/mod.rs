//! `scr-hub evaluate`: matching quality on the public FEBRL benchmark.
//! Records arrive one at a time, as submissions do; each is blocked
//! against a key index of earlier records and decided by the hub's own
//! `Linker`. Pairwise precision, recall and F1 are counted against the
//! truth in `rec_id`. `soc_sec_id` is never read. Prints counts only.
//! `synthetic` does the same on generated UK departmental records, and
//! `city` on a generated city's.

pub mod city;
pub mod synthetic;

use crate::error::Context;
use crate::hub::linkage::{Linker, MAX_REVIEW_CANDIDATES, PER_KEY_LIMIT};
use crate::matching::{Engine, Frequencies, Subject, SubjectInput, Weights, blocking, compare, em};
use crate::record::LinkRef;
use crate::record::{CustomerId, LocalId, SystemCode};
use crate::store::CandidateRecord;
use std::collections::HashMap;
use std::path::Path;

/// The benchmark tasks: de-duplicate one file, or link two.
pub const TASKS: &[(&str, &[&str])] = &[
    ("dataset1", &["dataset1.csv"]),
    ("dataset2", &["dataset2.csv"]),
    ("dataset4a+4b", &["dataset4a.csv", "dataset4b.csv"]),
];

/// One benchmark record: its true entity and its matching form.
#[derive(Debug, Clone)]
pub struct Record {
    pub rec_id: String,
    pub entity: String,
    pub subject: Subject,
}

/// Reads a FEBRL CSV (`rec_id, given_name, surname, street_number,
/// address_1, address_2, suburb, postcode, state, date_of_birth,
/// soc_sec_id`); the last column is deliberately ignored.
pub fn load_febrl(path: &Path) -> crate::error::SetupResult<Vec<Record>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut records = Vec::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        if cols.len() < 10 {
            return Err(crate::error::SetupError::new(format!(
                "{} line {}: too few columns",
                path.display(),
                n + 1
            )));
        }
        let rec_id = cols[0].to_owned();
        let entity = rec_id
            .split('-')
            .nth(1)
            .with_context(|| format!("{} line {}: bad rec_id", path.display(), n + 1))?
            .to_owned();
        let street_line = format!("{} {}", cols[3], cols[4]);
        let subject = Subject::new(&SubjectInput {
            given: cols[1],
            middle: "",
            family: cols[2],
            dob: cols[9],
            gender: None,
            address_lines: vec![&street_line, cols[5]],
            town: cols[6],
            postcode: cols[7],
            uprn: "",
        });
        records.push(Record {
            rec_id,
            entity,
            subject,
        });
    }
    Ok(records)
}

/// Pairwise quality counts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    pub predicted_pairs: u64,
    pub true_positives: u64,
    pub true_pairs: u64,
}

impl Metrics {
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.predicted_pairs)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_pairs)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// What one run of the online simulation produced.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub records: usize,
    pub customers: usize,
    pub review_tasks: usize,
    pub auto: Metrics,
    pub with_review: Metrics,
    /// The customer (a number) each record was linked to automatically.
    pub customer_of: Vec<usize>,
    /// Each review task: (the customer its record made, the candidate).
    pub review_pairs: Vec<(usize, usize)>,
}

/// The EM fit on a dataset's own candidate pairs.
#[derive(Debug, Clone)]
pub struct TrainReport {
    pub weights: Weights,
    pub pairs: usize,
    pub iterations: usize,
    pub converged: bool,
}

/// Unsupervised: blocking pairs of the records themselves, no truth.
pub fn train(subjects: &[Subject]) -> TrainReport {
    let pairs = blocking::candidate_pairs(subjects, PER_KEY_LIMIT as usize);
    let comparisons: Vec<_> = pairs
        .iter()
        .map(|&(a, b)| compare(&subjects[a], &subjects[b]))
        .collect();
    let fit = em::estimate(&comparisons, &Weights::default(), 1000);
    TrainReport {
        weights: fit.weights,
        pairs: pairs.len(),
        iterations: fit.iterations,
        converged: fit.converged,
    }
}

/// Submits the records in order through `linker`, as the hub would.
pub fn simulate(records: &[Record], linker: &Linker) -> crate::error::SetupResult<RunReport> {
    let system = SystemCode::parse("febrl").map_err(crate::error::SetupError::new)?;
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    let mut stored: Vec<CandidateRecord> = Vec::with_capacity(records.len());
    // Customer number of each record, and review pairs of customers.
    let mut customer_of: Vec<usize> = Vec::with_capacity(records.len());
    let mut customer_ids: Vec<CustomerId> = Vec::new();
    let mut number: HashMap<CustomerId, usize> = HashMap::new();
    let mut reviews: Vec<(usize, usize)> = Vec::new();
    // Value frequencies as the hub keeps them: of the records before.
    let mut freq = Frequencies::none();
    for (i, record) in records.iter().enumerate() {
        let mine = linker.index_subject(&record.subject);
        // As the hub's planner.
        let candidates: Vec<CandidateRecord> =
            blocking::shortlist(&mine.keys, PER_KEY_LIMIT as usize, |key| {
                let held = index.get(key).map_or(&[][..], Vec::as_slice);
                (held.len(), held.iter().copied())
            })
            .into_iter()
            .map(|j| stored[j].clone())
            .collect();
        let decision = linker.decide(&mine, &candidates, &freq);
        freq.apply(&Frequencies::deltas(None, Some(&record.subject)));
        let mut new_customer = || {
            let id = CustomerId::generate();
            number.insert(id.clone(), customer_ids.len());
            customer_ids.push(id.clone());
            id
        };
        let customer = match decision.outcome {
            crate::hub::linkage::LinkOutcome::Link { customer, .. } => customer,
            crate::hub::linkage::LinkOutcome::New => new_customer(),
            crate::hub::linkage::LinkOutcome::Possible { candidates } => {
                let id = new_customer();
                for (other, _, _) in candidates.iter().take(MAX_REVIEW_CANDIDATES) {
                    reviews.push((number[&id], number[other]));
                }
                id
            }
        };
        customer_of.push(number[&customer]);
        stored.push(CandidateRecord {
            customer_id: customer,
            flags: Default::default(),
            link: LinkRef {
                system: system.clone(),
                local_id: LocalId::parse(&record.rec_id).map_err(crate::error::SetupError::new)?,
            },
            normalised: mine.normalised,
        });
        for key in mine.keys {
            index.entry(key).or_default().push(i);
        }
    }
    let entities: Vec<&str> = records.iter().map(|r| r.entity.as_str()).collect();
    let auto = pairwise(&customer_of, &entities);
    // Review tasks joined: a steward saying "same" to every task.
    let mut parent: Vec<usize> = (0..customer_ids.len()).collect();
    for (a, b) in &reviews {
        let (ra, rb) = (find(&mut parent, *a), find(&mut parent, *b));
        parent[ra] = rb;
    }
    let joined: Vec<usize> = customer_of.iter().map(|c| find(&mut parent, *c)).collect();
    let with_review = pairwise(&joined, &entities);
    Ok(RunReport {
        records: records.len(),
        customers: customer_ids.len(),
        review_tasks: reviews.len(),
        auto,
        with_review,
        customer_of,
        review_pairs: reviews,
    })
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Pairs within clusters against pairs within true entities.
pub fn pairwise(cluster_of: &[usize], entity_of: &[&str]) -> Metrics {
    let pairs = |n: u64| n * n.saturating_sub(1) / 2;
    let mut clusters: HashMap<usize, u64> = HashMap::new();
    let mut entities: HashMap<&str, u64> = HashMap::new();
    let mut both: HashMap<(usize, &str), u64> = HashMap::new();
    for (c, e) in cluster_of.iter().zip(entity_of) {
        *clusters.entry(*c).or_default() += 1;
        *entities.entry(e).or_default() += 1;
        *both.entry((*c, e)).or_default() += 1;
    }
    Metrics {
        predicted_pairs: clusters.values().map(|n| pairs(*n)).sum(),
        true_positives: both.values().map(|n| pairs(*n)).sum(),
        true_pairs: entities.values().map(|n| pairs(*n)).sum(),
    }
}

/// One line of the printed table.
pub struct Row {
    pub task: &'static str,
    pub weights: &'static str,
    pub train: Option<TrainReport>,
    pub run: RunReport,
}

/// Decision thresholds to evaluate with (the engine's defaults unless set).
#[derive(Debug, Clone, Copy)]
pub struct Thresholds {
    pub link: f64,
    pub review: f64,
    /// Off only to measure what the twins and parent/child rules cost.
    pub hard_negatives: bool,
}

impl Default for Thresholds {
    fn default() -> Self {
        let e = Engine::default();
        Thresholds {
            link: e.link_threshold,
            review: e.review_threshold,
            hard_negatives: true,
        }
    }
}

fn engine(weights: Weights, t: Thresholds) -> Engine {
    Engine {
        link_threshold: t.link,
        review_threshold: t.review,
        hard_negatives: t.hard_negatives,
        ..Engine::new(weights)
    }
}

/// Runs every task with the default weights and with EM weights trained
/// on that task's own records.
pub fn run(data_dir: &Path, thresholds: Thresholds) -> crate::error::SetupResult<Vec<Row>> {
    let mut rows = Vec::new();
    for (task, files) in TASKS {
        let mut records = Vec::new();
        for f in *files {
            records.extend(load_febrl(&data_dir.join(f))?);
        }
        let defaults = Linker::new(engine(Weights::default(), thresholds));
        rows.push(Row {
            task,
            weights: "default",
            train: None,
            run: simulate(&records, &defaults)?,
        });
        let subjects: Vec<Subject> = records.iter().map(|r| r.subject.clone()).collect();
        let trained = train(&subjects);
        let linker = Linker::new(engine(trained.weights.clone(), thresholds));
        rows.push(Row {
            task,
            weights: "em",
            train: Some(trained),
            run: simulate(&records, &linker)?,
        });
    }
    Ok(rows)
}

/// The table `evaluate` prints: counts and figures, no personal data.
pub fn render(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<13} {:<8} {:>7} {:>9} {:>7} {:<12} {:>9} {:>9} {:>7} {:>7} {:>7}\n",
        "task",
        "weights",
        "records",
        "customers",
        "reviews",
        "decisions",
        "pairs",
        "true_pos",
        "P",
        "R",
        "F1"
    );
    for row in rows {
        for (label, m) in [("auto", row.run.auto), ("auto+review", row.run.with_review)] {
            out.push_str(&format!(
                "{:<13} {:<8} {:>7} {:>9} {:>7} {:<12} {:>9} {:>9} {:>7.4} {:>7.4} {:>7.4}\n",
                row.task,
                row.weights,
                row.run.records,
                row.run.customers,
                row.run.review_tasks,
                label,
                m.predicted_pairs,
                m.true_positives,
                m.precision(),
                m.recall(),
                m.f1()
            ));
        }
    }
    for row in rows {
        if let Some(t) = &row.train {
            out.push_str(&format!(
                "em {}: {} candidate pairs, {} iterations{}, match share {:.4}\n",
                row.task,
                t.pairs,
                t.iterations,
                if t.converged { "" } else { " (not converged)" },
                t.weights.prior
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_counts() {
        // Clusters {0,1,2} {3}; entities {0,1} {2,3}.
        let m = pairwise(&[0, 0, 0, 1], &["a", "a", "b", "b"]);
        assert_eq!(m.predicted_pairs, 3);
        assert_eq!(m.true_positives, 1);
        assert_eq!(m.true_pairs, 2);
        assert!((m.f1() - 0.4).abs() < 1e-9);
    }

    #[test]
    fn reads_febrl_rows_without_the_ssn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(
            &path,
            "rec_id, given_name, surname, street_number, address_1, address_2, suburb, postcode, state, date_of_birth, soc_sec_id\n\
             rec-10-dup-0, kayla, harrington, , maltby circuit, coaling, coolaroo, 3465, nsw, 19150612, 9004242\n",
        )
        .unwrap();
        let r = load_febrl(&path).unwrap();
        assert_eq!(r[0].entity, "10");
        let s = &r[0].subject;
        assert_eq!(s.given.as_deref(), Some("kayla"));
        assert_eq!(s.street.as_deref(), Some("maltby circuit"));
        assert_eq!(s.house_number, None);
        assert_eq!(s.postcode.as_deref(), Some("3465"));
        assert_eq!(s.dob.as_deref(), Some("19150612"));
        assert!(!s.to_stored().contains("9004242"));
    }
}
