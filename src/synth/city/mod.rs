//! A synthetic population shaped like one UK city (Birmingham-like
//! postcodes B1 to B76), deterministic for a seed, for matching tests and
//! benchmarks at 100k to 1M departmental records. Unlike `synth::views`,
//! its people live in households: family names have a city's long tail
//! (Smith and Khan about 1% each, thousands of rarer names) and given
//! names follow the fashion of each birth decade and heritage; streets
//! repeat from district to district; flats put unrelated households in
//! one building; twins, and sons named after their fathers, live with
//! their families; people move, marry and change their names, and the
//! council's systems lag behind each in its own way.
//!
//! `generate` makes the people (a few tens of bytes each); `City::views`
//! streams their departmental records and `views` collects them in a
//! shuffled arrival order; `City::population` gives the ground truth in
//! the `synth::views` form that `evaluate::synthetic` reads; `csv` writes
//! import extracts. Everyone is 18 or over on 2026-12-01.

mod csv;
mod geography;
mod heritage;
mod households;
mod keying;
mod names;
mod places;
mod residents;
mod shape;
mod systems;
mod variants;

pub use csv::{Extracts, write_extracts};
pub use households::Kind;
pub use keying::Views;
pub use shape::Shape;

use crate::record::{Address, BirthDate, CustomerId, Gender, Person, PersonName};
use crate::synth::SynthPerson;
use crate::synth::views::{Kin, Population, View};
use households::{Builder, Household};
use names::{Name, TABLES, proper};
use places::{Place, Places};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use residents::Resident;

/// The people of one city, in numbers; see the module's documentation.
pub struct City {
    residents: Vec<Resident>,
    households: Vec<Household>,
    places: Places,
    kin: Vec<(usize, usize, Kin)>,
    seed: u64,
}

/// `people` residents in households, from `seed`.
pub fn generate(people: usize, seed: u64) -> City {
    let mut b = Builder::new(StdRng::seed_from_u64(seed), people);
    while b.residents.len() < people {
        b.household();
    }
    // The last household may be cut short.
    b.residents.truncate(people);
    if let Some(last) = b.households.last_mut() {
        last.members.end = last.members.end.min(people as u32);
    }
    let mut kin: Vec<(usize, usize, Kin)> = b
        .twins
        .iter()
        .filter(|(_, y)| *y < people)
        .map(|(x, y)| (*x, *y, Kin::Twins))
        .collect();
    kin.extend(namesakes(&b.residents, &b.households));
    kin.sort_unstable_by_key(|k| (k.0, k.1));
    City {
        residents: b.residents,
        households: b.households,
        places: b.places,
        kin,
        seed,
    }
}

/// Pairs in one home with one given and family name, born a generation
/// apart: a father and the son named after him, a grandfather and his
/// grandson, a mother and daughter.
fn namesakes(residents: &[Resident], households: &[Household]) -> Vec<(usize, usize, Kin)> {
    let mut out = Vec::new();
    for h in households {
        let members = h.members.start as usize..h.members.end as usize;
        for a in members.clone() {
            for b in a + 1..members.end {
                let (x, y) = (&residents[a], &residents[b]);
                let years = (x.born - y.born).num_days().abs() / 365;
                if x.given == y.given && x.family == y.family && years >= 18 {
                    out.push((a, b, Kin::ParentChild));
                }
            }
        }
    }
    out
}

/// Every departmental record of `city`, in a shuffled arrival order.
pub fn views(city: &City, seed: u64) -> Vec<View> {
    let mut all: Vec<View> = city.views(seed).collect();
    all.shuffle(&mut StdRng::seed_from_u64(seed.wrapping_add(0x5eed)));
    all
}

impl City {
    pub fn len(&self) -> usize {
        self.residents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.residents.is_empty()
    }

    /// The hard negatives: twins, and namesakes a generation apart.
    pub fn kin(&self) -> &[(usize, usize, Kin)] {
        &self.kin
    }

    /// Each person's departmental records, person by person, from `seed`
    /// (streamed: a million records need not be held at once).
    pub fn views(&self, seed: u64) -> Views<'_> {
        Views::new(self, StdRng::seed_from_u64(seed))
    }

    /// Person `i` as they truly are today.
    pub fn person(&self, i: usize) -> SynthPerson {
        let r = &self.residents[i];
        let t = &*TABLES;
        let home = Place::Dwelling(self.households[r.household as usize].home);
        SynthPerson {
            id: customer_id(self.seed, i),
            person: Person {
                name: PersonName {
                    given: proper(t.word(r.given)),
                    middle: r.middle.map(|m| proper(t.word(m))),
                    family: proper(&self.family_word(r, r.family)),
                },
                date_of_birth: BirthDate::from_stored(r.born),
                gender: if r.female {
                    Gender::Female
                } else {
                    Gender::Male
                },
                address: self.address(home),
            },
            earlier_family: r.earlier_family.map(|f| proper(&self.family_word(r, f))),
            previous_address: r.previous.map(|p| self.address(p)),
        }
    }

    /// The ground truth in the form `evaluate::synthetic` reads.
    pub fn population(&self) -> Population {
        Population {
            people: (0..self.len()).map(|i| self.person(i)).collect(),
            kin: self.kin.clone(),
        }
    }

    /// A family name as this person bears it (Kowalska for a Polish woman).
    fn family_word(&self, r: &Resident, name: Name) -> String {
        let word = TABLES.word(name);
        if r.female && heritage::HERITAGES[r.heritage as usize].feminine_forms {
            variants::feminine(word)
        } else {
            word.to_owned()
        }
    }

    fn address(&self, place: Place) -> Address {
        let parts = self.places.parts(place);
        Address::parse(&places::lines(&parts), parts.town, &parts.postcode, "")
            .expect("generated address is valid")
    }
}

/// A customer ID that depends only on the seed and the person.
fn customer_id(seed: u64, i: usize) -> CustomerId {
    let mut x = seed ^ (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut next = || {
        // splitmix64: cheap, and a million of them are distinct.
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let bytes: [u8; 16] = ((u128::from(next()) << 64) | u128::from(next())).to_be_bytes();
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    CustomerId::parse(&id.to_string()).expect("uuid")
}

#[cfg(test)]
mod tests;
