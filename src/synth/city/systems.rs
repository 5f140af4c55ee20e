//! The council's eight departmental systems: whom each holds (council
//! tax the householders, housing the tenants, adult care the old, the
//! electoral register most citizens) and each one's keying habits
//! (capitals, abbreviations, gender left blank, middle names dropped, old
//! addresses and names kept, the odd person registered twice).

use super::households::{Household, Kind};
use super::residents::{Resident, today};
use crate::synth::views::SYSTEMS;
use chrono::Datelike;

/// One system's habits. Rates are per record it holds.
pub struct Profile {
    pub code: &'static str,
    /// Its local IDs: this prefix and a number.
    pub prefix: &'static str,
    /// Keyed against the council's gazetteer: holds the UPRN.
    pub uprn: bool,
    /// A legacy system that writes everything in capitals.
    pub capitals: bool,
    /// Its extracts write dates dd/mm/yyyy (else ISO).
    pub uk_dates: bool,
    /// Its extracts write gender as one letter (else in full).
    pub gender_letter: bool,
    pub no_gender: f64,
    pub middle: f64,
    pub nickname: f64,
    pub initial: f64,
    pub abbreviates: f64,
    /// Still holds a moved person's old address.
    pub stale: f64,
    /// Still holds an earlier family or given name.
    pub earlier_name: f64,
    pub locality: f64,
    pub no_town: f64,
    /// Registers one person twice.
    pub duplicate: f64,
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

fn age(r: &Resident) -> i32 {
    today().year() - r.born.year()
}

/// How likely system `s` is to hold this person.
pub fn held_by(s: usize, i: usize, r: &Resident, hh: &Household) -> f64 {
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
