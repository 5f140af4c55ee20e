//! Minors: the hub holds no one under 18 unless a lawful exception applies,
//! and then only as a restricted record. Ages are judged on the UK calendar
//! (Europe/London) from the injected clock's instant.

use crate::error::Error;
use crate::record::{BasisKind, BirthDate, MinorBasis, SystemCode};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::London;

pub const ADULT_AGE: u32 = 18;
/// TREATED_AS_ADULT covers 16- and 17-year-olds only (e.g. housing).
pub const TREATED_AS_ADULT_FROM: u32 = 16;
/// Longest guardian, case or legal reference accepted.
const MAX_REFERENCE_CHARS: usize = crate::record::limits::REFERENCE;

pub const MINOR_WITHOUT_LAWFUL_BASIS: &str = "MINOR_WITHOUT_LAWFUL_BASIS";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinorSettings {
    /// How long an URGENT_MATTER exception lasts unless renewed.
    pub urgent_period: Duration,
}

impl Default for MinorSettings {
    fn default() -> Self {
        Self {
            urgent_period: Duration::days(30),
        }
    }
}

/// The exception a submitting system claims, as it arrived.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BasisClaim {
    pub kind: BasisKind,
    pub reference: String,
    pub expires_at: Option<DateTime<Utc>>,
}

/// How the hub may hold the person a record describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Holding {
    Adult,
    /// A minor on a lawful exception: restricted, need-to-know.
    Restricted(MinorBasis),
}

/// The UK calendar date at `now`.
pub fn uk_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&London).date_naive()
}

/// Whole years of age at `now` in the UK. Someone born on 29 February
/// comes of age on 1 March in a common year.
pub fn age_at(dob: BirthDate, now: DateTime<Utc>) -> u32 {
    dob.age_on(uk_today(now))
}

/// Decides whether a record may be held at all, and how. Runs before
/// anything is written or logged: a refusal leaves no trace.
pub fn evaluate(
    dob: BirthDate,
    claim: Option<&BasisClaim>,
    system: &SystemCode,
    now: DateTime<Utc>,
    settings: &MinorSettings,
) -> Result<Holding, Error> {
    let age = age_at(dob, now);
    if age >= ADULT_AGE {
        // A claim sent for an adult is moot, not wrong: departments may send
        // it with every record of a case.
        return Ok(Holding::Adult);
    }
    let Some(claim) = claim else {
        return Err(refused(
            "the person is under 18 and no lawful exception was given",
        ));
    };
    let reference = claim
        .reference
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if reference.is_empty() {
        return Err(Error::invalid(
            "minor_basis.reference",
            "a guardian, case or legal reference is required",
        ));
    }
    if reference.chars().count() > MAX_REFERENCE_CHARS
        || claim
            .reference
            .chars()
            .any(crate::record::limits::is_forbidden)
    {
        return Err(Error::invalid(
            "minor_basis.reference",
            format!("must be at most {MAX_REFERENCE_CHARS} printable characters"),
        ));
    }
    if claim.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::invalid(
            "minor_basis.expires_at",
            "must be in the future",
        ));
    }
    if claim.kind == BasisKind::TreatedAsAdult && age < TREATED_AS_ADULT_FROM {
        return Err(refused("TREATED_AS_ADULT applies only at 16 or 17"));
    }
    let expires_at = match claim.kind {
        // An urgent matter lapses after the configured period at the
        // latest; renewing means submitting the claim again.
        BasisKind::UrgentMatter => {
            let limit = now + settings.urgent_period;
            Some(claim.expires_at.map_or(limit, |at| at.min(limit)))
        }
        _ => claim.expires_at,
    };
    Ok(Holding::Restricted(MinorBasis {
        kind: claim.kind,
        reference,
        system: system.clone(),
        recorded_at: now,
        expires_at,
    }))
}

/// A rectified date of birth on a record held as an adult's: it may not
/// turn the record into a minor's without a lawful exception (which only a
/// submitting department can claim).
pub fn require_adult(dob: BirthDate, now: DateTime<Utc>) -> Result<(), Error> {
    if age_at(dob, now) >= ADULT_AGE {
        Ok(())
    } else {
        Err(refused(
            "the date of birth makes the person under 18 and no lawful exception is held",
        ))
    }
}

fn refused(message: &str) -> Error {
    Error::FailedPrecondition {
        reason: MINOR_WITHOUT_LAWFUL_BASIS,
        message: message.into(),
    }
}

/// What the scheduled sweep does with a record held on an exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    Keep,
    /// 18 today or earlier: an ordinary adult record from now on.
    ReachedAdulthood,
    /// The exception lapsed unrenewed: the record is disposed of.
    Lapsed,
}

pub fn review(dob: BirthDate, basis: &MinorBasis, now: DateTime<Utc>) -> Review {
    if age_at(dob, now) >= ADULT_AGE {
        Review::ReachedAdulthood
    } else if basis.expires_at.is_some_and(|at| at <= now) {
        Review::Lapsed
    } else {
        Review::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn dob(raw: &str) -> BirthDate {
        BirthDate::from_stored(NaiveDate::parse_from_str(raw, "%Y-%m-%d").unwrap())
    }

    fn utc(raw: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(raw).unwrap().to_utc()
    }

    fn system() -> SystemCode {
        SystemCode::parse("housing").unwrap()
    }

    fn claim(kind: BasisKind) -> BasisClaim {
        BasisClaim {
            kind,
            reference: " GUARDIAN-42 ".into(),
            expires_at: None,
        }
    }

    fn decide(d: &str, claim: Option<&BasisClaim>, now: &str) -> Result<Holding, Error> {
        evaluate(
            dob(d),
            claim,
            &system(),
            utc(now),
            &MinorSettings::default(),
        )
    }

    fn reason(result: Result<Holding, Error>) -> &'static str {
        match result {
            Err(Error::FailedPrecondition { reason, .. }) => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn eighteenth_birthday_turns_at_uk_midnight_in_summer() {
        // BST: UK midnight of 15 June is 23:00 UTC on the 14th.
        assert_eq!(age_at(dob("2008-06-15"), utc("2026-06-14T22:59:59Z")), 17);
        assert_eq!(age_at(dob("2008-06-15"), utc("2026-06-14T23:00:00Z")), 18);
        assert_eq!(
            reason(decide("2008-06-15", None, "2026-06-14T22:59:59Z")),
            MINOR_WITHOUT_LAWFUL_BASIS
        );
        assert_eq!(
            decide("2008-06-15", None, "2026-06-14T23:00:00Z").unwrap(),
            Holding::Adult
        );
    }

    #[test]
    fn eighteenth_birthday_turns_at_uk_midnight_in_winter() {
        // GMT: UK midnight is UTC midnight.
        assert_eq!(age_at(dob("2008-01-15"), utc("2026-01-14T23:59:59Z")), 17);
        assert_eq!(age_at(dob("2008-01-15"), utc("2026-01-15T00:00:00Z")), 18);
        assert_eq!(age_at(dob("2008-01-15"), utc("2026-01-15T23:59:59Z")), 18);
    }

    #[test]
    fn the_day_before_and_the_day_of() {
        let before = utc("2026-03-09T12:00:00Z");
        let on = utc("2026-03-10T12:00:00Z");
        assert_eq!(age_at(dob("2008-03-10"), before), 17);
        assert_eq!(age_at(dob("2008-03-10"), on), 18);
    }

    #[test]
    fn leap_day_birthdays_come_of_age_on_the_first_of_march() {
        let d = dob("2008-02-29");
        assert_eq!(age_at(d, utc("2026-02-28T23:59:59Z")), 17);
        assert_eq!(age_at(d, utc("2026-03-01T00:00:00Z")), 18);
        // In a leap year the birthday itself exists (2032: 24).
        assert_eq!(age_at(d, utc("2032-02-28T12:00:00Z")), 23);
        assert_eq!(age_at(d, utc("2032-02-29T00:00:00Z")), 24);
        // Born 1 March in a leap year: 29 February is not yet the birthday.
        assert_eq!(age_at(dob("2008-03-01"), utc("2026-02-28T12:00:00Z")), 17);
    }

    #[test]
    fn each_lawful_exception_restricts_the_record() {
        for kind in [
            BasisKind::ParentalConsent,
            BasisKind::DesignatedCarer,
            BasisKind::TreatedAsAdult,
            BasisKind::UrgentMatter,
            BasisKind::OtherStatutory,
        ] {
            let Holding::Restricted(basis) =
                decide("2009-05-01", Some(&claim(kind)), "2026-01-01T10:00:00Z").unwrap()
            else {
                panic!("{kind:?} should hold the record restricted");
            };
            assert_eq!(basis.kind, kind);
            assert_eq!(basis.reference, "GUARDIAN-42");
            assert_eq!(basis.system, system());
            assert_eq!(
                basis.expires_at.is_some(),
                kind == BasisKind::UrgentMatter,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn treated_as_adult_is_for_sixteen_and_seventeen_only() {
        let c = claim(BasisKind::TreatedAsAdult);
        // 16th birthday on 2026-01-01 (UK).
        assert!(decide("2010-01-01", Some(&c), "2026-01-01T00:00:00Z").is_ok());
        assert_eq!(
            reason(decide("2010-01-01", Some(&c), "2025-12-31T23:59:59Z")),
            MINOR_WITHOUT_LAWFUL_BASIS
        );
        assert_eq!(
            reason(decide("2015-01-01", Some(&c), "2026-01-01T00:00:00Z")),
            MINOR_WITHOUT_LAWFUL_BASIS
        );
    }

    #[test]
    fn urgent_matters_lapse_after_the_configured_period_at_most() {
        let now = utc("2026-01-01T10:00:00Z");
        let settings = MinorSettings {
            urgent_period: Duration::days(7),
        };
        let mut c = claim(BasisKind::UrgentMatter);
        let held = |c: &BasisClaim| match evaluate(
            dob("2012-01-01"),
            Some(c),
            &system(),
            now,
            &settings,
        ) {
            Ok(Holding::Restricted(b)) => b.expires_at,
            other => panic!("{other:?}"),
        };
        assert_eq!(held(&c), Some(now + Duration::days(7)));
        c.expires_at = Some(now + Duration::days(2));
        assert_eq!(held(&c), Some(now + Duration::days(2)));
        c.expires_at = Some(now + Duration::days(70));
        assert_eq!(held(&c), Some(now + Duration::days(7)));
    }

    #[test]
    fn bad_claims_are_invalid_arguments() {
        let now = "2026-01-01T10:00:00Z";
        let mut c = claim(BasisKind::ParentalConsent);
        c.reference = "  ".into();
        assert!(matches!(
            decide("2012-01-01", Some(&c), now),
            Err(Error::InvalidArgument(v)) if v[0].field == "minor_basis.reference"
        ));
        c.reference = "x".repeat(101);
        assert!(matches!(
            decide("2012-01-01", Some(&c), now),
            Err(Error::InvalidArgument(_))
        ));
        let mut c = claim(BasisKind::OtherStatutory);
        c.expires_at = Some(utc(now));
        assert!(matches!(
            decide("2012-01-01", Some(&c), now),
            Err(Error::InvalidArgument(v)) if v[0].field == "minor_basis.expires_at"
        ));
    }

    #[test]
    fn adults_need_no_exception_and_a_claim_is_moot() {
        let c = claim(BasisKind::ParentalConsent);
        let now = "2026-01-01T10:00:00Z";
        assert_eq!(decide("1980-01-01", None, now).unwrap(), Holding::Adult);
        assert_eq!(decide("1980-01-01", Some(&c), now).unwrap(), Holding::Adult);
    }

    #[test]
    fn the_sweep_lifts_at_eighteen_and_disposes_of_lapsed_exceptions() {
        let basis = MinorBasis {
            kind: BasisKind::UrgentMatter,
            reference: "CASE-1".into(),
            system: system(),
            recorded_at: utc("2026-01-01T00:00:00Z"),
            expires_at: Some(utc("2026-02-01T00:00:00Z")),
        };
        let d = dob("2010-06-01");
        assert_eq!(review(d, &basis, utc("2026-01-31T23:59:59Z")), Review::Keep);
        assert_eq!(
            review(d, &basis, utc("2026-02-01T00:00:00Z")),
            Review::Lapsed
        );
        // Adulthood wins: the person may now be held like anyone else.
        assert_eq!(
            review(dob("2008-01-20"), &basis, utc("2026-02-02T00:00:00Z")),
            Review::ReachedAdulthood
        );
        assert_eq!(
            review(dob("2008-06-15"), &basis, utc("2026-06-14T23:00:00Z")),
            Review::ReachedAdulthood
        );
    }

    proptest::proptest! {
        /// Age agrees with counting birthdays on the UK calendar, for any
        /// instant and birth date (29 February counted on 1 March).
        #[test]
        fn age_matches_a_birthday_count(days in 0i64..40_000, secs in 0i64..86_400 * 365 * 60) {
            let born = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Duration::days(days);
            let now = Utc.timestamp_opt(1_000_000_000 + secs, 0).unwrap();
            let today = uk_today(now);
            proptest::prop_assume!(born <= today);
            let birthday_in = |year: i32| {
                NaiveDate::from_ymd_opt(year, chrono::Datelike::month(&born), chrono::Datelike::day(&born))
                    .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 3, 1).unwrap())
            };
            let mut age = 0u32;
            let mut year = chrono::Datelike::year(&born) + 1;
            while birthday_in(year) <= today {
                age += 1;
                year += 1;
            }
            proptest::prop_assert_eq!(age_at(BirthDate::from_stored(born), now), age);
        }
    }

    #[test]
    fn a_rectified_birth_date_may_not_make_a_minor() {
        let now = utc("2026-03-01T12:00:00Z");
        assert!(require_adult(dob("2008-03-01"), now).is_ok());
        let err = require_adult(dob("2008-03-02"), now).unwrap_err();
        assert!(matches!(
            err,
            Error::FailedPrecondition {
                reason: MINOR_WITHOUT_LAWFUL_BASIS,
                ..
            }
        ));
    }
}
