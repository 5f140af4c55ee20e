//! Store conformance: one suite, run against SQLite and PostgreSQL.

#[path = "../common/postgres.rs"]
mod postgres;

mod conformance;
mod counts;
mod privacy;
mod rekey;
mod rights;
mod search_sources;

use scr_hub::store::Store;
use std::sync::Arc;

/// A fresh SQLite store in its own directory (kept alive by the guard).
pub async fn sqlite_store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("scr.db").display());
    (
        scr_hub::store::open(
            &url,
            std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
        )
        .await
        .unwrap(),
        dir,
    )
}

/// Raw SQL on a test store's database, to tamper with it.
pub struct RawSql(String);

impl RawSql {
    pub async fn run(&self, statement: &str) {
        use sqlx::Connection;
        if self.0.starts_with("sqlite:") {
            let mut conn = sqlx::SqliteConnection::connect(&self.0).await.unwrap();
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        } else {
            let mut conn = sqlx::PgConnection::connect(&self.0).await.unwrap();
            sqlx::query(statement).execute(&mut conn).await.unwrap();
        }
    }
}

/// Declares tests that also get raw SQL access, once per backend.
#[macro_export]
macro_rules! conformance_with_sql {
    ($($name:ident),* $(,)?) => {
        mod sqlite_sql {
            $(
                #[tokio::test]
                async fn $name() {
                    let dir = tempfile::tempdir().unwrap();
                    let url = format!("sqlite://{}", dir.path().join("scr.db").display());
                    let store = scr_hub::store::open(&url, std::sync::Arc::new(scr_hub::audit::Keyring::generate())).await.unwrap();
                    super::$name(store, $crate::RawSql(url)).await;
                }
            )*
        }
        mod postgres_sql {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(url) = $crate::postgres::fresh_database().await {
                        let store = scr_hub::store::open(&url, std::sync::Arc::new(scr_hub::audit::Keyring::generate())).await.unwrap();
                        super::$name(store, $crate::RawSql(url)).await;
                    }
                }
            )*
        }
    };
}

/// A fresh PostgreSQL store, or `None` when PostgreSQL tests are off.
pub async fn postgres_store() -> Option<Arc<dyn Store>> {
    let url = postgres::fresh_database().await?;
    Some(
        scr_hub::store::open(
            &url,
            std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
        )
        .await
        .unwrap(),
    )
}

/// Declares each test once per backend: `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let (store, _dir) = $crate::sqlite_store().await;
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(store) = $crate::postgres_store().await {
                        super::$name(store).await;
                    }
                }
            )*
        }
    };
}
