//! The injected clock: domain code asks it for "now" so tests can fix time.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::London;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Today's date where the council is: ages and "not in the future" are
    /// judged on the UK calendar, not UTC's.
    fn today(&self) -> NaiveDate {
        self.now().with_timezone(&London).date_naive()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock stopped at one instant, for tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}
