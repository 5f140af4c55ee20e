//! Departmental views of the city's people: for each person, the systems
//! that hold them (`systems`), and each system's copy as keyed with its
//! own habits and the slips and lags of any clerk (nicknames, other
//! spellings, typos, initials, given and middle names swapped or run
//! together, date slips, stale addresses, maiden names).

use super::City;
use super::names::{TABLES, proper};
use super::places::{self, Parts, Place};
use super::residents::{Resident, latest_birth};
use super::systems::{PROFILES, Profile, held_by};
use super::variants;
use crate::matching::nicknames;
use crate::record::{
    Address, BirthDate, DepartmentalRecord, Gender, LocalId, Person, PersonName, SystemCode,
};
use crate::synth::typo;
use crate::synth::views::View;
use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;

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

/// One system's copy of resident `i`.
fn keyed(rng: &mut StdRng, city: &City, i: usize, p: &Profile) -> Person {
    let r = &city.residents[i];
    let name = name(rng, city, r, p);
    let born = date_slip(rng, r.born);
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

/// A date of birth as keyed: mostly right, sometimes with day and month
/// swapped, a digit wrong or only the year known; never a minor's.
fn date_slip(rng: &mut StdRng, born: NaiveDate) -> NaiveDate {
    let x: f64 = rng.random();
    let slipped = if x < 0.012 {
        NaiveDate::from_ymd_opt(born.year(), born.day(), born.month())
    } else if x < 0.027 {
        Some(digit_slip(rng, born))
    } else if x < 0.030 {
        // Only the year was known: the system's default day.
        NaiveDate::from_ymd_opt(born.year(), 1, 1)
    } else {
        None
    };
    slipped.filter(|d| *d <= latest_birth()).unwrap_or(born)
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn slipped_dates_stay_adult() {
        let mut rng = StdRng::seed_from_u64(1);
        let mut slipped = 0;
        let mut day = NaiveDate::from_ymd_opt(2008, 1, 1).unwrap();
        while day <= latest_birth() {
            for _ in 0..200 {
                let keyed = date_slip(&mut rng, day);
                assert!(keyed <= latest_birth(), "{day} keyed {keyed}");
                slipped += usize::from(keyed != day);
            }
            day = day.succ_opt().unwrap();
        }
        assert!(slipped > 1_000, "{slipped}");
    }
}
