//! Equalities statistics: counts of current customers by gender and age
//! band, made safe to publish. Disclosure control, in order:
//! 1. primary suppression: any count under `THRESHOLD` (10), zero
//!    included, is published as suppressed, never as a number;
//! 2. secondary suppression: every row and column of the table *with its
//!    totals* (each is one linear equation) holds either no suppressed
//!    entry or at least two, so no suppressed count follows by
//!    subtraction from a total; the smallest entry of a line is suppressed
//!    until that holds;
//! 3. every published count is rounded to the nearest `ROUND_TO` (5), so
//!    differences between tables (e.g. per system) stay blurred.
//!
//! Restricted records (minors held on an exception) and records whose
//! processing is restricted are not counted at all (the store leaves them
//! out), and nobody under 18 is ever counted.

use crate::record::{BirthDate, Gender};
use chrono::NaiveDate;
use std::collections::BTreeMap;

pub const THRESHOLD: u64 = 10;
pub const ROUND_TO: u64 = 5;

pub const GENDERS: [Gender; 4] = [
    Gender::Female,
    Gender::Male,
    Gender::Other,
    Gender::Unspecified,
];
pub const AGE_BANDS: [&str; 7] = ["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"];
/// The label of a total across genders or age bands.
pub const ALL: &str = "all";

/// The age band of someone born on `dob`, or `None` under 18 (not counted).
pub fn age_band(dob: BirthDate, today: NaiveDate) -> Option<usize> {
    let age = dob.age_on(today);
    Some(match age {
        0..=17 => return None,
        18..=24 => 0,
        25..=34 => 1,
        35..=44 => 2,
        45..=54 => 3,
        55..=64 => 4,
        65..=74 => 5,
        _ => 6,
    })
}

/// One published figure: `None` when suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Empty for the whole hub.
    pub system: String,
    /// A gender code or `ALL`.
    pub gender: String,
    /// An age band or `ALL`.
    pub age_band: String,
    pub count: Option<u64>,
}

/// Raw counts in, publishable cells out: one table (genders × bands, with
/// totals) per system, in system order. `rows` are (system, gender,
/// date of birth, count) as the store groups them.
pub fn tables(rows: &[(String, Gender, BirthDate, u64)], today: NaiveDate) -> Vec<Cell> {
    let mut by_system: BTreeMap<&str, [[u64; 7]; 4]> = BTreeMap::new();
    for (system, gender, dob, count) in rows {
        let Some(band) = age_band(*dob, today) else {
            continue;
        };
        let g = GENDERS.iter().position(|x| x == gender).unwrap_or(3);
        by_system.entry(system.as_str()).or_insert([[0; 7]; 4])[g][band] += count;
    }
    if by_system.is_empty() {
        by_system.insert("", [[0; 7]; 4]);
    }
    let mut cells = Vec::new();
    for (system, counts) in by_system {
        let grid = with_totals(&counts);
        let suppressed = suppress(&grid);
        for (r, row) in grid.iter().enumerate() {
            for (c, &count) in row.iter().enumerate() {
                cells.push(Cell {
                    system: system.to_owned(),
                    gender: GENDERS.get(r).map_or(ALL, |g| g.as_str()).to_owned(),
                    age_band: AGE_BANDS.get(c).copied().unwrap_or(ALL).to_owned(),
                    count: (!suppressed[r][c]).then(|| round(count)),
                });
            }
        }
    }
    cells
}

/// The counts with a total column (last) and a total row (last).
fn with_totals(counts: &[[u64; 7]; 4]) -> Vec<Vec<u64>> {
    let mut grid: Vec<Vec<u64>> = counts
        .iter()
        .map(|row| {
            let mut row = row.to_vec();
            row.push(row.iter().sum());
            row
        })
        .collect();
    let totals = (0..8)
        .map(|c| grid.iter().map(|row| row[c]).sum())
        .collect();
    grid.push(totals);
    grid
}

/// Which entries of a grid with totals are suppressed (see the module note).
fn suppress(grid: &[Vec<u64>]) -> Vec<Vec<bool>> {
    let rows = grid.len();
    let cols = grid[0].len();
    let mut hidden: Vec<Vec<bool>> = grid
        .iter()
        .map(|row| row.iter().map(|&n| n < THRESHOLD).collect())
        .collect();
    let mut lines: Vec<Vec<(usize, usize)>> = Vec::new();
    for r in 0..rows {
        lines.push((0..cols).map(|c| (r, c)).collect());
    }
    for c in 0..cols {
        lines.push((0..rows).map(|r| (r, c)).collect());
    }
    loop {
        let mut changed = false;
        for line in &lines {
            if line.iter().filter(|&&(r, c)| hidden[r][c]).count() != 1 {
                continue;
            }
            let smallest = line
                .iter()
                .filter(|&&(r, c)| !hidden[r][c])
                .min_by_key(|&&(r, c)| grid[r][c]);
            if let Some(&(r, c)) = smallest {
                hidden[r][c] = true;
                changed = true;
            }
        }
        if !changed {
            return hidden;
        }
    }
}

fn round(n: u64) -> u64 {
    (n + ROUND_TO / 2) / ROUND_TO * ROUND_TO
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dob(raw: &str) -> BirthDate {
        BirthDate::from_stored(NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap())
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    fn cell<'a>(cells: &'a [Cell], gender: &str, band: &str) -> &'a Cell {
        cells
            .iter()
            .find(|c| c.gender == gender && c.age_band == band)
            .unwrap()
    }

    #[test]
    fn bands_start_at_18() {
        assert_eq!(age_band(dob("2008-06-02"), today()), None);
        assert_eq!(age_band(dob("2008-06-01"), today()), Some(0));
        assert_eq!(age_band(dob("1991-06-02"), today()), Some(1));
        assert_eq!(age_band(dob("1920-01-01"), today()), Some(6));
    }

    #[test]
    fn small_counts_are_suppressed_and_cannot_be_derived() {
        let rows = vec![
            (String::new(), Gender::Female, dob("1990-01-01"), 40),
            (String::new(), Gender::Female, dob("1980-01-01"), 3),
            (String::new(), Gender::Male, dob("1990-01-01"), 52),
            (String::new(), Gender::Male, dob("1980-01-01"), 21),
            (String::new(), Gender::Female, dob("2012-01-01"), 4),
        ];
        let cells = tables(&rows, today());
        assert_eq!(cells.len(), 5 * 8);
        assert_eq!(cell(&cells, "female", "45-54").count, None);
        // Every row and column with a suppressed entry has another.
        for gender in ["female", "male", "other", "unspecified", ALL] {
            let n = cells
                .iter()
                .filter(|c| c.gender == gender && c.count.is_none())
                .count();
            assert_ne!(n, 1, "{gender}");
        }
        for band in AGE_BANDS.iter().copied().chain([ALL]) {
            let n = cells
                .iter()
                .filter(|c| c.age_band == band && c.count.is_none())
                .count();
            assert_ne!(n, 1, "{band}");
        }
        // The minor is not counted; published counts are rounded to 5.
        assert_eq!(cell(&cells, ALL, ALL).count, Some(115));
        assert_eq!(cell(&cells, "male", "35-44").count, Some(50));
    }

    fn assert_no_line_has_one_suppressed(cells: &[Cell]) {
        for gender in ["female", "male", "other", "unspecified", ALL] {
            let n = cells
                .iter()
                .filter(|c| c.gender == gender && c.count.is_none())
                .count();
            assert_ne!(n, 1, "{gender}");
        }
        for band in AGE_BANDS.iter().copied().chain([ALL]) {
            let n = cells
                .iter()
                .filter(|c| c.age_band == band && c.count.is_none())
                .count();
            assert_ne!(n, 1, "{band}");
        }
    }

    #[test]
    fn a_lone_small_cell_takes_others_with_it() {
        let mut rows = Vec::new();
        for gender in GENDERS {
            for year in [2006, 1996, 1986, 1976, 1966, 1956, 1946] {
                let small = gender == Gender::Female && year == 1986;
                let born = dob(&format!("{year}-01-01"));
                rows.push((String::new(), gender, born, if small { 3 } else { 20 }));
            }
        }
        let cells = tables(&rows, today());
        assert_eq!(cell(&cells, "female", "35-44").count, None);
        assert_no_line_has_one_suppressed(&cells);
        let hidden = cells.iter().filter(|c| c.count.is_none()).count();
        assert!(hidden >= 4, "{hidden}");
        assert_eq!(cell(&cells, ALL, ALL).count, Some(545));
    }

    #[test]
    fn rounding_is_to_the_nearest_five() {
        assert_eq!([10, 12, 13, 17, 18].map(round), [10, 10, 15, 15, 20]);
    }

    #[test]
    fn one_table_per_system() {
        let rows = vec![
            (
                "libraries".to_owned(),
                Gender::Female,
                dob("1990-01-01"),
                12,
            ),
            ("waste".to_owned(), Gender::Male, dob("1990-01-01"), 30),
        ];
        let cells = tables(&rows, today());
        assert_eq!(cells.len(), 2 * 5 * 8);
        assert!(cells.iter().any(|c| c.system == "waste"));
    }
}
