//! The embedded default: one SQLite file, no server to install.

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub struct SqliteStore {
    read: SqlitePool,
    /// SQLite has one writer at a time; a one-connection pool queues writers
    /// in-process instead of failing them with SQLITE_BUSY.
    write: SqlitePool,
    signal: tokio::sync::watch::Sender<u64>,
    _checkpoints: Checkpoints,
    /// Signs the audit entries this store appends.
    audit_keys: std::sync::Arc<crate::audit::Keyring>,
}

/// How often the write-ahead log is copied back into the database, off the
/// writer. SQLite's own automatic checkpoint runs inside whichever commit
/// takes the log past 1,000 pages, and that commit waits for it: SubmitRecord
/// p99 at 100k customers was 20.7 ms with it, 11.6-14.9 ms with this.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// The log file is cut back to this size when it starts again.
const LOG_BYTES: i64 = 64 << 20;

/// Log frames (4 KiB pages) past which a checkpoint also restarts the log.
/// The writer's wait for a restart grows with the log (SubmitRecord at
/// 100k: the longest 37 ms at 2,000 frames, 73 ms at 16,384).
const RESTART_FRAMES: i64 = 2_000;

/// The background checkpointer; it stops with the store.
struct Checkpoints(tokio::task::AbortHandle);

impl Checkpoints {
    /// PASSIVE never blocks the writer or readers: it copies what no
    /// reader still needs and leaves the rest for the next round. But the
    /// log only starts again from its beginning when a write transaction
    /// begins with every frame copied, and under a steady stream of writes
    /// one always lands while the copy runs: the log grew without end (2 GB
    /// after 12,000 SubmitRecords). So once it is long, the frames written
    /// during the copy are copied again, and what was written during that
    /// second copy is copied on the writer's own connection, between two
    /// write transactions; the next write starts the log afresh. The second
    /// copy keeps the writer's wait short: at 100k customers its p50 fell
    /// from 31 ms to 8 ms.
    fn start(checkpointer: SqlitePool, writer: SqlitePool) -> Self {
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let span = tracing::debug_span!("sqlite.checkpoint");
                if Self::passive(&checkpointer, span).await > Some(RESTART_FRAMES) {
                    let span = tracing::debug_span!("sqlite.checkpoint_again");
                    Self::passive(&checkpointer, span).await;
                    let span = tracing::debug_span!("sqlite.checkpoint_on_writer");
                    Self::passive(&writer, span).await;
                }
            }
        });
        Self(task.abort_handle())
    }

    /// A PASSIVE checkpoint on `pool`; the frames in the log (none if it
    /// failed: the next round tries again).
    async fn passive(pool: &SqlitePool, span: tracing::Span) -> Option<i64> {
        use tracing::Instrument;
        let done: sqlx::Result<(i64, i64, i64)> = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(pool)
            .instrument(span)
            .await;
        match done {
            Ok((_busy, log, _copied)) => Some(log),
            Err(e) => {
                tracing::warn!(error = %e, "sqlite checkpoint failed");
                None
            }
        }
    }
}

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl SqliteStore {
    /// Aggregates a key's holders into one column: system and local ID
    /// joined by a unit separator, holders by a record separator (neither
    /// can occur in an ID).
    const MEMBER_LIST: &str = "group_concat(t.system || char(31) || t.local_id, char(30))";
    /// `db.system.name` on every store span (OpenTelemetry's database
    /// conventions).
    const DB_SYSTEM: &str = "sqlite";
    const PARAMS: super::sql::Params = super::sql::Params::Anonymous;
    /// One process owns an SQLite file.
    const CONCURRENT_WRITERS: bool = false;

    pub async fn open(
        url: &str,
        audit_keys: std::sync::Arc<crate::audit::Keyring>,
    ) -> crate::error::SetupResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // A bigger page cache: candidate reads of a batch touch much of
            // the index. No memory-mapped reads: the file grows with every
            // checkpoint and each connection then maps it afresh, page
            // faults and all (SubmitRecord's reads took twice as long).
            .pragma("cache_size", "-32768")
            // Checkpoints run in the background (`Checkpoints`); a log
            // that once grew long is cut back when it starts again.
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", LOG_BYTES.to_string());
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&write).await?;
        let checkpoints = Checkpoints::start(
            SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await?,
            write.clone(),
        );
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options.read_only(true))
            .await?;
        let store = Self {
            read,
            write,
            signal: tokio::sync::watch::Sender::<u64>::new(0),
            _checkpoints: checkpoints,
            audit_keys,
        };
        store.rekey().await?;
        store.count_values(true).await?;
        Ok(store)
    }

    /// Rows of `by` for `ids`, as `IN` lists of up to 512 padded to a power
    /// of two, so that a few statement texts stay prepared.
    async fn rows_by_ids<O>(
        &self,
        by: &super::sql::ByIds<'_>,
        ids: &[&str],
    ) -> super::StoreResult<Vec<O>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let (scope, value) = by.scope_sql(Self::PARAMS);
        let mut found = Vec::new();
        for chunk in super::sql::distinct(ids).chunks(512) {
            let chunk = super::sql::padded(chunk);
            let sql = format!(
                "SELECT {} FROM {} WHERE {scope}{} IN ({})",
                by.columns,
                by.table,
                by.id,
                Self::params(1 + usize::from(value.is_some()), chunk.len())
            );
            let mut query = sqlx::query_as::<_, O>(&sql);
            if let Some(value) = value {
                query = query.bind(value);
            }
            for id in chunk {
                query = query.bind(id);
            }
            found.extend(query.fetch_all(&self.read).await?);
        }
        Ok(found)
    }

    /// Rows of `by` for departmental `ids`, up to 512 to a statement (padded
    /// to a power of two with an ID no system has, as a join would return a
    /// repeated one twice): the IDs as a VALUES list that drives a loop of
    /// key lookups (CROSS JOIN fixes the order). One statement for all
    /// systems, where a statement per system cost a round trip to SQLite's
    /// worker thread each; a row-value `IN` would scan the table instead.
    async fn rows_by_links<O>(
        &self,
        by: &super::sql::ByLinks,
        ids: &[crate::record::LinkRef],
    ) -> super::StoreResult<Vec<O>>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        let mut found = Vec::new();
        for chunk in super::sql::distinct_links(ids).chunks(512) {
            let mut chunk = chunk.to_vec();
            chunk.resize(chunk.len().next_power_of_two(), ("", ""));
            let sql = format!(
                "WITH w (s, i) AS (VALUES {}) SELECT {} FROM w CROSS JOIN {} \
                 WHERE {} = w.s AND {} = w.i",
                super::sql::value_rows(Self::PARAMS, chunk.len(), 2),
                by.columns,
                by.table,
                by.system,
                by.local_id
            );
            let mut query = sqlx::query_as::<_, O>(&sql);
            for (system, local_id) in chunk {
                query = query.bind(system).bind(local_id);
            }
            found.extend(query.fetch_all(&self.read).await?);
        }
        Ok(found)
    }

    /// Nothing to refresh: no statistics are kept (the store never runs
    /// ANALYZE), so SQLite plans each statement the same whatever the data,
    /// and the join orders that matter are fixed in the SQL (CROSS JOIN).
    async fn analyze(&self) -> super::StoreResult<()> {
        Ok(())
    }

    /// One process writes SQLite, so the outbox needs no cross-process
    /// ordering or signal.
    async fn before_outbox(
        _tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    ) -> super::StoreResult<()> {
        Ok(())
    }

    /// One writer connection: transactions never interleave.
    async fn serialise_verification(
        _tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
        _customer: &crate::record::CustomerId,
    ) -> super::StoreResult<()> {
        Ok(())
    }

    /// One process owns an SQLite file, so it is always the dispatcher; no
    /// transaction is held while the sink works, so writers are not blocked.
    async fn dispatch_batch(
        &self,
        name: &str,
        limit: i64,
        sink: &dyn super::EventSink,
    ) -> super::StoreResult<usize> {
        use super::Store;
        let cursor = self.dispatch_cursor(name).await?;
        let events = self.read_events(None, cursor, limit).await?;
        let Some(last) = events.last().map(|e| e.seq) else {
            return Ok(0);
        };
        sink.publish(&events)
            .await
            .map_err(super::StoreError::Unavailable)?;
        self.set_dispatch_cursor(name, last, chrono::Utc::now())
            .await?;
        Ok(events.len())
    }
}

super::sql::impl_store!(SqliteStore, sqlx::Sqlite);
