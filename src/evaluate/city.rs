//! `evaluate --city N`: the online simulation run on a generated city's
//! departmental records (`crate::synth::city`), whose truth is the person
//! each record was made from. Reports what a council would ask of the
//! matcher: how many automatic links are right and how many it finds,
//! how much work it leaves stewards (and how much of that work is a real
//! duplicate), and whether any twins or parent/child namesakes were
//! merged. Counts only, no personal data.

use super::synthetic::{Synthetic, kin_linked};
use super::{Metrics, Record, RunReport, Thresholds, engine, simulate};
use crate::hub::linkage::{Linker, subject};
use crate::matching::Weights;
use crate::synth::city::{self, Shape};
use crate::synth::views::Kin;
use std::collections::HashSet;
use std::time::Instant;

/// The seed `evaluate --city` uses, so runs compare.
pub const SEED: u64 = 2026;

/// A city of `people`, its records shuffled into an arrival order, in the
/// simulation's form (entity = person index); and the city's shape.
pub fn generate(people: usize, seed: u64) -> (Synthetic, Shape) {
    let c = city::generate(people, seed);
    let views = city::views(&c, seed.wrapping_add(1));
    let records = views
        .iter()
        .map(|v| Record {
            rec_id: v.record.local_id.as_str().to_owned(),
            entity: v.person.to_string(),
            subject: subject(&v.record.person),
        })
        .collect();
    let shape = c.shape();
    let synthetic = Synthetic {
        population: c.population(),
        views,
        records,
    };
    (synthetic, shape)
}

/// What one run on a city found.
pub struct CityReport {
    pub shape: Shape,
    pub run: RunReport,
    /// Review tasks whose record is the same person as a record of the
    /// candidate customer.
    pub reviews_one_person: usize,
    /// (linked, pairs) of twins and of parent/child namesakes.
    pub twins: (usize, usize),
    pub parent_child: (usize, usize),
    pub generate_secs: f64,
    pub simulate_secs: f64,
}

/// Generates a city of `people` and submits its records through the
/// hub's `Linker` with the default weights.
pub fn run(people: usize, thresholds: Thresholds) -> crate::error::SetupResult<CityReport> {
    let started = Instant::now();
    let (s, shape) = generate(people, SEED);
    let generate_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let run = simulate(
        &s.records,
        &Linker::new(engine(Weights::default(), thresholds)),
    )?;
    let simulate_secs = started.elapsed().as_secs_f64();
    let (t, pc) = kin_linked(&s, &run.customer_of);
    let pairs = |kin: Kin| s.population.kin.iter().filter(|k| k.2 == kin).count();
    Ok(CityReport {
        reviews_one_person: reviews_one_person(&s, &run),
        twins: (t, pairs(Kin::Twins)),
        parent_child: (pc, pairs(Kin::ParentChild)),
        shape,
        run,
        generate_secs,
        simulate_secs,
    })
}

/// A review task is raised by the record that made its first customer;
/// it is a true duplicate when the candidate customer holds a record of
/// that record's person.
fn reviews_one_person(s: &Synthetic, run: &RunReport) -> usize {
    let mut founder: Vec<Option<usize>> = vec![None; run.customers];
    let mut held: HashSet<(usize, usize)> = HashSet::new();
    for (i, (customer, view)) in run.customer_of.iter().zip(&s.views).enumerate() {
        founder[*customer].get_or_insert(i);
        held.insert((*customer, view.person));
    }
    run.review_pairs
        .iter()
        .filter(|(made, candidate)| {
            founder[*made].is_some_and(|i| held.contains(&(*candidate, s.views[i].person)))
        })
        .count()
}

fn share(part: usize, whole: usize) -> f64 {
    100.0 * part as f64 / whole.max(1) as f64
}

fn line(label: &str, m: &Metrics) -> String {
    format!(
        "{label}: precision {:.4}, recall {:.4}, F1 {:.4} ({} pairs linked, {} right, {} true pairs)\n",
        m.precision(),
        m.recall(),
        m.f1(),
        m.predicted_pairs,
        m.true_positives,
        m.true_pairs
    )
}

impl CityReport {
    /// The figures `evaluate --city` prints.
    pub fn render(&self) -> String {
        let run = &self.run;
        let mut out = self.shape.to_string();
        out.push_str(&format!(
            "records: {} ({:.2} per person), generated in {:.1} s, matched in {:.1} s\n",
            run.records,
            run.records as f64 / self.shape.people.max(1) as f64,
            self.generate_secs,
            self.simulate_secs
        ));
        out.push_str(&line("automatic links", &run.auto));
        out.push_str(&format!(
            "review tasks: {} ({:.2}% of records); {} of them ({:.1}%) between records of one person\n",
            run.review_tasks,
            share(run.review_tasks, run.records),
            self.reviews_one_person,
            share(self.reviews_one_person, run.review_tasks)
        ));
        out.push_str(&line("every review task accepted", &run.with_review));
        out.push_str(&format!(
            "customers: {} for {} people\n",
            run.customers, self.shape.people
        ));
        out.push_str(&format!(
            "twins linked automatically: {} of {}\nparent/child linked automatically: {} of {}\n",
            self.twins.0, self.twins.1, self.parent_child.0, self.parent_child.1
        ));
        out
    }
}
