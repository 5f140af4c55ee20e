//! Retention: a customer not active for the retention period is disposed of
//! (as an erasure), unless a legal hold stands. "Active" is the newest of
//! the record's last change, its newest link to a departmental ID, and the
//! newest audited operation naming it (a read, a submission, a consent):
//! any of them means the council is still dealing with the person.

use chrono::{DateTime, Months, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    /// Whole years after the last activity before disposal.
    pub years: u32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        // The council's default for ordinary service records.
        Self { years: 6 }
    }
}

/// What the retention run does with one customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposal {
    Keep,
    Dispose,
    /// Due, but a legal hold stands: kept and reported.
    Held,
}

/// The newest of the activity times the store knows.
pub fn last_activity(
    updated_at: DateTime<Utc>,
    last_link_at: Option<DateTime<Utc>>,
    last_audit_at: Option<DateTime<Utc>>,
) -> DateTime<Utc> {
    [Some(updated_at), last_link_at, last_audit_at]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(updated_at)
}

/// Activity before this instant is out of the retention period.
pub fn cutoff(now: DateTime<Utc>, settings: &RetentionSettings) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(12 * settings.years))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn decide(
    last_activity: DateTime<Utc>,
    legal_hold: bool,
    now: DateTime<Utc>,
    settings: &RetentionSettings,
) -> Disposal {
    if last_activity >= cutoff(now, settings) {
        Disposal::Keep
    } else if legal_hold {
        Disposal::Held
    } else {
        Disposal::Dispose
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw).unwrap().to_utc()
    }

    #[test]
    fn disposes_after_the_period_unless_held() {
        let settings = RetentionSettings::default();
        let now = utc("2032-05-10T09:00:00Z");
        let edge = utc("2026-05-10T09:00:00Z");
        assert_eq!(decide(edge, false, now, &settings), Disposal::Keep);
        let before = utc("2026-05-10T08:59:59Z");
        assert_eq!(decide(before, false, now, &settings), Disposal::Dispose);
        assert_eq!(decide(before, true, now, &settings), Disposal::Held);
        let recent = utc("2031-01-01T00:00:00Z");
        assert_eq!(decide(recent, true, now, &settings), Disposal::Keep);
        let short = RetentionSettings { years: 1 };
        assert_eq!(decide(recent, false, now, &short), Disposal::Dispose);
    }

    #[test]
    fn the_newest_activity_counts() {
        let updated = utc("2020-01-01T00:00:00Z");
        let linked = utc("2021-01-01T00:00:00Z");
        let read = utc("2027-01-01T00:00:00Z");
        assert_eq!(last_activity(updated, None, None), updated);
        assert_eq!(last_activity(updated, Some(linked), None), linked);
        assert_eq!(last_activity(updated, Some(linked), Some(read)), read);
    }

    #[test]
    fn a_29_february_cutoff_falls_on_28_february() {
        let settings = RetentionSettings { years: 1 };
        assert_eq!(
            cutoff(utc("2029-02-28T12:00:00Z"), &settings),
            utc("2028-02-28T12:00:00Z")
        );
        assert_eq!(
            cutoff(utc("2028-02-29T12:00:00Z"), &settings),
            utc("2027-02-28T12:00:00Z")
        );
    }
}
