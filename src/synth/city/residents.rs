//! One resident of the city, in numbers (names index the name tables,
//! places the city's dwellings), and how the builder makes one: a given
//! name in the fashion of the birth year and heritage, a middle name, a
//! family name by the heritage's custom (Kaur, Begum, a Somali father's
//! given name). Everyone is an adult on [`today`]: the hub refuses minors.

use super::households::Builder;
use super::names::{Name, TABLES};
use super::places::Place;
use super::variants;
use crate::matching::{compare, nicknames};
use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;

/// The day ages are counted on.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date")
}

/// The latest date of birth of an adult on [`today`].
pub fn latest_birth() -> NaiveDate {
    NaiveDate::from_ymd_opt(2008, 12, 1).expect("valid date")
}

#[derive(Debug, Clone)]
pub struct Resident {
    pub given: Name,
    pub middle: Option<Name>,
    pub family: Name,
    /// A family name some departments still hold (maiden or married).
    pub earlier_family: Option<Name>,
    /// A given name changed since some departments last heard.
    pub earlier_given: Option<Name>,
    pub born: NaiveDate,
    pub female: bool,
    pub heritage: u8,
    pub household: u32,
    pub previous: Option<Place>,
    /// Pays the council tax or holds the tenancy.
    pub householder: bool,
}

impl Builder {
    /// A birthday `age` years before [`today`].
    pub(super) fn born(&mut self, age: i32) -> NaiveDate {
        let day: i64 = self.rng.random_range(0..365);
        let born = today() - Duration::days(i64::from(age) * 365 + i64::from(age / 4) + day);
        born.min(latest_birth())
    }

    pub(super) fn surname(&mut self) -> Name {
        let pools = self.her().surnames;
        let p = pick(&mut self.rng, pools.iter().map(|p| p.1));
        self.t.surname_pool(pools[p].0).sample(&mut self.rng)
    }

    /// A woman's own family name: her family's, or Begum, Kaur...
    pub(super) fn her_own_name(&mut self, family: Name) -> Name {
        match self.her().wives {
            Some(pool) if self.rng.random_bool(self.her().wives_share) => {
                self.t.surname_pool(pool).sample(&mut self.rng)
            }
            _ => family,
        }
    }

    pub(super) fn given(&mut self, female: bool, born: NaiveDate) -> Name {
        let pools = self.her().given;
        let p = pick(&mut self.rng, pools.iter().map(|p| p.1));
        self.t
            .given_pool(pools[p].0, female, born.year())
            .sample(&mut self.rng)
    }

    /// A person of the household's heritage; pushed, returns the index.
    pub(super) fn person(&mut self, female: bool, age: i32, family: Name) -> usize {
        let born = self.born(age);
        let mut given = self.given(female, born);
        let mohammed = |g: Name| variants::same_given("mohammed", TABLES.word(g));
        // Mohammed is the first of two given names; the second is used.
        let middle = (mohammed(given) || self.rng.random_bool(self.her().middle)).then(|| {
            loop {
                let m = self.given(female, born);
                if m != given && !mohammed(m) {
                    break m;
                }
            }
        });
        let mut earlier_given = None;
        if self.rng.random_bool(0.003) {
            earlier_given = Some(given);
            let same_sex = self.rng.random_bool(0.8);
            given = self.given(same_sex == female, born);
        }
        self.residents.push(Resident {
            given,
            middle,
            family,
            earlier_family: None,
            earlier_given,
            born,
            female,
            heritage: self.h as u8,
            household: 0,
            previous: None,
            householder: false,
        });
        self.residents.len() - 1
    }

    /// Whether two siblings' given names are told apart by their parents.
    pub(super) fn siblings_apart(&self, a: usize, b: usize) -> bool {
        let (x, y) = (self.residents[a].given, self.residents[b].given);
        let mohammed = |n: Name| variants::same_given("mohammed", TABLES.word(n));
        (mohammed(x) && mohammed(y)) || clearly_different(x, y)
    }

    /// A child's family name: the father's given name (patronymic), a
    /// daughter's Kaur or Begum, or the family's.
    pub(super) fn child_surname(&mut self, i: usize, father: Option<usize>, family: Name) {
        let female = self.residents[i].female;
        self.residents[i].family = match (self.her().patronymic, father) {
            (true, Some(f)) => self.residents[f].given,
            (true, None) => family,
            _ if female => self.her_own_name(family),
            _ => family,
        };
    }
}

/// Given names a matcher may not take for one person's: not within a
/// keying slip or two (Inaya, Anaya), a nickname or another spelling of
/// each other.
pub fn clearly_different(a: Name, b: Name) -> bool {
    let (a, b) = (TABLES.word(a), TABLES.word(b));
    compare::given(a, b) == "disagree"
        && strsim::osa_distance(a, b) >= 3
        && !nicknames::related(a, b)
        && !variants::same_given(a, b)
}

/// Twins' names: each clearly different from the other's first name and
/// from the middle name the other may go by (Muhammad Haroon is Haroon).
pub fn twins_apart(a: &Resident, b: &Resident) -> bool {
    let apart = |x: Name, other: &Resident| {
        clearly_different(x, other.given) && other.middle.is_none_or(|m| clearly_different(x, m))
    };
    apart(a.given, b) && apart(b.given, a)
}

pub(super) fn partners_apart(a: Name, b: Name) -> bool {
    let (a, b) = (TABLES.word(a), TABLES.word(b));
    !nicknames::related(a, b) && !variants::same_given(a, b)
}

/// An index drawn with the given weights.
pub fn pick(rng: &mut StdRng, weights: impl IntoIterator<Item = f64> + Clone) -> usize {
    let total: f64 = weights.clone().into_iter().sum();
    let mut x = rng.random::<f64>() * total;
    let mut last = 0;
    for (i, w) in weights.into_iter().enumerate() {
        x -= w;
        last = i;
        if x < 0.0 && w > 0.0 {
            return i;
        }
    }
    last
}
