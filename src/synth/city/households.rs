//! Households and the people in them: singles, couples who share a family
//! name or not, couples and lone parents with adult children still at
//! home (twins among them, and sons named after their fathers), extended
//! families, sharers and siblings; where each lives. Also the life events
//! departments lag behind: a move (the old address), a marriage (the
//! maiden name), a divorce (the married name dropped) and a change of
//! given name.

use super::geography::{DISTRICTS, STUDENT_DISTRICTS};
use super::heritage::{HERITAGES, Heritage, KINDS};
use super::names::{Name, TABLES, Tables};
use super::places::{Place, Places};
use super::residents::{Resident, partners_apart, pick, twins_apart};
use super::variants;
use chrono::Datelike;
use rand::Rng;
use rand::rngs::StdRng;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Single,
    Couple,
    /// A couple with adult children still at home.
    Family,
    LoneParent,
    /// Grandparents, a married son and his wife, maybe grandchildren.
    Extended,
    /// Unrelated adults sharing a home.
    Sharers,
    Siblings,
}

pub const KIND_ORDER: [Kind; KINDS] = [
    Kind::Single,
    Kind::Couple,
    Kind::Family,
    Kind::LoneParent,
    Kind::Extended,
    Kind::Sharers,
    Kind::Siblings,
];

/// One person, in numbers: names index [`Tables`], places index [`Places`].

#[derive(Debug, Clone)]
pub struct Household {
    pub kind: Kind,
    pub home: u32,
    pub members: Range<u32>,
    /// Rents from the council or a housing association.
    pub tenant: bool,
}

/// Builds households until there are `people` residents.
pub struct Builder {
    pub(super) rng: StdRng,
    pub(super) t: &'static Tables,
    pub places: Places,
    pub residents: Vec<Resident>,
    pub households: Vec<Household>,
    /// Twins as made: (resident, resident).
    pub twins: Vec<(usize, usize)>,
    /// Heritage of the household being made.
    pub(super) h: usize,
}

impl Builder {
    /// A builder for about `people` residents.
    pub fn new(mut rng: StdRng, people: usize) -> Self {
        Builder {
            places: Places::new(&mut rng, people * 10 / 24),
            rng,
            t: &TABLES,
            residents: Vec::new(),
            households: Vec::new(),
            twins: Vec::new(),
            h: 0,
        }
    }

    pub(super) fn her(&self) -> &'static Heritage {
        &HERITAGES[self.h]
    }

    /// One more household, of a heritage and kind drawn by their shares.
    pub fn household(&mut self) {
        self.h = pick(&mut self.rng, HERITAGES.iter().map(|h| h.share));
        let kinds = self.her().kinds;
        let kind = KIND_ORDER[pick(&mut self.rng, kinds)];
        let start = self.residents.len() as u32;
        let moved = match kind {
            Kind::Single => self.single(),
            Kind::Couple => self.couple_alone(),
            Kind::Family => self.family(),
            Kind::LoneParent => self.lone_parent(),
            Kind::Extended => self.extended(),
            Kind::Sharers => self.sharers(),
            Kind::Siblings => self.siblings(),
        };
        let members = start..self.residents.len() as u32;
        let young = self.residents[start as usize].born.year() > 1990;
        let d = self.district(kind == Kind::Sharers && young);
        let flat_share = DISTRICTS[d].2
            * match kind {
                Kind::Single => 1.3,
                Kind::Sharers => 1.2,
                Kind::Family => 0.4,
                Kind::Extended => 0.2,
                Kind::LoneParent => 0.8,
                _ => 1.0,
            };
        let flat = self.rng.random_bool(flat_share.min(0.95));
        let home = self.places.home(&mut self.rng, d, flat);
        let deprived = [6, 7, 8, 9, 10, 11, 12, 19, 33, 34, 35, 37, 44].contains(&DISTRICTS[d].0);
        let tenancy =
            0.16 * if deprived { 1.8 } else { 1.0 } * if DISTRICTS[d].0 >= 72 { 0.3 } else { 1.0 };
        let tenant = self.rng.random_bool(tenancy);
        let household = self.households.len() as u32;
        let together = (moved && kind != Kind::Sharers).then(|| self.previous(home));
        for i in members.clone() {
            let r = &mut self.residents[i as usize];
            r.household = household;
            if r.previous.is_none() {
                r.previous = together;
            }
        }
        // Sharers and some grown children moved on their own.
        for i in members.clone() {
            let solo = if kind == Kind::Sharers { 0.55 } else { 0.04 };
            if self.residents[i as usize].previous.is_none() && self.rng.random_bool(solo) {
                self.residents[i as usize].previous = Some(self.previous(home));
            }
        }
        self.households.push(Household {
            kind,
            home,
            members,
            tenant,
        });
    }

    fn district(&mut self, student: bool) -> usize {
        let favoured = self.her().districts;
        pick(
            &mut self.rng,
            DISTRICTS.iter().map(|(n, w, _, _)| {
                let here = if student { STUDENT_DISTRICTS } else { favoured };
                w * if here.contains(n) { 4.0 } else { 1.0 }
            }),
        )
    }

    /// An earlier home: mostly elsewhere in the city (someone else lives
    /// there now), sometimes another town.
    fn previous(&mut self, home: u32) -> Place {
        match self.places.earlier_home(&mut self.rng) {
            Some(d) if d != home && self.rng.random_bool(0.7) => Place::Dwelling(d),
            _ => self.places.elsewhere(&mut self.rng),
        }
    }

    fn single(&mut self) -> bool {
        let age = match self.rng.random::<f64>() {
            x if x < 0.4 => self.rng.random_range(18..35),
            x if x < 0.75 => self.rng.random_range(35..65),
            _ => self.rng.random_range(65..96),
        };
        let female = self.rng.random_bool(if age >= 75 { 0.65 } else { 0.5 });
        let family = self.surname();
        let i = self.person(female, age, family);
        self.residents[i].householder = true;
        if female {
            let own = self.her_own_name(family);
            self.residents[i].family = own;
            // Divorced, and back to her own name.
            if (30..65).contains(&age) && self.rng.random_bool(0.12) {
                self.residents[i].earlier_family = Some(self.surname());
            }
        }
        let moves = if age < 35 {
            0.4
        } else if age < 65 {
            0.2
        } else {
            0.06
        };
        self.rng.random_bool(moves)
    }

    /// Two partners of about `age`; returns (his or first, hers or second).
    fn couple(&mut self, age: i32) -> (usize, usize) {
        let same_sex = self.rng.random_bool(0.03);
        let first_female = same_sex && self.rng.random_bool(0.5);
        let his = self.surname();
        let a = self.person(first_female, age, his);
        let mixed = self.rng.random_bool(0.06);
        let h = self.h;
        if mixed {
            self.h = pick(&mut self.rng, HERITAGES.iter().map(|h| h.share));
        }
        let age_b = (age + self.rng.random_range(-6..=3)).max(18);
        let birth = self.surname();
        let b = self.person(!same_sex || first_female, age_b, birth);
        // Partners may have names alike (John and Jean), not one name.
        while !partners_apart(self.residents[a].given, self.residents[b].given) {
            let female = self.residents[b].female;
            self.residents[b].given = self.given(female, self.residents[b].born);
        }
        let own = if same_sex {
            birth
        } else {
            self.her_own_name(birth)
        };
        self.residents[b].family = own;
        self.h = h;
        let married = self.rng.random_bool(self.her().married);
        if married && !same_sex && self.rng.random_bool(self.her().takes_name) {
            self.residents[b].family = his;
            // Married recently enough that some departments knew her before.
            let recent = if age_b < 40 { 0.5 } else { 0.15 };
            if self.rng.random_bool(recent) {
                self.residents[b].earlier_family = Some(own);
            }
        }
        self.residents[a].householder = true;
        self.residents[b].householder = true;
        (a, b)
    }

    fn couple_alone(&mut self) -> bool {
        let age = match self.rng.random::<f64>() {
            x if x < 0.35 => self.rng.random_range(22..40),
            x if x < 0.7 => self.rng.random_range(40..65),
            _ => self.rng.random_range(65..92),
        };
        self.couple(age);
        self.rng.random_bool(if age < 40 { 0.3 } else { 0.1 })
    }

    fn child_count(&mut self) -> usize {
        let weights = if self.her().kinds[4] > 0.1 {
            [0.3, 0.35, 0.25, 0.1]
        } else {
            [0.55, 0.33, 0.12, 0.0]
        };
        1 + pick(&mut self.rng, weights)
    }

    /// Adult children of `father` and/or `mother`, eldest `eldest` years old.
    fn children(
        &mut self,
        father: Option<usize>,
        mother: Option<usize>,
        eldest: i32,
        family: Name,
    ) {
        let n = self.child_count();
        let mut age = eldest;
        let first = self.residents.len();
        for k in 0..n {
            if k > 0 {
                // Twins: the same birthday, names nobody could mistake.
                if k == 1 && self.rng.random_bool(TWIN_RATE) {
                    let female = self.rng.random_bool(0.5);
                    let i = self.person(female, age, family);
                    self.residents[i].born = self.residents[first].born;
                    self.residents[i].family = self.residents[first].family;
                    let mut tries = 0;
                    while !twins_apart(&self.residents[i], &self.residents[first]) {
                        // Past a few tries the middle name is what clashes.
                        tries += 1;
                        if tries > 20 {
                            self.residents[i].middle = None;
                        }
                        self.residents[i].given = self.given(female, self.residents[i].born);
                    }
                    self.twins.push((first, i));
                    continue;
                }
                age -= self.rng.random_range(1..=5);
                if age < 18 {
                    break;
                }
            }
            let female = self.rng.random_bool(0.5);
            let i = self.person(female, age, family);
            self.child_surname(i, father, family);
            let parent = if female { mother } else { father };
            let junior = match parent.map(|p| self.t.word(self.residents[p].given)) {
                Some(g) if !female && variants::same_given("mohammed", g) => 0.3,
                Some(_) if female => 0.015,
                Some(_) if self.her().wives.is_none() && !self.her().patronymic => 0.07,
                Some(_) => 0.02,
                None => 0.0,
            };
            if let Some(p) = parent.filter(|_| self.rng.random_bool(junior)) {
                self.residents[i].given = self.residents[p].given;
            }
            // Brothers and sisters are not given one name, nor two
            // spellings or forms of one (Mohammed apart, the first of two).
            while (first..i).any(|j| !self.siblings_apart(j, i)) {
                self.residents[i].given = self.given(female, self.residents[i].born);
            }
        }
    }

    fn family(&mut self) -> bool {
        let eldest = self.rng.random_range(18..=32);
        let mother_age = eldest + self.rng.random_range(20..=38);
        let (a, b) = self.couple(mother_age + 2);
        let (fa, mo) = (&self.residents[a], &self.residents[b]);
        let (his, hers) = (fa.family, mo.family);
        let father = (!fa.female).then_some(a);
        let mother = mo.female.then_some(b);
        let family = if his == hers || self.rng.random_bool(0.7) {
            his
        } else {
            hers
        };
        self.children(father, mother, eldest, family);
        self.rng.random_bool(0.1)
    }

    fn lone_parent(&mut self) -> bool {
        let eldest = self.rng.random_range(18..=35);
        let age = (eldest + self.rng.random_range(20..=40)).min(95);
        let female = self.rng.random_bool(0.8);
        let family = self.surname();
        let p = self.person(female, age, family);
        self.residents[p].householder = true;
        // Divorced and back to her own name: the children keep their father's.
        if female && self.rng.random_bool(0.25) {
            self.residents[p].family = self.surname();
            self.residents[p].earlier_family = Some(family);
        }
        let (father, mother) = if female {
            (None, Some(p))
        } else {
            (Some(p), None)
        };
        self.children(father, mother, eldest, family);
        self.rng.random_bool(0.15)
    }

    fn extended(&mut self) -> bool {
        let age = self.rng.random_range(58..=88);
        let (grandfather, grandmother) = if self.rng.random_bool(0.65) {
            let (a, b) = self.couple(age);
            (Some(a), b)
        } else {
            let family = self.surname();
            let g = self.person(true, age, family);
            self.residents[g].householder = true;
            (None, g)
        };
        let family = self.residents[grandfather.unwrap_or(grandmother)].family;
        // The son, his wife and their grown children are a family within.
        let son_age = age - self.rng.random_range(20..=36);
        let son = self.person(false, son_age, family);
        self.child_surname(son, grandfather, family);
        if let Some(g) = grandfather.filter(|_| self.rng.random_bool(0.1)) {
            self.residents[son].given = self.residents[g].given;
        }
        let son_family = self.residents[son].family;
        let wife_age = (son_age - self.rng.random_range(0..=5)).max(18);
        let birth = self.surname();
        let wife = self.person(true, wife_age, birth);
        let own = self.her_own_name(birth);
        let takes = self.rng.random_bool(self.her().takes_name);
        self.residents[wife].family = if takes { son_family } else { own };
        if son_age >= 40 {
            let eldest = self.rng.random_range(18..=son_age - 20);
            self.children(Some(son), Some(wife), eldest, son_family);
        }
        self.rng.random_bool(0.05)
    }

    fn sharers(&mut self) -> bool {
        let n = self.rng.random_range(2..=5);
        let h = self.h;
        for _ in 0..n {
            self.h = pick(&mut self.rng, HERITAGES.iter().map(|h| h.share));
            let age = self.rng.random_range(18..=35);
            let family = self.surname();
            let female = self.rng.random_bool(0.5);
            let i = self.person(female, age, family);
            self.residents[i].householder = true;
        }
        self.h = h;
        false
    }

    fn siblings(&mut self) -> bool {
        let eldest = self.rng.random_range(25..=65);
        let family = self.surname();
        let first = self.residents.len();
        self.children(None, None, eldest, family);
        for i in first..self.residents.len() {
            self.residents[i].householder = true;
        }
        self.rng.random_bool(0.15)
    }
}

/// Share of families whose first two children are twins (real twin
/// births are about 1.5%; twins who still live together are the cases
/// a matcher must get right, so there are more of them here).
const TWIN_RATE: f64 = 0.06;
