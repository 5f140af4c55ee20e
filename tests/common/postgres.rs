//! A fresh PostgreSQL database per test, on the server named by
//! SCR_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test).
//! Unset: PostgreSQL tests say so and pass; CI sets it, and then an
//! unreachable server fails the test. A test's database outlives it (a
//! failed test's can be looked at); each run drops those over a day old.

use sqlx::Connection;

pub const POSTGRES_URL_VAR: &str = "SCR_TEST_POSTGRES_URL";

/// Test databases older than this are left over from earlier runs (no test
/// runs this long), and the first test of a run drops them.
const STALE_AFTER_SECS: u64 = 24 * 60 * 60;
static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();

/// The URL of a new, empty database, or `None` when PostgreSQL tests are off.
pub async fn fresh_database() -> Option<String> {
    let Ok(base) = std::env::var(POSTGRES_URL_VAR) else {
        skipped("PostgreSQL", POSTGRES_URL_VAR);
        return None;
    };
    let mut conn = sqlx::PgConnection::connect(&base)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but the server is unreachable: {e}"));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs();
    SWEPT.get_or_init(|| drop_stale(&mut conn, now)).await;
    // Named with its creation time, so a later run can tell it is stale.
    let name = format!("scr_test_{now}_{}", uuid::Uuid::new_v4().simple());
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

/// Says, once per test binary and past the test harness's capture of
/// `eprintln!` (which hides a passing test's output), that tests of
/// `what` are skipped and which variable turns them on.
pub fn skipped(what: &str, var: &str) {
    use std::io::Write;
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.iter().any(|s| s == what) {
        said.push(what.to_owned());
        let _ = writeln!(
            std::io::stderr(),
            "note: {what} tests are skipped (they pass without running): set {var} to run them"
        );
    }
}

/// Drops the test databases made more than `STALE_AFTER_SECS` before `now`
/// (and those named before names carried a time). Best effort: a database
/// still in use by another run's test is left.
async fn drop_stale(conn: &mut sqlx::PgConnection, now: u64) {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'scr\\_test\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for (name,) in names {
        let made = name
            .strip_prefix("scr_test_")
            .and_then(|rest| rest.split_once('_'))
            .and_then(|(secs, _)| secs.parse::<u64>().ok());
        if made.is_none_or(|made| made + STALE_AFTER_SECS < now) {
            let quoted = name.replace('"', "\"\"");
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{quoted}\""))
                .execute(&mut *conn)
                .await;
        }
    }
}
