//! The one task that owns the index writer. It tails the outbox by global
//! sequence (every customer-changing store change writes a row naming the
//! customer), reloads each changed customer from the store and re-indexes
//! or removes it, and commits the index with the sequence it reached. An
//! index that was never built is rebuilt from the store first.

use super::{SearchDoc, SearchIndex};
use crate::record::{Address, CustomerId, Person};
use crate::store::{Store, StoreResult};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tantivy::IndexWriter;

/// Outbox rows read per batch; each batch is one index commit.
const BATCH: i64 = 1000;
/// Customers loaded from the store at once.
const LOAD_CONCURRENCY: usize = 8;
/// A wake-up even without a signal (a PostgreSQL notification can be lost
/// while its listener reconnects).
const POLL: Duration = Duration::from_secs(2);

/// The running indexer; `stop` ends it and releases the writer.
pub struct Indexer {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Indexer {
    /// Starts following the store. The task takes the index writer first,
    /// waiting while another holder (e.g. a process still stopping, or a
    /// `reindex` run) has it.
    pub fn spawn(store: Arc<dyn Store>, index: Arc<SearchIndex>) -> Self {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let mut stopped = stopped;
            let mut warned = false;
            let writer = loop {
                match index.writer(1, 50_000_000) {
                    Ok(writer) => break writer,
                    Err(e) => {
                        if !warned {
                            tracing::warn!(error = %e, "search index writer busy; waiting");
                            warned = true;
                        }
                        tokio::select! {
                            _ = stopped.changed() => return,
                            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        }
                    }
                }
            };
            run(store, index, Arc::new(Mutex::new(writer)), stopped).await;
        });
        Self { stop, task }
    }

    pub async fn stop(self) {
        self.stop.send_replace(true);
        let _ = self.task.await;
    }
}

async fn run(
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    writer: Arc<Mutex<IndexWriter>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut signal = store.outbox_signal();
    let mut cursor = None;
    while !*stop.borrow() {
        if cursor.is_none() {
            cursor = match index.committed_seq() {
                Ok(Some(seq)) => Some(seq),
                Ok(None) => match rebuild(store.clone(), index.clone(), writer.clone()).await {
                    Ok((seq, count)) => {
                        tracing::info!(customers = count, seq, "search index built");
                        Some(seq)
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "building the search index failed");
                        None
                    }
                },
                Err(e) => {
                    tracing::error!(error = %e, "reading the search index failed");
                    None
                }
            };
        }
        if let Some(after) = cursor {
            match follow(&store, &index, &writer, after).await {
                Ok(Some(seq)) => {
                    cursor = Some(seq);
                    record_lag(store.as_ref(), seq).await;
                    continue;
                }
                Ok(None) => crate::telemetry::metrics::index_lag(0),
                Err(e) => {
                    tracing::warn!(error = %e, after, "search indexer batch failed; retrying")
                }
            }
        }
        let wait = if cursor.is_some() {
            POLL
        } else {
            Duration::from_secs(5)
        };
        tokio::select! {
            Ok(()) = signal.changed() => {}
            _ = stop.changed() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
    let _ = tokio::task::spawn_blocking(move || {
        if let Ok(writer) = Arc::try_unwrap(writer)
            && let Ok(writer) = writer.into_inner()
        {
            let _ = writer.wait_merging_threads();
        }
    })
    .await;
}

/// How far the index trails the outbox, for the `scr.index.lag` gauge.
async fn record_lag(store: &dyn Store, indexed: i64) {
    if let Ok(head) = store.outbox_head().await {
        crate::telemetry::metrics::index_lag((head - indexed).max(0));
    }
}

/// Indexes one batch of changes after `after`; the new cursor, or `None`
/// when there was nothing new.
async fn follow(
    store: &Arc<dyn Store>,
    index: &Arc<SearchIndex>,
    writer: &Arc<Mutex<IndexWriter>>,
    after: i64,
) -> anyhow::Result<Option<i64>> {
    let changes = store.customer_changes_after(after, BATCH).await?;
    let Some(&(last, _)) = changes.last() else {
        return Ok(None);
    };
    let mut ids: Vec<CustomerId> = Vec::new();
    for (_, id) in changes {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let docs = load_docs(store, &ids).await?;
    let (index, writer) = (index.clone(), writer.clone());
    let count = ids.len();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut writer = writer
            .lock()
            .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        for (id, doc) in ids.iter().zip(&docs) {
            index.upsert(&writer, id.as_str(), doc.as_ref())?;
        }
        index.commit(&mut writer, last)
    })
    .await??;
    tracing::debug!(customers = count, seq = last, "search index updated");
    Ok(Some(last))
}

/// Rebuilds the whole index from the store; returns the outbox sequence it
/// reflects and how many customers it holds. Changes committed while it
/// runs are after that sequence and are indexed again by `follow`.
pub async fn rebuild(
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    writer: Arc<Mutex<IndexWriter>>,
) -> anyhow::Result<(i64, u64)> {
    let head = store.outbox_head().await?;
    {
        let writer = writer
            .lock()
            .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        writer.delete_all_documents()?;
    }
    let mut after: Option<CustomerId> = None;
    let mut count = 0u64;
    loop {
        let ids = store.customer_ids_after(after.as_ref(), BATCH).await?;
        let Some(last) = ids.last().cloned() else {
            break;
        };
        let docs = load_docs(&store, &ids).await?;
        let (index, writer) = (index.clone(), writer.clone());
        count += tokio::task::spawn_blocking(move || -> anyhow::Result<u64> {
            let writer = writer
                .lock()
                .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
            let mut n = 0;
            for doc in docs.iter().flatten() {
                index.upsert_new(&writer, doc)?;
                n += 1;
            }
            Ok(n)
        })
        .await??;
        after = Some(last);
    }
    let index2 = index.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut writer = writer
            .lock()
            .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        index2.commit(&mut writer, head)
    })
    .await??;
    Ok((head, count))
}

/// The search documents of these customers (`None` for one erased, merged
/// away or missing), in the same order.
async fn load_docs(
    store: &Arc<dyn Store>,
    ids: &[CustomerId],
) -> StoreResult<Vec<Option<SearchDoc>>> {
    let mut out: Vec<Option<SearchDoc>> = vec![None; ids.len()];
    for (chunk_no, chunk) in ids.chunks(LOAD_CONCURRENCY).enumerate() {
        let mut set = tokio::task::JoinSet::new();
        for (i, id) in chunk.iter().enumerate() {
            let (store, id) = (store.clone(), id.clone());
            set.spawn(async move { (i, load_doc(store.as_ref(), &id).await) });
        }
        while let Some(joined) = set.join_next().await {
            let (i, doc) = joined.map_err(|e| crate::store::StoreError::Internal(e.to_string()))?;
            out[chunk_no * LOAD_CONCURRENCY + i] = doc?;
        }
    }
    Ok(out)
}

/// One customer's search document from the store: its current facts, its
/// address history, and the departmental records linked to it (which give
/// earlier names and addresses). `None` when it should not be found.
pub async fn load_doc(store: &dyn Store, id: &CustomerId) -> StoreResult<Option<SearchDoc>> {
    let Some(customer) = store.load_customer(id).await? else {
        return Ok(None);
    };
    if customer.merged_into.is_some() {
        return Ok(None);
    }
    let mut others: Vec<Person> = Vec::new();
    for link in &customer.links {
        if let Some(linked) = store.find_link(&link.system, &link.local_id).await?
            && linked.customer_id == customer.id
            && linked.record.person != customer.person
        {
            others.push(linked.record.person);
        }
    }
    let previous: Vec<&Address> = customer
        .previous_addresses
        .iter()
        .map(|p| &p.address)
        .collect();
    let others: Vec<&Person> = others.iter().collect();
    let mut doc = SearchDoc::new(&customer.id, &customer.person, &previous, &others);
    doc.restricted = customer.flags.restricted() || customer.flags.processing_restricted;
    Ok(Some(doc))
}
