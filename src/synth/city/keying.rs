//! Departmental views of the city's people: who each of the council's
//! systems holds (council tax the householders, housing the tenants,
//! adult care the old, the electoral register most citizens), and how
//! each keyed its copy: its own habits (capitals, abbreviations, gender
//! left blank, middle names dropped) and the slips and lags of any clerk
//! (nicknames, other spellings, typos, initials, given and middle names
//! swapped or run together, date slips, stale addresses, maiden names).

use super::City;
use super::households::{Household, Kind};
use super::names::{TABLES, proper};
use super::places::{self, Parts, Place};
use super::residents::{Resident, latest_birth, today};
use super::variants;
use crate::matching::nicknames;
use crate::record::{
    Address, BirthDate, DepartmentalRecord, Gender, LocalId, Person, PersonName, SystemCode,
};
use crate::synth::typo;
use crate::synth::views::{SYSTEMS, View};
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;

/// One system's habits. Rates are per record it holds.
pub struct Profile {
    pub code: &'static str,
    /// Its local IDs: this prefix and a number.
    prefix: &'static str,
    /// Keyed against the council's gazetteer: holds the UPRN.
    uprn: bool,
    /// A legacy system that writes everything in capitals.
    capitals: bool,
    /// Its extracts write dates dd/mm/yyyy (else ISO).
    pub uk_dates: bool,
    /// Its extracts write gender as one letter (else in full).
    pub gender_letter: bool,
    no_gender: f64,
    middle: f64,
    nickname: f64,
    initial: f64,
    abbreviates: f64,
    /// Still holds a moved person's old address.
    stale: f64,
    /// Still holds an earlier family or given name.
    earlier_name: f64,
    locality: f64,
    no_town: f64,
    /// Registers one person twice.
    duplicate: f64,
}

#[rustfmt::skip]
pub const PROFILES: [Profile; 8] = [
    Profile { code: SYSTEMS[0], prefix: "CT", uprn: true, capitals: true, uk_dates: true, gender_letter: true,
        no_gender: 0.10, middle: 0.5, nickname: 0.03, initial: 0.04, abbreviates: 0.2, stale: 0.08,
        earlier_name: 0.2, locality: 0.1, no_town: 0.05, duplicate: 0.005 },
    Profile { code: SYSTEMS[1], prefix: "HSG-", uprn: true, capitals: false, uk_dates: false, gender_letter: false,
        no_gender: 0.05, middle: 0.6, nickname: 0.05, initial: 0.01, abbreviates: 0.2, stale: 0.05,
        earlier_name: 0.15, locality: 0.3, no_town: 0.1, duplicate: 0.005 },
    Profile { code: SYSTEMS[2], prefix: "BEN", uprn: false, capitals: false, uk_dates: true, gender_letter: true,
        no_gender: 0.05, middle: 0.7, nickname: 0.03, initial: 0.01, abbreviates: 0.3, stale: 0.15,
        earlier_name: 0.2, locality: 0.1, no_town: 0.1, duplicate: 0.01 },
    Profile { code: SYSTEMS[3], prefix: "LIB2", uprn: false, capitals: false, uk_dates: false, gender_letter: false,
        no_gender: 0.35, middle: 0.2, nickname: 0.15, initial: 0.02, abbreviates: 0.4, stale: 0.45,
        earlier_name: 0.45, locality: 0.2, no_town: 0.4, duplicate: 0.02 },
    Profile { code: SYSTEMS[4], prefix: "WST", uprn: false, capitals: true, uk_dates: true, gender_letter: true,
        no_gender: 0.7, middle: 0.1, nickname: 0.08, initial: 0.08, abbreviates: 0.6, stale: 0.25,
        earlier_name: 0.3, locality: 0.05, no_town: 0.3, duplicate: 0.01 },
    Profile { code: SYSTEMS[5], prefix: "ER-", uprn: false, capitals: true, uk_dates: false, gender_letter: true,
        no_gender: 0.9, middle: 0.85, nickname: 0.01, initial: 0.0, abbreviates: 0.1, stale: 0.15,
        earlier_name: 0.2, locality: 0.1, no_town: 0.05, duplicate: 0.002 },
    Profile { code: SYSTEMS[6], prefix: "PKG", uprn: false, capitals: false, uk_dates: true, gender_letter: false,
        no_gender: 0.6, middle: 0.1, nickname: 0.1, initial: 0.05, abbreviates: 0.5, stale: 0.2,
        earlier_name: 0.3, locality: 0.05, no_town: 0.3, duplicate: 0.02 },
    Profile { code: SYSTEMS[7], prefix: "ASC", uprn: false, capitals: false, uk_dates: false, gender_letter: false,
        no_gender: 0.02, middle: 0.6, nickname: 0.05, initial: 0.01, abbreviates: 0.2, stale: 0.1,
        earlier_name: 0.25, locality: 0.2, no_town: 0.1, duplicate: 0.005 },
];

/// The departmental views of a city, person by person (held in memory
/// one person at a time).
pub struct Views<'a> {
    city: &'a City,
    rng: StdRng,
    next: usize,
    issued: [u32; 8],
    ready: Vec<View>,
}

impl<'a> Views<'a> {
    pub(super) fn new(city: &'a City, rng: StdRng) -> Self {
        Views {
            city,
            rng,
            next: 0,
            issued: [0; 8],
            ready: Vec::new(),
        }
    }

    fn hold(&mut self, i: usize) {
        let r = &self.city.residents[i];
        let hh = &self.city.households[r.household as usize];
        let mut held: Vec<usize> = (0..PROFILES.len())
            .filter(|s| {
                let p = held_by(*s, i, r, hh);
                self.rng.random_bool(p)
            })
            .collect();
        if held.is_empty() {
            held.push(if self.rng.random_bool(0.6) { 5 } else { 3 });
        }
        for s in held {
            let copies = 1 + usize::from(self.rng.random_bool(PROFILES[s].duplicate));
            for _ in 0..copies {
                self.issued[s] += 1;
                let p = &PROFILES[s];
                let local_id = format!("{}{:07}", p.prefix, self.issued[s]);
                let person = keyed(&mut self.rng, self.city, i, p);
                self.ready.push(View {
                    person: i,
                    record: DepartmentalRecord {
                        system: SystemCode::parse(p.code).expect("valid system"),
                        local_id: LocalId::parse(&local_id).expect("valid local id"),
                        person,
                    },
                });
            }
        }
        // Popped from the back: keep the systems' order.
        self.ready.reverse();
    }
}

impl Iterator for Views<'_> {
    type Item = View;

    fn next(&mut self) -> Option<View> {
        while self.ready.is_empty() {
            if self.next >= self.city.residents.len() {
                return None;
            }
            self.hold(self.next);
            self.next += 1;
        }
        self.ready.pop()
    }
}

fn age(r: &Resident) -> i32 {
    today().year() - r.born.year()
}

/// How likely system `s` is to hold this person.
fn held_by(s: usize, i: usize, r: &Resident, hh: &Household) -> f64 {
    let age = age(r);
    // The bill payer, for systems that hold one person a household.
    let first = i == hh.members.start as usize;
    match PROFILES[s].code {
        "council-tax" if r.householder => 0.85,
        "council-tax" => 0.03,
        "housing" if hh.tenant => 0.85,
        "housing" => 0.02,
        "benefits" if hh.kind == Kind::LoneParent && r.householder => 0.55,
        "benefits" if age >= 66 => 0.35,
        "benefits" => 0.12 + if hh.tenant { 0.2 } else { 0.0 },
        "libraries" if !(25..60).contains(&age) => 0.26,
        "libraries" => 0.17,
        "waste" if first => 0.4,
        "waste" => 0.02,
        "electoral" => {
            let eligible = match super::heritage::HERITAGES[r.heritage as usize].code {
                "eastern" => 0.45,
                "chinese" => 0.5,
                _ => 0.88,
            };
            eligible * if r.previous.is_some() { 0.8 } else { 1.0 }
        }
        "parking" if first => 0.07,
        "parking" => 0.03,
        "adult-care" if age >= 85 => 0.3,
        "adult-care" if age >= 75 => 0.12,
        "adult-care" if age >= 65 => 0.04,
        _ => 0.01,
    }
}

/// One system's copy of resident `i`.
fn keyed(rng: &mut StdRng, city: &City, i: usize, p: &Profile) -> Person {
    let r = &city.residents[i];
    let name = name(rng, city, r, p);
    let mut born = r.born;
    let x: f64 = rng.random();
    if x < 0.012 {
        born = NaiveDate::from_ymd_opt(born.year(), born.day(), born.month()).unwrap_or(born);
    } else if x < 0.027 {
        born = digit_slip(rng, born);
    } else if x < 0.030 {
        // Only the year was known: the system's default day.
        born = NaiveDate::from_ymd_opt(born.year(), 1, 1).expect("valid date");
    }
    let truth = if r.female {
        Gender::Female
    } else {
        Gender::Male
    };
    let gender = match rng.random::<f64>() {
        x if x < p.no_gender => Gender::Unspecified,
        x if x < p.no_gender + 0.003 => match truth {
            Gender::Female => Gender::Male,
            _ => Gender::Female,
        },
        _ => truth,
    };
    let home = Place::Dwelling(city.households[r.household as usize].home);
    let place = match r.previous {
        Some(old) if rng.random_bool(p.stale) => old,
        _ => home,
    };
    Person {
        name,
        date_of_birth: BirthDate::from_stored(born),
        gender,
        address: address(rng, &city.places.parts(place), p),
    }
}

fn name(rng: &mut StdRng, city: &City, r: &Resident, p: &Profile) -> PersonName {
    let t = &*TABLES;
    let earlier = rng.random_bool(p.earlier_name);
    let mut given = t
        .word(r.earlier_given.filter(|_| earlier).unwrap_or(r.given))
        .to_owned();
    let mut middle = r.middle.map(|m| t.word(m).to_owned());
    let mut family = city.family_word(r, r.earlier_family.filter(|_| earlier).unwrap_or(r.family));
    if variants::same_given("mohammed", &given) && middle.is_some() && rng.random_bool(0.35) {
        // Known by his second name: some clerks make it the first.
        let called = middle.take().expect("checked");
        middle = rng.random_bool(0.6).then(|| given.clone());
        given = called;
    }
    // An informal name or another spelling; then, independently, a slip
    // of the keyboard or only the initial.
    let nicks = nicknames::nicknames_of(&given);
    let spellings: Vec<&str> = variants::given(&given).collect();
    if !nicks.is_empty() && rng.random_bool(p.nickname) {
        given = nicks[rng.random_range(0..nicks.len())].to_owned();
    } else if !spellings.is_empty() && rng.random_bool(0.2) {
        given = spellings[rng.random_range(0..spellings.len())].to_owned();
    }
    let x: f64 = rng.random();
    if x < 0.025 {
        given = typo(rng, &given);
    } else if x < 0.025 + p.initial {
        given = given[..1].to_owned();
    }
    if let Some(m) = middle.take() {
        let compound =
            ["ann", "anne", "marie", "jane", "jo", "louise", "mae", "lee"].contains(&m.as_str());
        let x: f64 = rng.random();
        if x < if compound { 0.2 } else { 0.005 } {
            // "Mary Ann" run together.
            given = if rng.random_bool(0.7) {
                format!("{given}{m}")
            } else {
                format!("{given}-{m}")
            };
        } else if x < 0.025 && given.len() > 1 {
            middle = Some(std::mem::replace(&mut given, m));
        } else if rng.random_bool(p.middle) {
            middle = Some(if rng.random_bool(0.1) {
                m[..1].to_owned()
            } else {
                m
            });
        }
    }
    let spellings: Vec<&str> = variants::family(&family).collect();
    if !spellings.is_empty() && rng.random_bool(0.12) {
        family = spellings[rng.random_range(0..spellings.len())].to_owned();
    }
    if rng.random_bool(0.02) {
        family = typo(rng, &family);
    }
    if let Some(m) = variants::masculine(&family).filter(|_| rng.random_bool(0.15)) {
        family = m;
    }
    let case = |s: &str| {
        if p.capitals {
            s.to_uppercase()
        } else {
            proper(s)
        }
    };
    PersonName {
        given: case(&given),
        middle: middle.map(|m| case(&m)),
        family: case(&family),
    }
}

/// One wrong digit in the day, the month or the year's last digit; never
/// a minor's date.
fn digit_slip(rng: &mut StdRng, d: NaiveDate) -> NaiveDate {
    for _ in 0..20 {
        let digit = rng.random_range(0..10u32);
        let slipped = match rng.random_range(0..3) {
            0 => NaiveDate::from_ymd_opt(d.year() / 10 * 10 + digit as i32, d.month(), d.day()),
            1 => NaiveDate::from_ymd_opt(d.year(), d.month() / 10 * 10 + digit, d.day()),
            _ => NaiveDate::from_ymd_opt(d.year(), d.month(), d.day() / 10 * 10 + digit),
        };
        if let Some(s) = slipped.filter(|s| *s != d && *s <= latest_birth()) {
            return s;
        }
    }
    d
}

fn address(rng: &mut StdRng, parts: &Parts<'_>, p: &Profile) -> Address {
    let mut parts = parts.clone();
    if rng.random_bool(0.008) {
        // The house next door.
        parts.number = if parts.number > 1 && rng.random_bool(0.5) {
            parts.number - 1
        } else {
            parts.number + 1
        };
    }
    let street_line = format!("{} {}", parts.number, parts.street);
    let mut lines = match (parts.flat, parts.building) {
        (Some(_), _) if rng.random_bool(0.03) => vec![street_line],
        (Some(f), Some(b)) if rng.random_bool(0.3) => vec![format!("Flat {f} {b}"), street_line],
        (Some(f), _) => match rng.random_range(0..3) {
            0 => vec![format!("Flat {f}, {street_line}")],
            1 => vec![format!("{f}/{street_line}")],
            _ => places::lines(&parts),
        },
        (None, _) => vec![street_line],
    };
    if rng.random_bool(p.locality) && !parts.locality.is_empty() {
        lines.push(parts.locality.to_owned());
    }
    if rng.random_bool(p.abbreviates) {
        for line in &mut lines {
            *line = line
                .replace(" Road", " Rd")
                .replace(" Street", " St")
                .replace(" Avenue", " Ave")
                .replace(" Close", " Cl")
                .replace(" Drive", " Dr");
        }
    }
    let mut postcode = parts.postcode.clone();
    let x: f64 = rng.random();
    if x < 0.025 {
        // A slip in the unit letters keeps the postcode well formed.
        let letters = b"ABDEFGHJLNPQRSTUWXYZ";
        let i = postcode.len() - rng.random_range(1..=2);
        let c = letters[rng.random_range(0..letters.len())] as char;
        postcode.replace_range(i..i + 1, &c.to_string());
    } else if x < 0.03 {
        let i = postcode.len() - 3;
        let digit = char::from(b'0' + rng.random_range(0..10u8));
        postcode.replace_range(i..i + 1, &digit.to_string());
    }
    let town = if rng.random_bool(p.no_town) {
        ""
    } else if parts.town == "Sutton Coldfield" && rng.random_bool(0.4) {
        "Birmingham"
    } else {
        parts.town
    };
    let uprn = parts
        .uprn
        .filter(|_| p.uprn)
        .map(|u| u.to_string())
        .unwrap_or_default();
    if p.capitals {
        for line in &mut lines {
            *line = line.to_uppercase();
        }
    }
    Address::parse(&lines, town, &postcode, &uprn).expect("keyed address stays valid")
}
