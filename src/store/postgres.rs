//! PostgreSQL, for production and for several replicas sharing one database.

use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

pub struct PostgresStore {
    read: PgPool,
    write: PgPool,
}

impl PostgresStore {
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        // sqlx takes an advisory lock, so replicas starting together migrate once.
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        Ok(Self {
            read: pool.clone(),
            write: pool,
        })
    }
}

super::sql::impl_store!(PostgresStore, sqlx::Postgres);
