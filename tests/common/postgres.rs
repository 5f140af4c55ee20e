//! A fresh PostgreSQL database per test, on the server named by
//! SCR_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test).
//! Unset: PostgreSQL tests say so and pass; CI sets it, and then an
//! unreachable server fails the test.

use sqlx::Connection;

pub const POSTGRES_URL_VAR: &str = "SCR_TEST_POSTGRES_URL";

/// The URL of a new, empty database, or `None` when PostgreSQL tests are off.
pub async fn fresh_database() -> Option<String> {
    let Ok(base) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("postgres test skipped: {POSTGRES_URL_VAR} is not set");
        return None;
    };
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but the server is unreachable: {e}"));
    let name = format!("scr_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("creating a test database");
    let (path, query) = base
        .split_once('?')
        .map_or((base.as_str(), None), |(p, q)| (p, Some(q)));
    let (prefix, _) = path.rsplit_once('/').expect("URL names a database");
    Some(match query {
        Some(query) => format!("{prefix}/{name}?{query}"),
        None => format!("{prefix}/{name}"),
    })
}
