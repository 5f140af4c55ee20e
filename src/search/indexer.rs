//! The one task that owns the index writer. It tails the outbox by global
//! sequence (every customer-changing store change writes a row naming the
//! customer), reloads each changed customer from the store and re-indexes
//! or removes it, and commits the index with the sequence it reached. An
//! index that was never built is rebuilt from the store first.

use super::{SearchDoc, SearchIndex};
use crate::record::{Address, CustomerId, Person};
use crate::store::{CustomerPage, SearchSource, Store, StoreResult};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tantivy::IndexWriter;

/// Outbox rows read per batch (each batch is one index commit), and
/// customers per page of a rebuild.
const BATCH: i64 = 1000;
/// Pages read ahead of the indexing thread during a rebuild.
const PIPELINE_PAGES: usize = 8;
/// Slices of the customers a rebuild reads at once: the database driver
/// hands rows over between threads one by one, so a single reader leaves
/// the cores waiting on each other.
const READERS: usize = 4;
/// The index writer `scr-hub reindex` takes (the service is stopped, so
/// it may have both cores and memory for big segments).
pub const REINDEX_THREADS: usize = 2;
pub const REINDEX_MEMORY: usize = 400_000_000;
/// A wake-up even without a signal (a PostgreSQL notification can be lost
/// while its listener reconnects).
const POLL: Duration = Duration::from_secs(2);
/// The time between two commits once the index has caught up: twelve times
/// what the last batch took (its read, indexing and commit), so that under
/// a steady stream of changes the indexer takes about a twelfth of the
/// time, within these bounds. A commit writes and syncs segment files and
/// reloads the reader, work taken from the requests themselves on two
/// cores: one per SubmitRecord took a core's worth; one per 200 ms gave
/// SubmitRecord p99 of 13-17 ms at 1M customers, one per 600 ms 7-8 ms. A
/// change is still searchable within its one second (the submit bench at
/// 1M customers: 0.4 s median, 0.86 s at most, on either store).
const COMMIT_GAP: std::ops::RangeInclusive<Duration> =
    Duration::from_millis(200)..=Duration::from_millis(600);
const COMMIT_GAP_PER_BATCH: u32 = 12;

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
    // When the last commit of a caught-up index was made and the gap after
    // it, if the next change should wait for the gap.
    let mut caught_up_at: Option<(std::time::Instant, Duration)> = None;
    while !*stop.borrow() {
        if let Some(wait) = caught_up_at
            .take()
            .and_then(|(at, gap)| gap.checked_sub(at.elapsed()))
        {
            tokio::select! {
                _ = stop.changed() => continue,
                _ = tokio::time::sleep(wait) => {}
            }
        }
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
            let started = std::time::Instant::now();
            match follow(&store, &index, &writer, after).await {
                Ok(Some((seq, full))) => {
                    cursor = Some(seq);
                    let took = started.elapsed();
                    record_lag(store.as_ref(), seq).await;
                    if !full {
                        let gap = (took * COMMIT_GAP_PER_BATCH)
                            .clamp(*COMMIT_GAP.start(), *COMMIT_GAP.end());
                        caught_up_at = Some((std::time::Instant::now(), gap));
                    }
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

/// Indexes one batch of changes after `after`; the new cursor and whether
/// the batch was full (more may be waiting), or `None` when there was
/// nothing new.
async fn follow(
    store: &Arc<dyn Store>,
    index: &Arc<SearchIndex>,
    writer: &Arc<Mutex<IndexWriter>>,
    after: i64,
) -> crate::error::SetupResult<Option<(i64, bool)>> {
    let changes = store.customer_changes_after(after, BATCH).await?;
    let Some(&(last, _)) = changes.last() else {
        return Ok(None);
    };
    let full = changes.len() as i64 >= BATCH;
    let mut seen = HashSet::new();
    let ids: Vec<CustomerId> = changes
        .into_iter()
        .map(|(_, id)| id)
        .filter(|id| seen.insert(id.clone()))
        .collect();
    let sources = store.search_sources(CustomerPage::Ids(&ids)).await?;
    let (index, writer) = (index.clone(), writer.clone());
    let count = ids.len();
    tokio::task::spawn_blocking(move || -> crate::error::SetupResult<()> {
        let mut docs: HashMap<CustomerId, Option<SearchDoc>> = sources
            .iter()
            .map(|s| (s.customer.id.clone(), doc_of(s)))
            .collect();
        let mut writer = writer
            .lock()
            .map_err(|_| crate::error::SetupError::new("index writer poisoned"))?;
        // A customer the store no longer holds (erased) is removed.
        for id in &ids {
            let doc = docs.remove(id).flatten();
            index.upsert(&writer, id.as_str(), doc.as_ref())?;
        }
        index.commit(&mut writer, last)
    })
    .await??;
    tracing::debug!(customers = count, seq = last, "search index updated");
    Ok(Some((last, full)))
}

/// Rebuilds the whole index from the store; returns the outbox sequence it
/// reflects and how many customers it holds. Changes committed while it
/// runs are after that sequence and are indexed again by `follow`. One
/// task reads pages from the store while a blocking thread turns the
/// previous pages into documents for the writer's threads, so the database
/// and tantivy work at the same time.
pub async fn rebuild(
    store: Arc<dyn Store>,
    index: Arc<SearchIndex>,
    writer: Arc<Mutex<IndexWriter>>,
) -> crate::error::SetupResult<(i64, u64)> {
    let head = store.outbox_head().await?;
    let (pages, mut received) = tokio::sync::mpsc::channel::<Vec<SearchSource>>(PIPELINE_PAGES);
    let mut readers = tokio::task::JoinSet::new();
    for (after, until) in id_slices(READERS) {
        readers.spawn(read_slice(store.clone(), after, until, pages.clone()));
    }
    drop(pages);
    let (index2, writer2) = (index.clone(), writer.clone());
    let indexed = tokio::task::spawn_blocking(move || -> crate::error::SetupResult<u64> {
        let writer = writer2
            .lock()
            .map_err(|_| crate::error::SetupError::new("index writer poisoned"))?;
        writer.delete_all_documents()?;
        let mut n = 0;
        while let Some(sources) = received.blocking_recv() {
            for doc in sources.iter().filter_map(doc_of) {
                index2.upsert_new(&writer, &doc)?;
                n += 1;
            }
        }
        Ok(n)
    })
    .await?;
    let mut read = Ok(());
    while let Some(done) = readers.join_next().await {
        if let Err(e) = done? {
            read = Err(e);
        }
    }
    tokio::task::spawn_blocking(move || -> crate::error::SetupResult<u64> {
        let mut writer = writer
            .lock()
            .map_err(|_| crate::error::SetupError::new("index writer poisoned"))?;
        // Never commit half an index: the old one stays until a rebuild
        // completes.
        match (indexed, read) {
            (Ok(count), Ok(())) => {
                index.commit(&mut writer, head)?;
                Ok(count)
            }
            (Err(e), _) => {
                writer.rollback()?;
                Err(e)
            }
            (_, Err(e)) => {
                writer.rollback()?;
                Err(e.into())
            }
        }
    })
    .await?
    .map(|count| (head, count))
}

/// Reads the customers with IDs in (`after`, `until`] page by page into
/// `pages`; stops early when the indexing side has gone.
async fn read_slice(
    store: Arc<dyn Store>,
    mut after: Option<CustomerId>,
    until: Option<CustomerId>,
    pages: tokio::sync::mpsc::Sender<Vec<SearchSource>>,
) -> StoreResult<()> {
    loop {
        let page = CustomerPage::After {
            after: after.as_ref(),
            until: until.as_ref(),
            limit: BATCH,
        };
        let sources = store.search_sources(page).await?;
        let Some(last) = sources.last().map(|s| s.customer.id.clone()) else {
            return Ok(());
        };
        if pages.send(sources).await.is_err() {
            return Ok(());
        }
        after = Some(last);
    }
}

/// `n` (at most 16) slices covering every customer ID: IDs are random
/// UUIDs, so slices cut at leading hex digits hold about as many each.
fn id_slices(n: usize) -> Vec<(Option<CustomerId>, Option<CustomerId>)> {
    let n = n.clamp(1, 16);
    let cuts: Vec<Option<CustomerId>> = (1..n)
        .map(|k| {
            CustomerId::parse(&format!(
                "{:x}0000000-0000-0000-0000-000000000000",
                16 * k / n
            ))
            .ok()
        })
        .collect();
    let mut bounds = vec![None];
    bounds.extend(cuts);
    bounds.push(None);
    bounds
        .windows(2)
        .map(|w| (w[0].clone(), w[1].clone()))
        .collect()
}

/// A customer's search document from what the store holds (`None` when it
/// should not be found: merged away).
pub fn doc_of(source: &SearchSource) -> Option<SearchDoc> {
    let customer = &source.customer;
    if customer.merged_into.is_some() {
        return None;
    }
    // Records that still hold exactly the customer's facts add nothing.
    let others: Vec<&Person> = source
        .linked
        .iter()
        .filter(|p| **p != customer.person)
        .collect();
    let previous: Vec<&Address> = customer
        .previous_addresses
        .iter()
        .map(|p| &p.address)
        .collect();
    let mut doc = SearchDoc::new(&customer.id, &customer.person, &previous, &others);
    doc.restricted = !crate::policy::view::open_to_all_staff(&customer.flags);
    Some(doc)
}
