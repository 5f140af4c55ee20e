//! Hub operations: what the service does, free of gRPC. Each operation asks
//! `policy` whether it may happen, `matching` who this is, and hands one
//! `Change` to the store.

mod address;
mod audit_log;
mod callers;
mod consents;
mod erase;
mod events;
mod export;
mod idempotency;
mod intake;
pub mod linkage;
mod merge;
mod objections;
mod privacy;
mod read;
mod recheck;
mod rectify;
mod resubmit;
mod retention;
mod review;
mod rights;
mod search;
mod statistics;
mod submit;
mod sweep;
mod train;
mod verify;

pub use address::{AddressChangeResult, ChangeAddress, ShareWith};
pub use audit_log::verify_audit_log;
pub use callers::{CallerSource, ConfiguredCaller};
pub use consents::ConsentList;
pub use erase::link_hash;
pub use export::SubjectExport;
pub use intake::{SubmitOutcome, SubmitResult};
pub use read::{ReadCustomer, ResolvedLink};
pub use rectify::{RECTIFIABLE_PATHS, Rectification};
pub use retention::RetentionReport;
pub use review::{ReviewDecision, ReviewItem, ReviewPage};
pub use search::{SearchHit, SearchPage, SearchRequest};
pub use submit::SubmitRecord;
pub use sweep::SweepReport;
pub use train::{TrainSummary, train_weights};
pub use verify::{ClaimResult, IdentityClaims, Verification};

use crate::auth::Caller;
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::policy::propagation::{EventKind, Restrictions};
use crate::record::{Customer, CustomerId, LocalId, SystemCode};
use crate::store::{AuditEntry, NewEvent, Store};
use std::sync::Arc;

pub struct Hub {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    configured: Vec<ConfiguredCaller>,
    /// Shared with the batch planner, which runs off the async runtime.
    linker: Arc<linkage::Linker>,
    /// Writes to one departmental ID queue here rather than race to an
    /// optimistic-concurrency conflict; across replicas the store's conflict
    /// check still decides.
    write_locks: Vec<tokio::sync::Mutex<()>>,
    /// Set when the service stops: long-lived streams end so a graceful
    /// shutdown does not wait on subscribers forever.
    closing: tokio::sync::watch::Sender<bool>,
    /// The contact-centre search index (read side); `None` when not running.
    search: Option<Arc<crate::search::SearchIndex>>,
    privacy: PrivacySettings,
}

/// The council's privacy settings the hub applies.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrivacySettings {
    pub minors: crate::policy::minors::MinorSettings,
    pub retention: crate::policy::retention::RetentionSettings,
}

/// Enough that unrelated submissions (a few keys each) rarely queue behind
/// each other; a batch of a thousand records takes most of them.
const WRITE_LOCK_STRIPES: usize = 4096;

impl Hub {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        configured: Vec<ConfiguredCaller>,
    ) -> Self {
        Self {
            store,
            clock,
            configured,
            linker: Arc::new(linkage::Linker::default()),
            write_locks: (0..WRITE_LOCK_STRIPES)
                .map(|_| tokio::sync::Mutex::new(()))
                .collect(),
            closing: tokio::sync::watch::Sender::new(false),
            search: None,
            privacy: PrivacySettings::default(),
        }
    }

    pub fn with_privacy(mut self, privacy: PrivacySettings) -> Self {
        self.privacy = privacy;
        self
    }

    /// Ends open subscriptions; called when the service begins to stop.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Matches with the weights `train-weights` stored (JSON), or the
    /// defaults when there are none.
    pub fn with_weights(mut self, stored: Option<&str>) -> Self {
        self.linker = Arc::new(linkage::Linker::from_stored_weights(stored));
        self
    }

    /// Serves SearchCustomers from this index.
    pub fn with_search(mut self, index: Arc<crate::search::SearchIndex>) -> Self {
        self.search = Some(index);
        self
    }

    /// The in-process lock stripes for keys such as a departmental ID or a
    /// customer ID, taken in stripe order so two writers cannot deadlock.
    async fn lock_keys(&self, keys: &[&str]) -> Vec<tokio::sync::MutexGuard<'_, ()>> {
        use std::hash::{Hash, Hasher};
        let mut stripes: Vec<usize> = keys
            .iter()
            .map(|key| {
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                key.hash(&mut hasher);
                hasher.finish() as usize % WRITE_LOCK_STRIPES
            })
            .collect();
        stripes.sort_unstable();
        stripes.dedup();
        let mut guards = Vec::with_capacity(stripes.len());
        for stripe in stripes {
            guards.push(self.write_locks[stripe].lock().await);
        }
        guards
    }

    /// Loads a customer that must exist.
    async fn customer(&self, id: &CustomerId) -> Result<Customer> {
        self.store
            .load_customer(id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("customer {id}")))
    }

    /// The current customer `id` names, as `caller` stands towards it. A
    /// merged-away ID fails with CUSTOMER_MERGED (naming its survivor) only
    /// for a caller who may see the survivor; to anyone else it is unknown,
    /// as is a customer the caller may not see.
    async fn current_customer(
        &self,
        caller: &Caller,
        id: &CustomerId,
    ) -> Result<(Customer, crate::policy::view::Standing)> {
        let (customer, merged_from) = self.survivor(id).await?;
        let standing = self
            .standing(caller, &customer, || format!("customer {id}"))
            .await?;
        if merged_from.is_some() {
            return Err(Error::FailedPrecondition {
                reason: "CUSTOMER_MERGED",
                message: format!("customer {id} was merged into {}", customer.id),
            });
        }
        Ok((customer, standing))
    }

    /// What silences this customer's events: restricted records and
    /// restricted processing are never propagated.
    fn restrictions(&self, customer: &Customer) -> Restrictions {
        crate::policy::restrictions(&customer.flags)
    }

    /// One outbox event per receiving system, each told its own local IDs.
    fn events(
        &self,
        kind: EventKind,
        customer: &CustomerId,
        recipients: Vec<(SystemCode, Vec<LocalId>)>,
        data: &serde_json::Value,
    ) -> Vec<NewEvent> {
        outbox_events(kind, customer, recipients, data, self.clock.now())
    }

    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    fn audit(
        &self,
        caller: &Caller,
        operation: &str,
        customer: Option<&CustomerId>,
        purpose: Option<&str>,
    ) -> AuditEntry {
        audit_entry(caller, operation, customer, purpose, self.clock.now())
    }
}

/// One outbox event per receiving system, each told its own local IDs.
fn outbox_events(
    kind: EventKind,
    customer: &CustomerId,
    recipients: Vec<(SystemCode, Vec<LocalId>)>,
    data: &serde_json::Value,
    at: chrono::DateTime<chrono::Utc>,
) -> Vec<NewEvent> {
    recipients
        .into_iter()
        .map(|(system, local_ids)| {
            let mut data = data.clone();
            if let Some(fields) = data.as_object_mut() {
                fields.insert("local_ids".into(), serde_json::json!(local_ids));
            }
            NewEvent {
                event_id: uuid::Uuid::new_v4().to_string(),
                system,
                customer_id: customer.clone(),
                event_type: kind.as_str().to_owned(),
                data,
                at,
            }
        })
        .collect()
}

fn audit_entry(
    caller: &Caller,
    operation: &str,
    customer: Option<&CustomerId>,
    purpose: Option<&str>,
    at: chrono::DateTime<chrono::Utc>,
) -> AuditEntry {
    AuditEntry {
        at,
        caller: caller.name.clone(),
        role: caller.role,
        operation: operation.to_owned(),
        customer_id: customer.cloned(),
        purpose: purpose.map(str::to_owned),
    }
}

/// Retries a plan-and-apply step when a concurrent writer wins the race.
const MAX_ATTEMPTS: usize = 5;

/// A requested page size: 0 for the list's default, at most `max`.
fn page_size(requested: usize, default: usize, max: usize) -> Result<usize> {
    match requested {
        0 => Ok(default),
        n if n <= max => Ok(n),
        _ => Err(Error::invalid(
            "page_size",
            format!("must be at most {max}"),
        )),
    }
}

/// Page tokens are opaque to callers: a list's tag and an offset, hex.
fn encode_page_token(tag: &str, offset: usize) -> String {
    hex::encode(format!("{tag}:{offset}"))
}

/// The offset a page token of list `tag` names; empty is the first page.
fn decode_page_token(tag: &str, token: &str) -> Option<usize> {
    if token.is_empty() {
        return Some(0);
    }
    let raw = String::from_utf8(hex::decode(token).ok()?).ok()?;
    raw.strip_prefix(tag)?.strip_prefix(':')?.parse().ok()
}

/// An idempotency key: empty for none.
pub fn parse_request_id(raw: &str) -> Result<Option<String>> {
    use crate::record::limits::{REQUEST_ID, is_forbidden};
    match raw.trim() {
        "" => Ok(None),
        id if id.chars().count() > REQUEST_ID || id.chars().any(is_forbidden) => {
            Err(Error::invalid(
                "request_id",
                format!("must be at most {REQUEST_ID} printable characters"),
            ))
        }
        id => Ok(Some(id.to_owned())),
    }
}

/// A steward's decision must say why; it is kept in the audit trail.
pub fn parse_reason(raw: &str) -> Result<String> {
    parse_text("reason", raw, "a reason is required for this decision")
}

/// A read of a person must say why (every look is for a stated purpose, and audited with it).
pub fn parse_purpose(raw: &str) -> Result<String> {
    parse_text(
        "purpose",
        raw,
        "a purpose is required for every read of a person",
    )
}

pub(super) fn parse_text(field: &str, raw: &str, missing: &str) -> Result<String> {
    use crate::record::limits::{STATEMENT, is_forbidden};
    if raw.chars().any(is_forbidden) {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    let text = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return Err(Error::invalid(field, missing));
    }
    if text.chars().count() > STATEMENT {
        return Err(Error::invalid(
            field,
            format!("must be at most {STATEMENT} characters"),
        ));
    }
    Ok(text)
}
