//! The initial-load import (issue 7), end to end through the hub, on SQLite
//! and PostgreSQL: validation and rejects, minors, encodings, linkage across
//! systems' files, summary counts, resume without duplicate links, the CLI.

#[path = "../common/postgres.rs"]
mod postgres;

mod batch;
mod cli;
mod load;
mod resume;
mod statistics;

use chrono::{NaiveDate, TimeZone, Utc};
use scr_hub::clock::FixedClock;
use scr_hub::hub::Hub;
use scr_hub::import::{ImportOptions, ProgressMode, Summary};
use scr_hub::record::{LocalId, SystemCode};
use scr_hub::store::Store;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

/// A hub over a fresh store: SQLite in `dir`, or PostgreSQL when `pg`.
pub async fn hub(dir: &Path, pg: bool) -> Option<(Arc<Hub>, Arc<dyn Store>)> {
    let url = if pg {
        postgres::fresh_database().await?
    } else {
        format!("sqlite://{}", dir.join("scr.db").display())
    };
    Some(hub_on(&url).await)
}

/// A hub over the store at `url`.
pub async fn hub_on(url: &str) -> (Arc<Hub>, Arc<dyn Store>) {
    let store = scr_hub::store::open(
        url,
        std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
    )
    .await
    .unwrap();
    let clock = Arc::new(FixedClock(
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap(),
    ));
    let hub = Arc::new(Hub::new(store.clone(), clock, Vec::new()));
    (hub, store)
}

pub fn options(system: &str, file: &Path) -> ImportOptions {
    let mut opts = ImportOptions::new(SystemCode::parse(system).unwrap(), file.to_owned(), today());
    opts.progress = ProgressMode::Quiet;
    opts
}

pub async fn import(hub: &Arc<Hub>, opts: ImportOptions) -> Summary {
    scr_hub::import::run(hub.clone(), opts, Arc::new(AtomicBool::new(false)))
        .await
        .expect("import runs")
}

/// The customer a departmental ID is linked to, as a string.
pub async fn customer_of(store: &Arc<dyn Store>, system: &str, local_id: &str) -> Option<String> {
    store
        .find_link(
            &SystemCode::parse(system).unwrap(),
            &LocalId::parse(local_id).unwrap(),
        )
        .await
        .unwrap()
        .map(|l| l.customer_id.as_str().to_owned())
}

/// Runs an async test body once on SQLite and once on PostgreSQL.
#[macro_export]
macro_rules! both_stores {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(false).await
                }
            )*
        }
        mod postgres_store {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(true).await
                }
            )*
        }
    };
}
