//! Date of birth: an ISO calendar date, not in the future, not absurdly old.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Nobody alive was born before this; older dates are keying errors.
const EARLIEST_YEAR: i32 = 1890;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BirthDate(NaiveDate);

impl BirthDate {
    /// Parses `YYYY-MM-DD`; `today` is the UK calendar date.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is required".into());
        }
        let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .filter(|_| raw.len() == 10)
            .ok_or("must be an ISO 8601 date, YYYY-MM-DD")?;
        if date > today {
            return Err("must not be in the future".into());
        }
        if date.year() < EARLIEST_YEAR {
            return Err(format!("must not be before {EARLIEST_YEAR}"));
        }
        Ok(Self(date))
    }

    /// For values read back from the store, which were valid when written.
    pub fn from_stored(date: NaiveDate) -> Self {
        Self(date)
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }

    /// Whole years of age on `today`.
    pub fn age_on(self, today: NaiveDate) -> u32 {
        today.years_since(self.0).unwrap_or(0)
    }
}

impl fmt::Display for BirthDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn accepts_iso_dates() {
        let dob = BirthDate::parse("1980-03-12", today()).unwrap();
        assert_eq!(dob.to_string(), "1980-03-12");
        assert_eq!(dob.age_on(today()), 46);
    }

    #[test]
    fn rejects_other_forms_and_future() {
        for raw in [
            "12/03/1980",
            "1980-3-12",
            "1980-02-30",
            "2027-01-01",
            "1850-01-01",
            "",
        ] {
            assert!(BirthDate::parse(raw, today()).is_err(), "{raw}");
        }
    }

    #[test]
    fn age_turns_on_the_birthday() {
        let dob = BirthDate::parse("2008-11-22", today()).unwrap();
        assert_eq!(dob.age_on(today()), 18);
        assert_eq!(dob.age_on(today().pred_opt().unwrap()), 17);
    }
}
