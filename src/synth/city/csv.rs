//! The city's departmental records as the CSV extracts `scr-hub import`
//! reads: one file per system, in the import's default headers, each
//! system writing dates and gender its own way (dd/mm/yyyy or ISO, F or
//! female), and `truth.csv` naming the person behind every row. Written
//! as the records are made, so a million rows never sit in memory.

use super::City;
use super::systems::PROFILES;
use crate::record::{DepartmentalRecord, Gender};
use std::path::{Path, PathBuf};

const HEADER: [&str; 13] = [
    "local_id",
    "given_name",
    "middle_name",
    "family_name",
    "date_of_birth",
    "gender",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "town",
    "postcode",
    "uprn",
];

/// What `write_extracts` wrote.
#[derive(Debug, Clone)]
pub struct Extracts {
    /// (system code, file) in the order systems should be imported.
    pub files: Vec<(&'static str, PathBuf)>,
    pub truth_file: PathBuf,
    /// (system index in `files`, local ID, person) for every row.
    pub truth: Vec<(usize, String, usize)>,
}

/// Writes up to `max_rows` records of `city` (all when `None`) into `dir`.
pub fn write_extracts(
    city: &City,
    seed: u64,
    dir: &Path,
    max_rows: Option<usize>,
) -> crate::error::SetupResult<Extracts> {
    let files: Vec<(&'static str, PathBuf)> = PROFILES
        .iter()
        .map(|p| (p.code, dir.join(format!("{}.csv", p.code))))
        .collect();
    let mut writers = files
        .iter()
        .map(|(_, path)| {
            let mut w = ::csv::Writer::from_path(path)?;
            w.write_record(HEADER)?;
            Ok(w)
        })
        .collect::<crate::error::SetupResult<Vec<_>>>()?;
    let truth_file = dir.join("truth.csv");
    let mut truth_csv = ::csv::Writer::from_path(&truth_file)?;
    truth_csv.write_record(["system", "local_id", "person"])?;
    let mut truth = Vec::new();
    for view in city.views(seed).take(max_rows.unwrap_or(usize::MAX)) {
        let s = PROFILES
            .iter()
            .position(|p| p.code == view.record.system.as_str())
            .expect("a city system");
        writers[s].write_record(row(&view.record, s))?;
        let local_id = view.record.local_id.as_str().to_owned();
        truth_csv.write_record([PROFILES[s].code, &local_id, &view.person.to_string()])?;
        truth.push((s, local_id, view.person));
    }
    for w in &mut writers {
        w.flush()?;
    }
    truth_csv.flush()?;
    Ok(Extracts {
        files,
        truth_file,
        truth,
    })
}

/// One record as system `s` exports it.
fn row(r: &DepartmentalRecord, s: usize) -> Vec<String> {
    let p = &PROFILES[s];
    let person = &r.person;
    let born = person.date_of_birth.date();
    let date = if p.uk_dates {
        born.format("%d/%m/%Y").to_string()
    } else {
        born.format("%Y-%m-%d").to_string()
    };
    let gender = match (person.gender, p.gender_letter) {
        (Gender::Female, true) => "F",
        (Gender::Male, true) => "M",
        (Gender::Other, true) => "X",
        (Gender::Unspecified, true) => "U",
        (Gender::Unspecified, false) => "",
        (g, false) => g.as_str(),
    };
    let a = &person.address;
    let line = |i: usize| a.lines.get(i).cloned().unwrap_or_default();
    vec![
        r.local_id.as_str().to_owned(),
        person.name.given.clone(),
        person.name.middle.clone().unwrap_or_default(),
        person.name.family.clone(),
        date,
        gender.to_owned(),
        line(0),
        line(1),
        line(2),
        line(3),
        a.town.clone().unwrap_or_default(),
        a.postcode.as_str().to_owned(),
        a.uprn
            .as_ref()
            .map(|u| u.as_str().to_owned())
            .unwrap_or_default(),
    ]
}
