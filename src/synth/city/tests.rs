//! The city's shape, asserted on small populations (each test well under
//! a few seconds in a debug build).

use super::households::Kind;
use super::residents::{latest_birth, twins_apart};
use super::*;
use std::collections::{HashMap, HashSet};

#[test]
fn family_names_have_a_head_and_a_long_tail() {
    let city = generate(30_000, 1);
    let shape = city.shape();
    let (top, share) = &shape.commonest_surname;
    assert!((0.007..=0.015).contains(share), "{top} {share}");
    assert!(
        shape.distinct_surnames >= 3_000,
        "{}",
        shape.distinct_surnames
    );
    assert!(shape.distinct_given >= 400, "{}", shape.distinct_given);
    // The diverse city's names are there, not only the English ones.
    let names: HashSet<String> = (0..city.len())
        .map(|i| city.person(i).person.name.family)
        .collect();
    for name in [
        "Smith", "Khan", "Patel", "Singh", "Kaur", "Begum", "O'Brien", "Nowak", "Kowalska",
        "Mensah", "Chan",
    ] {
        assert!(names.contains(name), "{name}");
    }
}

#[test]
fn streets_repeat_across_districts_and_buildings_hold_many_households() {
    let city = generate(20_000, 2);
    let shape = city.shape();
    assert!(shape.repeated_streets >= 50, "{}", shape.repeated_streets);
    assert!(shape.most_districts.1 >= 10, "{:?}", shape.most_districts);
    let high: HashSet<u8> = city
        .places
        .street_names()
        .filter(|(n, _)| *n == "High Street")
        .map(|(_, d)| d)
        .collect();
    assert!(high.len() >= 5, "High Street in {} districts", high.len());
    assert!(shape.shared_buildings >= 50, "{}", shape.shared_buildings);
    assert!(
        shape.most_in_a_building >= 20,
        "{}",
        shape.most_in_a_building
    );
}

#[test]
fn households_hold_twins_namesakes_and_every_kind() {
    let city = generate(20_000, 3);
    let shape = city.shape();
    for (kind, n) in &shape.households {
        assert!(*n > 50, "{kind:?} {n}");
    }
    assert!(shape.households_of(Kind::Single) > shape.households_of(Kind::Siblings));
    assert!(shape.twins >= 40, "{}", shape.twins);
    assert!(shape.parent_child >= 40, "{}", shape.parent_child);
    for (a, b, kin) in city.kin() {
        let (x, y) = (&city.residents[*a], &city.residents[*b]);
        let (p, q) = (city.person(*a).person, city.person(*b).person);
        assert_eq!(x.household, y.household);
        assert_eq!(p.address, q.address);
        // One family name, if in its masculine and feminine forms (Kowalski, Kowalska).
        assert_eq!(x.family, y.family);
        match kin {
            Kin::Twins => {
                assert_eq!(x.born, y.born);
                assert!(twins_apart(x, y), "{p:?} {q:?}");
            }
            Kin::ParentChild => {
                assert_eq!(p.name.given, q.name.given);
                assert!((x.born - y.born).num_days().abs() >= 18 * 365);
            }
        }
    }
}

#[test]
fn everyone_is_an_adult_in_every_record() {
    let city = generate(5_000, 4);
    assert!(city.residents.iter().all(|r| r.born <= latest_birth()));
    assert!(city.shape().youngest_age >= 18);
    for v in city.views(5) {
        assert!(v.record.person.date_of_birth.date() <= latest_birth());
    }
}

#[test]
fn deterministic_for_a_seed() {
    let (a, b) = (generate(3_000, 6), generate(3_000, 6));
    let (va, vb) = (views(&a, 7), views(&b, 7));
    assert_eq!(va.len(), vb.len());
    assert!(
        va.iter()
            .zip(&vb)
            .all(|(x, y)| x.person == y.person && x.record == y.record)
    );
    assert_eq!(a.kin(), b.kin());
    assert_eq!(a.person(17).id, b.person(17).id);
    let c = generate(3_000, 8);
    assert_ne!(a.person(17).person, c.person(17).person);
}

#[test]
fn departments_hold_a_few_noisy_copies_each() {
    let city = generate(10_000, 9);
    let all: Vec<View> = city.views(10).collect();
    let per_person = all.len() as f64 / city.len() as f64;
    assert!((2.0..=3.0).contains(&per_person), "{per_person}");
    let mut systems: HashMap<&str, usize> = HashMap::new();
    let (mut stale, mut differs, mut caps, mut uprns) = (0, 0, 0, 0);
    for v in &all {
        let system = v.record.system.as_str();
        *systems.entry(system).or_default() += 1;
        let truth = city.person(v.person);
        let held = &v.record.person;
        if held.address.postcode.outward() != truth.person.address.postcode.outward() {
            stale += 1;
        }
        if held.name.given.to_lowercase() != truth.person.name.given.to_lowercase() {
            differs += 1;
        }
        if held.name.family.chars().all(|c| !c.is_lowercase()) {
            caps += 1;
        }
        if held.address.uprn.is_some() {
            uprns += 1;
            assert!(["council-tax", "housing"].contains(&system), "{system}");
        }
    }
    assert_eq!(systems.len(), 8, "{systems:?}");
    let share = |n: usize| n as f64 / all.len() as f64;
    assert!(
        (0.03..0.2).contains(&share(stale)),
        "stale {}",
        share(stale)
    );
    assert!(
        (0.08..0.3).contains(&share(differs)),
        "given differs {}",
        share(differs)
    );
    assert!(share(caps) > 0.2 && share(uprns) > 0.15);
    // Every view has a twin in the truth: the person it was made from.
    let people: HashSet<usize> = all.iter().map(|v| v.person).collect();
    assert_eq!(people.len(), city.len());
}

#[test]
fn extracts_are_in_the_import_format() {
    let city = generate(1_000, 11);
    let dir = tempfile::tempdir().unwrap();
    let out = write_extracts(&city, 12, dir.path(), Some(2_000)).unwrap();
    assert_eq!(out.truth.len(), 2_000);
    let (mut uk, mut iso, mut rows) = (0, 0, 0);
    for (_, path) in &out.files {
        let mut reader = ::csv::Reader::from_path(path).unwrap();
        let headers = reader.headers().unwrap().clone();
        assert!(
            headers.iter().all(|h| crate::import::FIELDS.contains(&h)),
            "{headers:?}"
        );
        for row in reader.records() {
            let row = row.unwrap();
            rows += 1;
            let date = &row[4];
            if chrono::NaiveDate::parse_from_str(date, "%d/%m/%Y").is_ok() {
                uk += 1;
            } else {
                chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
                iso += 1;
            }
            assert!(["", "F", "M", "U", "X", "female", "male", "other"].contains(&&row[5]));
        }
    }
    assert_eq!(rows, 2_000);
    assert!(uk > 200 && iso > 200, "uk {uk} iso {iso}");
    let truth = std::fs::read_to_string(&out.truth_file).unwrap();
    assert_eq!(truth.lines().count(), 2_001);
}
