//! `evaluate --synthetic N`: the FEBRL simulation run on generated UK
//! departmental records (`crate::synth::views`), whose truth is the person
//! each record was made from. Also counts the hard negatives (twins, parent
//! and child) that ended up linked: each one is a citizen shown another's
//! data.

use super::{Record, Row, Thresholds, engine, simulate, train};
use crate::hub::linkage::{Linker, subject};
use crate::matching::{Subject, Weights};
use crate::synth::views::{self, Kin, Population, View};
use std::collections::HashSet;

/// The seed `evaluate --synthetic` uses, so runs compare.
pub const SEED: u64 = 2026;

/// A generated population, its departmental records, and those records in
/// the simulation's form (entity = person index).
pub struct Synthetic {
    pub population: Population,
    pub views: Vec<View>,
    pub records: Vec<Record>,
}

pub fn generate(people: usize, seed: u64) -> Synthetic {
    let population = views::population(people, seed);
    let views = views::views(&population, seed.wrapping_add(1));
    let records = views
        .iter()
        .map(|v| Record {
            rec_id: v.record.local_id.as_str().to_owned(),
            entity: v.person.to_string(),
            subject: subject(&v.record.person),
        })
        .collect();
    Synthetic {
        population,
        views,
        records,
    }
}

/// Kin pairs whose records share a customer: (twins, parent and child).
pub fn kin_linked(s: &Synthetic, customer_of: &[usize]) -> (usize, usize) {
    let mut customers: Vec<HashSet<usize>> = vec![HashSet::new(); s.population.people.len()];
    for (view, customer) in s.views.iter().zip(customer_of) {
        customers[view.person].insert(*customer);
    }
    let mut linked = (0, 0);
    for (a, b, kin) in &s.population.kin {
        if !customers[*a].is_disjoint(&customers[*b]) {
            match kin {
                Kin::Twins => linked.0 += 1,
                Kin::ParentChild => linked.1 += 1,
            }
        }
    }
    linked
}

/// Default and EM weights on `people` generated people; the rows and a
/// line per run on the hard negatives.
pub fn run(people: usize, thresholds: Thresholds) -> crate::error::SetupResult<(Vec<Row>, String)> {
    let s = generate(people, SEED);
    let subjects: Vec<Subject> = s.records.iter().map(|r| r.subject.clone()).collect();
    let trained = train(&subjects);
    let runs = [
        ("default", None, Weights::default()),
        ("em", Some(trained.clone()), trained.weights),
    ];
    let twins = s
        .population
        .kin
        .iter()
        .filter(|k| k.2 == Kin::Twins)
        .count();
    let mut rows = Vec::new();
    let mut notes = String::new();
    for (label, train, weights) in runs {
        let run = simulate(&s.records, &Linker::new(engine(weights, thresholds)))?;
        let (t, pc) = kin_linked(&s, &run.customer_of);
        notes.push_str(&format!(
            "synthetic {label}: {people} people, {} records; linked twins {t} of {twins}, \
             linked parent/child {pc} of {}\n",
            s.records.len(),
            s.population.kin.len() - twins
        ));
        rows.push(Row {
            task: "synthetic",
            weights: label,
            train,
            run,
        });
    }
    Ok((rows, notes))
}
