//! PostgreSQL, for production and for several replicas sharing one database.

use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};
use std::time::Duration;

/// NOTIFY channel that tells every replica events were committed.
const OUTBOX_CHANNEL: &str = "scr_outbox";
/// Advisory lock key that orders outbox commits.
const OUTBOX_LOCK: i64 = 0x5c0_0b0c;
/// First key of the per-customer advisory locks on verification attempts
/// (the second is a hash of the customer ID; a collision only queues).
const VERIFICATION_LOCKS: i32 = 0x5c0_0b1;

pub struct PostgresStore {
    read: PgPool,
    write: PgPool,
    signal: tokio::sync::watch::Sender<u64>,
    /// Signs the audit entries this store appends.
    audit_keys: std::sync::Arc<crate::audit::Keyring>,
}

impl PostgresStore {
    /// Aggregates a key's holders into one column: system and local ID
    /// joined by a unit separator, holders by a record separator (neither
    /// can occur in an ID).
    const MEMBER_LIST: &str = "string_agg(t.system || chr(31) || t.local_id, chr(30))";
    /// `db.system.name` on every store span (OpenTelemetry's database
    /// conventions).
    const DB_SYSTEM: &str = "postgresql";
    const PARAMS: super::sql::Params = super::sql::Params::Numbered;
    /// Replicas share one database.
    const CONCURRENT_WRITERS: bool = true;

    pub async fn open(
        url: &str,
        audit_keys: std::sync::Arc<crate::audit::Keyring>,
    ) -> crate::error::SetupResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await?;
        // sqlx takes an advisory lock, so replicas starting together migrate once.
        sqlx::migrate!("migrations/postgres").run(&pool).await?;
        let signal = tokio::sync::watch::Sender::<u64>::new(0);
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(OUTBOX_CHANNEL).await?;
        let notify = signal.clone();
        tokio::spawn(async move {
            // PgListener reconnects by itself; a notification lost while it
            // does is covered by subscribers re-reading after each wake-up.
            loop {
                match listener.recv().await {
                    Ok(_) => notify.send_modify(|n| *n = n.wrapping_add(1)),
                    Err(e) => {
                        tracing::warn!(error = %e, "outbox listener interrupted");
                        notify.send_modify(|n| *n = n.wrapping_add(1));
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        });
        let store = Self {
            read: pool.clone(),
            write: pool,
            signal,
            audit_keys,
        };
        store.rekey().await?;
        store.count_values(true).await?;
        Ok(store)
    }

    /// Rows of `by` for `ids` in one statement, the IDs bound as one array
    /// and each found by its own index probe. An `IN` list (or `= ANY`) is
    /// planned from statistics, and during a bulk load they lag: at 250k
    /// links a batch of 512 IDs was planned as a bitmap scan of the whole
    /// system, 0.9 s. A LATERAL subquery with a LIMIT is never flattened
    /// into a join, so it stays a loop of key lookups in custom and generic
    /// plans alike; the key is the primary key, so LIMIT 1 loses nothing.
    async fn rows_by_ids<O>(
        &self,
        by: &super::sql::ByIds<'_>,
        ids: &[&str],
    ) -> super::StoreResult<Vec<O>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = super::sql::distinct(ids);
        let (scope, value) = by.scope_sql(Self::PARAMS);
        let sql = format!(
            "SELECT t.* FROM unnest({}::text[]) AS w (id) CROSS JOIN LATERAL \
             (SELECT {} FROM {} WHERE {scope}{} = w.id LIMIT 1) AS t",
            Self::params(1 + usize::from(value.is_some()), 1),
            by.columns,
            by.table,
            by.id
        );
        let mut query = sqlx::query_as::<_, O>(&sql);
        if let Some(value) = value {
            query = query.bind(value);
        }
        Ok(query.bind(ids).fetch_all(&self.read).await?)
    }

    /// Rows of `by` for departmental `ids` in one statement, the systems and
    /// local IDs bound as two arrays, each pair found by its own index
    /// probe (see `rows_by_ids`).
    async fn rows_by_links<O>(
        &self,
        by: &super::sql::ByLinks,
        ids: &[crate::record::LinkRef],
    ) -> super::StoreResult<Vec<O>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (systems, local_ids): (Vec<&str>, Vec<&str>) =
            super::sql::distinct_links(ids).into_iter().unzip();
        let sql = format!(
            "SELECT t.* FROM unnest($1::text[], $2::text[]) AS w (s, i) CROSS JOIN LATERAL \
             (SELECT {} FROM {} WHERE {} = w.s AND {} = w.i LIMIT 1) AS t",
            by.columns, by.table, by.system, by.local_id
        );
        Ok(sqlx::query_as::<_, O>(&sql)
            .bind(systems)
            .bind(local_ids)
            .fetch_all(&self.read)
            .await?)
    }

    /// ANALYZE of the whole database (1.4 s at 1M customers). With stale
    /// statistics after a 1M pre-load (autovacuum off), SubmitRecord p99 was
    /// 31 ms and the search indexer's reads 308 ms a batch; after, 10 ms and
    /// 4 ms.
    async fn analyze(&self) -> super::StoreResult<()> {
        sqlx::query("ANALYZE").execute(&self.write).await?;
        Ok(())
    }

    /// Identity values are handed out before commit, so two transactions can
    /// commit out of sequence order and a reader past the later one would
    /// skip the earlier. Event-writing transactions therefore take one lock
    /// (held to commit), and NOTIFY wakes subscribers on every replica.
    async fn before_outbox(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    ) -> super::StoreResult<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(OUTBOX_LOCK)
            .execute(&mut **tx)
            .await?;
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(OUTBOX_CHANNEL)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Replicas record a customer's verification attempts one at a time:
    /// the count of earlier failures read next stays true until commit.
    async fn serialise_verification(
        tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
        customer: &crate::record::CustomerId,
    ) -> super::StoreResult<()> {
        sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
            .bind(VERIFICATION_LOCKS)
            .bind(customer.as_str())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The dispatcher's cursor row is claimed with SKIP LOCKED for the whole
    /// batch, so across replicas one delivers it and the others skip the
    /// round. A crash after delivery and before commit re-sends the batch:
    /// delivery is at least once, and receivers de-duplicate on event IDs.
    async fn dispatch_batch(
        &self,
        name: &str,
        limit: i64,
        sink: &dyn super::EventSink,
    ) -> super::StoreResult<usize> {
        sqlx::query(
            "INSERT INTO dispatch_cursors (name, seq, updated_at) VALUES ($1, 0, now()) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .execute(&self.write)
        .await?;
        let mut tx = self.write.begin().await?;
        let claimed: Option<(i64,)> = sqlx::query_as(
            "SELECT seq FROM dispatch_cursors WHERE name = $1 FOR UPDATE SKIP LOCKED",
        )
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((cursor,)) = claimed else {
            return Ok(0);
        };
        let rows: Vec<super::rows::EventRow> = sqlx::query_as(
            "SELECT seq, event_id, system, customer_id, event_type, data, occurred_at \
             FROM outbox WHERE seq > $1 AND system <> '' ORDER BY seq LIMIT $2",
        )
        .bind(cursor)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let events = rows
            .into_iter()
            .map(|r| r.into_domain())
            .collect::<Result<Vec<_>, _>>()?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(0);
        };
        sink.publish(&events)
            .await
            .map_err(super::StoreError::Unavailable)?;
        sqlx::query("UPDATE dispatch_cursors SET seq = $1, updated_at = now() WHERE name = $2")
            .bind(last)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(events.len())
    }
}

super::sql::impl_store!(PostgresStore, sqlx::Postgres);
