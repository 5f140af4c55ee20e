//! Departmental views of synthetic people, with ground truth, for record
//! linkage tests, `evaluate --synthetic` and the submit benchmark. Each
//! person is held by a few of eight council systems, each copy keyed with
//! its own noise (nicknames, typos, date slips, stale addresses, maiden
//! names, missing gender and town). The population also holds the hard
//! negatives a matcher must never link: twins, and a parent and child
//! sharing a name and a home.

use super::{SynthPerson, given_name, people, title, typo};
use crate::matching::{compare, nicknames};
use crate::record::{
    Address, BirthDate, DepartmentalRecord, Gender, LocalId, Person, PersonName, SystemCode, Uprn,
};
use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// The council's departmental systems.
pub const SYSTEMS: [&str; 8] = [
    "council-tax",
    "housing",
    "benefits",
    "libraries",
    "waste",
    "electoral",
    "parking",
    "adult-care",
];

/// Systems keyed against the council's address gazetteer carry the UPRN.
const UPRN_SYSTEMS: [&str; 2] = ["council-tax", "housing"];

/// How likely each system is to hold a given person.
const HELD: f64 = 0.3;

/// The latest date of birth generated: everyone is an adult, so the
/// minors policy never refuses a generated record.
fn latest_birth() -> NaiveDate {
    NaiveDate::from_ymd_opt(2006, 12, 31).expect("valid date")
}

/// Two different people who look alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kin {
    /// Same family name, date of birth and home; clearly different given names.
    Twins,
    /// Same given and family name and home; born a generation apart.
    ParentChild,
}

/// People with the pairs among them that are hard negatives.
#[derive(Debug, Clone)]
pub struct Population {
    pub people: Vec<SynthPerson>,
    /// (person, person, how they are related).
    pub kin: Vec<(usize, usize, Kin)>,
}

/// One system's record of a person, and who the person truly is.
#[derive(Debug, Clone)]
pub struct View {
    pub person: usize,
    pub record: DepartmentalRecord,
}

/// `n` people from `seed`; one in 25 is the twin of the person before it
/// and one in 25 the parent or child of the person before it.
pub fn population(n: usize, seed: u64) -> Population {
    let mut people = people(n, seed);
    let mut rng = StdRng::seed_from_u64(seed.wrapping_add(0x4b1e));
    let mut kin = Vec::new();
    for i in 1..n {
        let relation = match i % 25 {
            7 => Kin::Twins,
            19 => Kin::ParentChild,
            _ => continue,
        };
        let (before, rest) = people.split_at_mut(i);
        let (a, b) = (&before[i - 1], &mut rest[0]);
        match relation {
            Kin::Twins => twin(&mut rng, a, b),
            Kin::ParentChild => parent_or_child(&mut rng, a, b),
        }
        kin.push((i - 1, i, relation));
    }
    Population { people, kin }
}

/// Makes `b` the twin of `a`: a given name no matcher could take for a
/// slip or a nickname of the other's.
fn twin(rng: &mut StdRng, a: &SynthPerson, b: &mut SynthPerson) {
    let female = rng.random_bool(0.5);
    let mine = a.person.name.given.to_lowercase();
    let given = loop {
        let g = given_name(rng, female);
        if compare::given(g, &mine) == "disagree" && !nicknames::related(g, &mine) {
            break g;
        }
    };
    b.person = Person {
        name: PersonName {
            given: title(given),
            middle: rng.random_bool(0.4).then(|| title(given_name(rng, female))),
            family: a.person.name.family.clone(),
        },
        gender: if female { Gender::Female } else { Gender::Male },
        ..a.person.clone()
    };
    b.previous_address = a.previous_address.clone();
    b.earlier_family = None;
}

/// Makes `b` the child of `a` (or the parent, when `a` is young), named
/// after them and living with them.
fn parent_or_child(rng: &mut StdRng, a: &SynthPerson, b: &mut SynthPerson) {
    let born = a.person.date_of_birth.date();
    let gap = chrono::Duration::days(rng.random_range(18 * 365..40 * 365));
    let dob = if born + gap <= latest_birth() {
        born + gap
    } else {
        born - gap
    };
    b.person = Person {
        name: PersonName {
            middle: None,
            ..a.person.name.clone()
        },
        date_of_birth: BirthDate::from_stored(dob),
        ..a.person.clone()
    };
    b.previous_address = a.previous_address.clone();
    b.earlier_family = None;
}

/// Every person as held by a few systems (at least one), in a shuffled
/// arrival order.
pub fn views(population: &Population, seed: u64) -> Vec<View> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut next_id = [0usize; SYSTEMS.len()];
    let mut out = Vec::new();
    for (i, p) in population.people.iter().enumerate() {
        let mut held: Vec<usize> = (0..SYSTEMS.len())
            .filter(|_| rng.random_bool(HELD))
            .collect();
        if held.is_empty() {
            held.push(rng.random_range(0..SYSTEMS.len()));
        }
        for s in held {
            next_id[s] += 1;
            let system = SYSTEMS[s];
            out.push(View {
                person: i,
                record: DepartmentalRecord {
                    system: SystemCode::parse(system).expect("valid system"),
                    local_id: LocalId::parse(&format!("{system}-{}", next_id[s])).expect("valid"),
                    person: keyed(&mut rng, p, system),
                },
            });
        }
    }
    out.shuffle(&mut rng);
    out
}

/// One system's copy of a person, with the slips of keying and of time.
pub fn keyed(rng: &mut StdRng, p: &SynthPerson, system: &str) -> Person {
    let mut person = p.person.clone();
    let name = &mut person.name;
    let given = name.given.to_lowercase();
    let nicks = nicknames::nicknames_of(&given);
    let r: f64 = rng.random();
    if r < 0.10 && !nicks.is_empty() {
        name.given = title(nicks[rng.random_range(0..nicks.len())]);
    } else if r < 0.13 {
        name.given = title(&typo(rng, &given));
    } else if r < 0.14 {
        name.given = given[..1].to_uppercase();
    }
    if rng.random_bool(0.5) {
        name.middle = None;
    }
    match &p.earlier_family {
        Some(maiden) if rng.random_bool(0.25) => name.family = maiden.clone(),
        _ if rng.random_bool(0.03) => {
            name.family = title(&typo(rng, &name.family.to_lowercase()));
        }
        _ => {}
    }
    let born = person.date_of_birth.date();
    let r: f64 = rng.random();
    if r < 0.02 {
        person.date_of_birth = BirthDate::from_stored(day_month_swap(born));
    } else if r < 0.04 {
        person.date_of_birth = BirthDate::from_stored(digit_slip(rng, born));
    }
    if rng.random_bool(0.15) {
        person.gender = Gender::Unspecified;
    }
    if let Some(old) = &p.previous_address
        && rng.random_bool(0.25)
    {
        person.address = old.clone();
    }
    person.address = noisy_address(rng, &person.address, system);
    person
}

fn day_month_swap(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.day(), d.month()).unwrap_or(d)
}

/// One wrong digit in the day, the month or the year's last digit.
fn digit_slip(rng: &mut StdRng, d: NaiveDate) -> NaiveDate {
    for _ in 0..20 {
        let digit = rng.random_range(0..10);
        let slipped = match rng.random_range(0..3) {
            0 => NaiveDate::from_ymd_opt(d.year() / 10 * 10 + digit, d.month(), d.day()),
            1 => NaiveDate::from_ymd_opt(d.year(), d.month() / 10 * 10 + digit as u32, d.day()),
            _ => NaiveDate::from_ymd_opt(d.year(), d.month(), d.day() / 10 * 10 + digit as u32),
        };
        if let Some(s) = slipped.filter(|s| *s != d && *s <= latest_birth()) {
            return s;
        }
    }
    d
}

fn noisy_address(rng: &mut StdRng, address: &Address, system: &str) -> Address {
    let mut lines = address.lines.clone();
    if rng.random_bool(0.3) {
        for line in &mut lines {
            *line = line
                .replace(" Road", " Rd")
                .replace(" Street", " St")
                .replace(" Avenue", " Ave");
        }
    }
    let mut postcode = address.postcode.as_str().to_owned();
    if rng.random_bool(0.03) {
        // A slip in the unit letters keeps the postcode well formed.
        let letters = b"ABDEFGHJLNPQRSTUWXYZ";
        let i = postcode.len() - rng.random_range(1..=2);
        let c = letters[rng.random_range(0..letters.len())] as char;
        postcode.replace_range(i..i + 1, &c.to_string());
    }
    let town = if rng.random_bool(0.2) {
        ""
    } else {
        address.town.as_deref().unwrap_or_default()
    };
    let uprn = if UPRN_SYSTEMS.contains(&system) {
        uprn_of(address)
    } else {
        String::new()
    };
    Address::parse(&lines, town, &postcode, &uprn).expect("noisy address stays valid")
}

/// A stable UPRN for a dwelling (FNV-1a of its first line and postcode).
fn uprn_of(address: &Address) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let key = format!("{}|{}", address.lines.join(","), address.postcode.as_str());
    for b in key.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let uprn = 100_000_000_000 + h % 900_000_000_000;
    debug_assert!(Uprn::parse(&uprn.to_string()).is_ok());
    uprn.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_deterministic_and_kin_look_alike() {
        let pop = population(500, 3);
        let (a, b) = (views(&pop, 4), views(&pop, 4));
        assert_eq!(a.len(), b.len());
        assert!(a.iter().zip(&b).all(|(x, y)| x.record == y.record));
        assert!(a.len() > 1000, "several systems per person: {}", a.len());
        assert_eq!(pop.kin.len(), 40);
        for (x, y, kin) in &pop.kin {
            let (p, q) = (&pop.people[*x].person, &pop.people[*y].person);
            assert_eq!(p.name.family, q.name.family);
            assert_eq!(p.address, q.address);
            match kin {
                Kin::Twins => {
                    assert_eq!(p.date_of_birth, q.date_of_birth);
                    assert_ne!(p.name.given, q.name.given);
                }
                Kin::ParentChild => {
                    assert_eq!(p.name.given, q.name.given);
                    let years = (p.date_of_birth.date() - q.date_of_birth.date()).num_days() / 365;
                    assert!(years.abs() >= 17, "{years}");
                }
            }
        }
    }
}
