//! After a load PostgreSQL's planner has statistics for what was loaded,
//! even on a server whose autovacuum is off (CI's is): without them a 1M
//! pre-load left SubmitRecord p99 at 31 ms and the search indexer's reads
//! at 308 ms a batch.

use crate::{hub_on, import, options, postgres};
use sqlx::Connection;

/// Columns of `table` the planner holds statistics for.
async fn analysed_columns(url: &str, table: &str) -> i64 {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar("SELECT count(*) FROM pg_stats WHERE tablename = $1")
        .bind(table)
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn import_refreshes_postgres_statistics() {
    let Some(url) = postgres::fresh_database().await else {
        return;
    };
    let (hub, _) = hub_on(&url).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("libraries.csv");
    std::fs::write(
        &file,
        "local_id,given_name,family_name,date_of_birth,gender,address_line_1,town,postcode\n\
         L1,Margaret,Thatcher,1955-10-13,F,10 Downing Street,Birmingham,B1 1AA\n\
         L2,Harold,Wilson,1946-03-11,M,1 Lord Street,Birmingham,B2 4QA\n",
    )
    .unwrap();
    for table in ["customers", "links", "link_keys"] {
        assert_eq!(analysed_columns(&url, table).await, 0, "{table} before");
    }
    let summary = import(&hub, options("libraries", &file)).await;
    assert_eq!(summary.counts.new_customers, 2);
    for table in ["customers", "links", "link_keys"] {
        assert!(analysed_columns(&url, table).await > 0, "{table} after");
    }
}
