//! A refused minor leaves no trace: no row in any table, no index entry,
//! no event, no log line with the data. Its own binary, so the logs it
//! captures are this test's alone.

#[allow(dead_code, unused_imports)]
#[path = "../api/helpers.rs"]
mod helpers;

use helpers::*;
use scr_hub::api::pb;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tonic::Code;

/// Captures every log line the server writes on this (current-thread) test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

async fn row_counts(pool: &sqlx::SqlitePool) -> Vec<(String, i64)> {
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert!(tables.len() > 15, "every table is inspected: {tables:?}");
    let mut counts = Vec::new();
    for (table,) in tables {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM \"{table}\""))
            .fetch_one(pool)
            .await
            .unwrap();
        counts.push((table, n));
    }
    counts
}

#[tokio::test]
async fn a_refused_minor_leaves_no_trace() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global, in a test binary of its own: scoped subscribers miss events
    // whose callsites other test threads registered first.
    tracing::subscriber::set_global_default(subscriber).unwrap();
    let app = spawn_app().await;
    let mut client = app.records();
    let mut request = submit(child("libraries", "LIB-CHILD-9"), "child-req-1");
    let status = client
        .submit_record(authed("libraries", request.clone()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(
        error_reason(&status).as_deref(),
        Some("MINOR_WITHOUT_LAWFUL_BASIS")
    );
    // An exception that does not fit (treated as adult at 12) is refused too.
    request.minor_basis = Some(pb::MinorBasis {
        kind: pb::MinorBasisKind::TreatedAsAdult.into(),
        reference: "HOUSING-1".into(),
        expires_at: None,
    });
    let status = client
        .submit_record(authed("libraries", request))
        .await
        .unwrap_err();
    assert_eq!(
        error_reason(&status).as_deref(),
        Some("MINOR_WITHOUT_LAWFUL_BASIS")
    );

    let pool = app.sqlite().await;
    for (table, n) in row_counts(&pool).await {
        // Schema state (the audit chain's head, the blocking-key scheme,
        // one total per counted field), and the service's own entry at start.
        let expected = match table.as_str() {
            "audit_head" | "key_scheme" | "audit_log" => 1,
            "field_counts" => scr_hub::matching::frequency::FIELDS.len() as i64,
            _ => 0,
        };
        assert_eq!(n, expected, "table {table} holds {n} rows");
    }
    let audited: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT operation, customer_id FROM audit_log")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        audited,
        [("audit_key_in_use".to_string(), None)],
        "nothing was audited of the refused records"
    );
    let index = scr_hub::search::SearchIndex::open(&app.data_dir.path().join("index")).unwrap();
    assert_eq!(index.num_docs(), 0);

    // The capture works: an adult's submission is logged (by ID only).
    client
        .submit_record(authed(
            "libraries",
            submit(record("libraries", "LIB-1"), ""),
        ))
        .await
        .unwrap();
    let text = logs.text();
    assert!(
        text.contains("record submitted"),
        "logs were captured: {text}"
    );
    for secret in [
        "Tobiasz",
        "Wojciechowski",
        "Quarrington",
        "B29 7QW",
        "LIB-CHILD-9",
        "child-req-1",
        "HOUSING-1",
        born_years_ago(12).as_str(),
    ] {
        assert!(!text.contains(secret), "the logs mention {secret}");
    }
    app.stop().await;
}
