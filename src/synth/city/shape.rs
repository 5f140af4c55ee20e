//! What a generated city looks like, in counts: the figures its tests
//! assert and `evaluate --city` prints beside the matching results.

use super::City;
use super::households::{KIND_ORDER, Kind};
use super::names::proper;
use crate::synth::views::Kin;
use std::collections::{HashMap, HashSet};
use std::fmt;

#[derive(Debug, Clone)]
pub struct Shape {
    pub people: usize,
    pub households: Vec<(Kind, usize)>,
    pub dwellings: usize,
    /// Buildings of flats with at least two households, and the most
    /// households in one building.
    pub shared_buildings: usize,
    pub most_in_a_building: usize,
    pub distinct_surnames: usize,
    /// The commonest family name and its share of people.
    pub commonest_surname: (String, f64),
    pub distinct_given: usize,
    /// Street names found in more than one district, and the most
    /// districts one name is found in.
    pub repeated_streets: usize,
    pub most_districts: (String, usize),
    pub twins: usize,
    pub parent_child: usize,
    pub moved: usize,
    pub earlier_family: usize,
    pub youngest_age: i32,
}

impl City {
    pub fn shape(&self) -> Shape {
        let mut kinds: HashMap<Kind, usize> = HashMap::new();
        let mut buildings: HashMap<(u32, u16), usize> = HashMap::new();
        for h in &self.households {
            *kinds.entry(h.kind).or_default() += 1;
            if let Some(b) = self.places.building_of(h.home) {
                *buildings.entry(b).or_default() += 1;
            }
        }
        let mut surnames: HashMap<String, usize> = HashMap::new();
        let mut given: HashSet<u32> = HashSet::new();
        for r in &self.residents {
            *surnames.entry(self.family_word(r, r.family)).or_default() += 1;
            given.insert(r.given);
        }
        let (top, top_n) = surnames
            .iter()
            .max_by_key(|(name, n)| (**n, std::cmp::Reverse((*name).clone())))
            .map(|(name, n)| (proper(name), *n))
            .unwrap_or_default();
        let mut streets: HashMap<&str, HashSet<u8>> = HashMap::new();
        for (name, district) in self.places.street_names() {
            streets.entry(name).or_default().insert(district);
        }
        let (widest, widest_n) = streets
            .iter()
            .max_by_key(|(name, d)| (d.len(), std::cmp::Reverse(**name)))
            .map(|(name, d)| ((*name).to_owned(), d.len()))
            .unwrap_or_default();
        let youngest = self.residents.iter().map(|r| r.born).max();
        Shape {
            people: self.residents.len(),
            households: KIND_ORDER
                .iter()
                .map(|k| (*k, kinds.get(k).copied().unwrap_or(0)))
                .collect(),
            dwellings: self.places.dwellings(),
            shared_buildings: buildings.values().filter(|n| **n >= 2).count(),
            most_in_a_building: buildings.values().copied().max().unwrap_or(0),
            distinct_surnames: surnames.len(),
            commonest_surname: (top, top_n as f64 / self.residents.len().max(1) as f64),
            distinct_given: given.len(),
            repeated_streets: streets.values().filter(|d| d.len() >= 2).count(),
            most_districts: (widest, widest_n),
            twins: self.kin.iter().filter(|k| k.2 == Kin::Twins).count(),
            parent_child: self.kin.iter().filter(|k| k.2 == Kin::ParentChild).count(),
            moved: self
                .residents
                .iter()
                .filter(|r| r.previous.is_some())
                .count(),
            earlier_family: self
                .residents
                .iter()
                .filter(|r| r.earlier_family.is_some())
                .count(),
            youngest_age: youngest.map_or(0, |b| {
                super::residents::today()
                    .years_since(b)
                    .map_or(0, |y| y as i32)
            }),
        }
    }
}

impl Shape {
    pub fn households_of(&self, kind: Kind) -> usize {
        self.households
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: usize = self.households.iter().map(|(_, n)| n).sum();
        writeln!(
            f,
            "city: {} people in {total} households, {} dwellings",
            self.people, self.dwellings
        )?;
        let kinds: Vec<String> = self
            .households
            .iter()
            .map(|(k, n)| format!("{k:?} {n}"))
            .collect();
        writeln!(f, "households: {}", kinds.join(", "))?;
        writeln!(
            f,
            "family names: {} distinct, commonest {} {:.2}%; given names: {} distinct",
            self.distinct_surnames,
            self.commonest_surname.0,
            self.commonest_surname.1 * 100.0,
            self.distinct_given
        )?;
        writeln!(
            f,
            "streets: {} names in several districts ({} in {}); {} buildings of flats shared, up to {} households",
            self.repeated_streets,
            self.most_districts.0,
            self.most_districts.1,
            self.shared_buildings,
            self.most_in_a_building
        )?;
        writeln!(
            f,
            "kin: {} twin pairs, {} parent/child namesakes; {} moved, {} with an earlier family name; youngest {}",
            self.twins, self.parent_child, self.moved, self.earlier_family, self.youngest_age
        )
    }
}
