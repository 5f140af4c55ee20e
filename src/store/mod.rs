//! Persistence. The `Store` trait is what the hub sees; `sqlite` and
//! `postgres` implement it with one shared body of SQL (`sql/`), whose one
//! `impl Store` also opens each call's span (`store.<operation>`, IDs and
//! counts only); this module is the only one that names sqlx.

mod change;
mod postgres;
mod privacy_rows;
mod rights_rows;
mod rows;
mod sources;
mod sql;
mod sqlite;

pub use change::{
    AuditEntry, AuditHead, CandidateRecord, Change, KeyMembers, KeyedCandidates, MatchIndex,
    NewEvent, Op, RegisteredCaller, StoredAudit, StoredEvent, StoredRequest, VerificationFact,
};
pub use postgres::PostgresStore;
pub use rights_rows::{CustomerActivity, EqualitiesRow};
pub use sources::{CustomerPage, SearchSource};
pub use sqlite::SqliteStore;

use crate::auth::Caller;
use crate::error::Error;
use crate::record::LinkRef;
use crate::record::{Customer, CustomerId, DepartmentalRecord, Link, LocalId, SystemCode};
use crate::review::{Lineage, ReviewTask};
use async_trait::async_trait;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A concurrent writer got there first (unique key or version clash);
    /// the caller re-reads and tries again.
    #[error("conflicting concurrent write")]
    Conflict,
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Internal(String),
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => Error::Unavailable("concurrent update, please retry".into()),
            StoreError::Unavailable(m) => Error::Unavailable(m),
            StoreError::Internal(m) => Error::Internal(m),
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        match &e {
            sqlx::Error::Database(db) if matches!(db.kind(), ErrorKind::UniqueViolation) => {
                StoreError::Conflict
            }
            // SQLSTATE 40001/40P01: serialization failure or deadlock; retry.
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("40001" | "40P01")) =>
            {
                StoreError::Conflict
            }
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                StoreError::Unavailable(e.to_string())
            }
            _ => StoreError::Internal(e.to_string()),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A departmental ID's link with the record its system last submitted.
#[derive(Debug, Clone)]
pub struct LinkedRecord {
    pub customer_id: CustomerId,
    pub link: Link,
    pub record: DepartmentalRecord,
}

/// Where a dispatcher delivers events (e.g. NATS JetStream).
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Delivers the batch in order; an error leaves the cursor where it was.
    async fn publish(&self, events: &[StoredEvent]) -> Result<(), String>;
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// The keys this store signs audit entries with (and verifies by).
    fn audit_keys(&self) -> &crate::audit::Keyring;

    /// Whether other processes may write this store at the same time
    /// (replicas over one PostgreSQL), so that in-process locks alone do
    /// not serialise writers.
    fn concurrent_writers(&self) -> bool;

    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;

    /// Brings the query planner's statistics up to date after a bulk load,
    /// where the database's own upkeep may lag or be switched off.
    async fn refresh_statistics(&self) -> StoreResult<()>;

    async fn find_link(
        &self,
        system: &SystemCode,
        local_id: &LocalId,
    ) -> StoreResult<Option<LinkedRecord>>;

    /// How many linked records hold each of `values`, and each counted
    /// field's totals (`matching::frequency`).
    async fn value_counts(
        &self,
        values: &[(crate::matching::compare::Field, String)],
    ) -> StoreResult<crate::matching::Frequencies>;

    /// Counts every link's values afresh (repairing any drift); returns
    /// the links counted.
    async fn recount_values(&self) -> StoreResult<usize>;

    /// The links of many departmental IDs at once (those that exist).
    async fn find_links(&self, ids: &[crate::record::LinkRef]) -> StoreResult<Vec<LinkedRecord>>;

    /// Who holds each key, from the key index alone: each key's count
    /// (capped at `per_key_limit + 1`) and, for keys within the limit,
    /// their records' departmental IDs. A batch of submissions picks the
    /// records worth reading from this.
    async fn key_members(&self, keys: &[String], per_key_limit: i64) -> StoreResult<KeyMembers>;

    /// The matching form of the given departmental records (those linked).
    async fn candidate_records(
        &self,
        links: &[crate::record::LinkRef],
    ) -> StoreResult<Vec<CandidateRecord>>;

    /// `find_request` for many request IDs of one scope: (request ID, answer).
    async fn find_requests(
        &self,
        scope: &str,
        request_ids: &[String],
    ) -> StoreResult<Vec<(String, StoredRequest)>>;

    /// Which of these departmental-ID hashes (`link_hash`) were erased.
    async fn erased_links(&self, link_hashes: &[String]) -> StoreResult<Vec<String>>;

    /// The customer with its address history and links (merged or not).
    async fn load_customer(&self, id: &CustomerId) -> StoreResult<Option<Customer>>;

    async fn review_task(&self, id: &str) -> StoreResult<Option<ReviewTask>>;

    /// Tasks after `after` in queue order (the likeliest first: score
    /// descending, then the order they were queued), open ones only unless
    /// `include_resolved`.
    async fn review_tasks(
        &self,
        after: Option<crate::review::QueuePlace>,
        limit: i64,
        include_resolved: bool,
    ) -> StoreResult<Vec<ReviewTask>>;

    /// The pairs among `customers` a steward decided are different people
    /// (by a split, or a review task's decision).
    async fn distinct_pairs_among(
        &self,
        customers: &[CustomerId],
    ) -> StoreResult<Vec<(CustomerId, CustomerId)>>;

    /// Whether a steward decided these two are different people.
    async fn known_distinct(&self, a: &CustomerId, b: &CustomerId) -> StoreResult<bool>;

    /// The merges and splits a customer took part in, oldest first.
    async fn lineage(&self, id: &CustomerId) -> StoreResult<Vec<Lineage>>;

    /// The newest trained weights (JSON), if any.
    async fn latest_weights(&self) -> StoreResult<Option<String>>;

    /// Every linked record in the matcher's form, in pages after a link.
    async fn match_records(
        &self,
        after: Option<&LinkRef>,
        limit: i64,
    ) -> StoreResult<Vec<CandidateRecord>>;

    async fn consent_history(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Vec<crate::consent::ConsentEvent>>;

    /// Events for `system` after `after_seq`, in sequence order.
    async fn events_for(
        &self,
        system: &SystemCode,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<StoredEvent>>;

    /// Every outbox row after `after_seq` (internal rows included) as
    /// (sequence, customer), in sequence order: the search indexer's feed.
    async fn customer_changes_after(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<(i64, CustomerId)>>;

    /// The newest outbox sequence number (0 when empty).
    async fn outbox_head(&self) -> StoreResult<i64>;

    /// Customer IDs (merged ones included) in ID order after `after`.
    async fn customer_ids_after(
        &self,
        after: Option<&CustomerId>,
        limit: i64,
    ) -> StoreResult<Vec<CustomerId>>;

    /// The search indexer's input for a page of customers: each with its
    /// address history, flags, links and each link's departmental record.
    async fn search_sources(&self, page: CustomerPage<'_>) -> StoreResult<Vec<SearchSource>>;

    async fn verification_facts(&self, customer: &CustomerId)
    -> StoreResult<Vec<VerificationFact>>;

    /// Failed verification attempts for the customer at or after `since`.
    async fn verification_failures_since(
        &self,
        customer: &CustomerId,
        since: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<i64>;

    /// Until when the customer is locked for verification, if ever.
    async fn verification_locked_until(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Option<chrono::DateTime<chrono::Utc>>>;

    /// Events for every system after `after_seq`, in sequence order.
    async fn events_after(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<StoredEvent>>;

    async fn subscriber_cursor(&self, system: &SystemCode) -> StoreResult<Option<i64>>;

    /// Moves the cursor forward (never back).
    async fn acknowledge(
        &self,
        system: &SystemCode,
        seq: i64,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;

    async fn dispatch_cursor(&self, name: &str) -> StoreResult<i64>;

    async fn set_dispatch_cursor(
        &self,
        name: &str,
        seq: i64,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;

    /// Delivers the next batch of the outbox after the dispatcher `name`'s
    /// cursor to `sink`, and advances the cursor once the sink accepted it.
    /// Returns how many events went; 0 when there were none, or when another
    /// replica holds the dispatcher (PostgreSQL: one leader per batch).
    async fn dispatch(&self, name: &str, limit: i64, sink: &dyn EventSink) -> StoreResult<usize>;

    /// Changes whenever events commit, on this replica or (PostgreSQL)
    /// any other: subscribers wait on it instead of polling.
    fn outbox_signal(&self) -> tokio::sync::watch::Receiver<u64>;

    async fn find_request(
        &self,
        scope: &str,
        request_id: &str,
    ) -> StoreResult<Option<StoredRequest>>;

    /// Writes the change — state, audit entries and outbox events — in one
    /// transaction. Returns the sequence number of its last event, if any.
    async fn apply(&self, change: Change) -> StoreResult<Option<i64>>;

    /// Need-to-know grants on a customer, revoked and expired included.
    async fn need_to_know_grants(
        &self,
        customer: &CustomerId,
    ) -> StoreResult<Vec<crate::record::NeedToKnowGrant>>;

    /// The customer an erased departmental ID (its `link_hash`) belonged to.
    async fn erased_link(&self, link_hash: &str) -> StoreResult<Option<CustomerId>>;

    /// Customers held on a minor's exception (for the sweep).
    async fn restricted_customers(&self) -> StoreResult<Vec<CustomerId>>;

    /// Audit entries after `after_seq` in sequence order.
    async fn audit_entries(&self, after_seq: i64, limit: i64) -> StoreResult<Vec<StoredAudit>>;

    /// Audit entries naming the customer, oldest first.
    async fn access_records(
        &self,
        customer: &CustomerId,
        after_seq: i64,
        limit: i64,
    ) -> StoreResult<Vec<StoredAudit>>;

    async fn audit_head(&self) -> StoreResult<AuditHead>;

    /// The customer's objections, withdrawn ones included, oldest first.
    async fn objections(&self, customer: &CustomerId)
    -> StoreResult<Vec<crate::record::Objection>>;

    /// Current (not merged) customers in ID order after `after`, with the
    /// times of their last change, newest link and newest audit entry.
    async fn customer_activity(
        &self,
        after: Option<&CustomerId>,
        limit: i64,
    ) -> StoreResult<Vec<CustomerActivity>>;

    /// Counts of current customers (not merged, not restricted, processing
    /// not restricted) by gender and date of birth, and per linked system
    /// when `by_system` (a customer counts once in each system holding it).
    async fn equalities_counts(&self, by_system: bool) -> StoreResult<Vec<EqualitiesRow>>;

    /// An active (unrevoked) registered caller by token hash.
    async fn caller_by_token_hash(&self, token_sha256: &str) -> StoreResult<Option<Caller>>;

    async fn list_callers(&self) -> StoreResult<Vec<RegisteredCaller>>;
}

/// Opens the store named by the URL's scheme (`sqlite:` or `postgres:`) and
/// brings its schema, and its blocking keys (`blocking::SCHEME`), up to
/// date. The audit entries it appends are signed with `audit_keys`'
/// active key. Every call on it opens a span.
pub async fn open(
    url: &str,
    audit_keys: Arc<crate::audit::Keyring>,
) -> crate::error::SetupResult<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url, audit_keys).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(PostgresStore::open(url, audit_keys).await?))
    } else {
        Err(crate::error::SetupError::new(
            "database URL must start with sqlite: or postgres:",
        ))
    }
}
