//! The values a hub operation hands to `Store::apply`: one state change with
//! its audit entries and outbox events, written together or not at all.

use crate::auth::Role;
use crate::record::LinkRef;
use crate::record::{
    Customer, CustomerId, DepartmentalRecord, Flags, Link, NeedToKnowGrant, Person, PreviousAddress,
};
use crate::review::{Lineage, ReviewStatus, ReviewTask};
use chrono::{DateTime, Utc};

#[derive(Debug, Default)]
pub struct Change {
    pub ops: Vec<Op>,
    pub audit: Vec<AuditEntry>,
    pub events: Vec<NewEvent>,
}

#[derive(Debug)]
pub enum Op {
    InsertCustomer {
        customer: Customer,
    },
    /// Replaces the person's facts if the stored version is still
    /// `expected_version`; otherwise the whole change fails with `Conflict`.
    UpdateCustomer {
        id: CustomerId,
        expected_version: i64,
        person: Person,
        archived_address: Option<PreviousAddress>,
        at: DateTime<Utc>,
    },
    /// Bumps the version (serialising writers) or fails with `Conflict`.
    TouchCustomer {
        id: CustomerId,
        expected_version: i64,
        at: DateTime<Utc>,
    },
    AddPreviousAddresses {
        id: CustomerId,
        addresses: Vec<PreviousAddress>,
    },
    /// Fails with `Conflict` if the departmental ID is already linked.
    InsertLink {
        customer_id: CustomerId,
        link: Link,
        record: DepartmentalRecord,
        matching: MatchIndex,
    },
    UpdateLinkRecord {
        record: DepartmentalRecord,
        matching: MatchIndex,
        at: DateTime<Utc>,
    },
    /// Moves links from one customer to another; fails with `Conflict` if
    /// any named link is not on `from`.
    MoveLinks {
        from: CustomerId,
        to: CustomerId,
        links: Vec<LinkRef>,
    },
    /// Marks `id` merged into `into` (and re-points earlier merges into it).
    MarkMerged {
        id: CustomerId,
        into: CustomerId,
        expected_version: i64,
        at: DateTime<Utc>,
    },
    InsertLineage(Lineage),
    InsertReviewTask(ReviewTask),
    /// Closes an open task; fails with `Conflict` if it is not open.
    ResolveReviewTask {
        id: String,
        status: ReviewStatus,
        by: String,
        at: DateTime<Utc>,
    },
    /// Open tasks naming `from` name `to` instead; a task that would pair a
    /// customer with itself becomes obsolete.
    RetargetReviewTasks {
        from: CustomerId,
        to: CustomerId,
        at: DateTime<Utc>,
    },
    InsertDistinctPair {
        a: CustomerId,
        b: CustomerId,
        by: String,
        at: DateTime<Utc>,
    },
    DeleteDistinctPair {
        a: CustomerId,
        b: CustomerId,
    },
    InsertConsent(crate::consent::ConsentEvent),
    /// Replaces the customer's privacy flags (restriction, minor's basis,
    /// legal hold). Callers serialise on the customer's lock.
    SetFlags {
        id: CustomerId,
        flags: Flags,
    },
    InsertGrant(NeedToKnowGrant),
    /// Deletes the customer's personal data everywhere (with any customers
    /// merged into it) and leaves the tombstone: the ID, why, by whom, and
    /// the SHA-256 of each departmental ID it held.
    EraseCustomer {
        id: CustomerId,
        link_hashes: Vec<String>,
        reason: String,
        by: String,
        at: DateTime<Utc>,
    },
    /// Revokes the grantee's active grants on the customer.
    RevokeGrants {
        customer_id: CustomerId,
        grantee: String,
        at: DateTime<Utc>,
    },
    /// Records an objection (the right to object).
    InsertObjection(crate::record::Objection),
    /// Withdraws the customer's active objections of `scope`.
    WithdrawObjections {
        customer_id: CustomerId,
        scope: crate::record::ObjectionScope,
        by: String,
        at: DateTime<Utc>,
    },
    SaveWeights {
        weights: String,
        pairs: i64,
        at: DateTime<Utc>,
    },
    /// Replaces the customer's verification facts of the same kinds.
    SetVerificationFacts {
        customer_id: CustomerId,
        facts: Vec<VerificationFact>,
        by: String,
        at: DateTime<Utc>,
    },
    /// Serialises identity-verification attempts on the customer, across
    /// replicas, until commit, and fails the whole change with `Conflict`
    /// unless exactly `failures` failed attempts were recorded at or after
    /// `since` and the customer is not locked at `at`: the state the hub
    /// decided on (whether this attempt locks) still holds.
    ExpectVerificationState {
        customer_id: CustomerId,
        since: DateTime<Utc>,
        failures: i64,
        at: DateTime<Utc>,
    },
    /// One identity-verification attempt (never what was claimed).
    RecordVerificationAttempt {
        customer_id: CustomerId,
        succeeded: bool,
        at: DateTime<Utc>,
    },
    /// Locks the customer for verification until `until`.
    LockVerification {
        customer_id: CustomerId,
        until: DateTime<Utc>,
        at: DateTime<Utc>,
    },
    /// Registers a caller known by the SHA-256 of its token; fails with
    /// `Conflict` when the name was ever used (revoked names stay taken, so
    /// audit entries under a name always mean one credential).
    InsertCaller {
        caller: RegisteredCaller,
        token_sha256: String,
    },
    /// Revokes the active caller `name`; fails with `Conflict` if none is.
    RevokeCaller {
        name: String,
        at: DateTime<Utc>,
    },
    /// Changes the value counts the matcher weighs by (net per value).
    CountValues(Vec<crate::matching::ValueDelta>),
    /// Seals an audit head never sealed before (a log written before
    /// audit keys), after the operator verified it: fails with `Conflict`
    /// unless the head is still exactly `expected` and unsealed.
    SealAuditHead {
        expected: AuditHead,
    },
    /// Fails with `Conflict` if the request ID was already used.
    SaveRequest {
        scope: String,
        request_id: String,
        fingerprint: String,
        response: String,
        at: DateTime<Utc>,
    },
}

impl Op {
    /// When the op happened, where it says (from the hub's clock).
    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            Op::InsertCustomer { customer } => Some(customer.updated_at),
            Op::InsertLink { link, .. } => Some(link.linked_at),
            Op::UpdateCustomer { at, .. }
            | Op::TouchCustomer { at, .. }
            | Op::UpdateLinkRecord { at, .. }
            | Op::MarkMerged { at, .. }
            | Op::ResolveReviewTask { at, .. }
            | Op::RetargetReviewTasks { at, .. }
            | Op::InsertDistinctPair { at, .. }
            | Op::EraseCustomer { at, .. }
            | Op::RevokeGrants { at, .. }
            | Op::WithdrawObjections { at, .. }
            | Op::SaveWeights { at, .. }
            | Op::SetVerificationFacts { at, .. }
            | Op::ExpectVerificationState { at, .. }
            | Op::RecordVerificationAttempt { at, .. }
            | Op::LockVerification { at, .. }
            | Op::RevokeCaller { at, .. }
            | Op::SaveRequest { at, .. } => Some(*at),
            _ => None,
        }
    }

    /// The customer whose searchable facts this op changes, if any. The
    /// store writes an internal outbox row (system `''`) naming it, so the
    /// search indexer hears of every such change; subscribers never see
    /// these rows. `UpdateLinkRecord` names its customer through the link
    /// (looked up by the store). Exhaustive: a new op must say.
    pub fn changed_customer(&self) -> Option<&CustomerId> {
        match self {
            Op::InsertCustomer { customer } => Some(&customer.id),
            Op::UpdateCustomer { id, .. }
            | Op::TouchCustomer { id, .. }
            | Op::AddPreviousAddresses { id, .. }
            | Op::MarkMerged { id, .. }
            // Restriction flags decide who may find the record; an erased
            // customer no longer loads, so the indexer drops it.
            | Op::SetFlags { id, .. }
            | Op::EraseCustomer { id, .. } => Some(id),
            Op::InsertLink { customer_id, .. } => Some(customer_id),
            // Both ends change; `changed_customers` adds `to`.
            Op::MoveLinks { from, .. } => Some(from),
            Op::UpdateLinkRecord { .. }
            | Op::InsertLineage(_)
            | Op::InsertReviewTask(_)
            | Op::ResolveReviewTask { .. }
            | Op::RetargetReviewTasks { .. }
            | Op::InsertDistinctPair { .. }
            | Op::DeleteDistinctPair { .. }
            | Op::InsertConsent(_)
            // Grants are checked per caller when searching.
            | Op::InsertGrant(_)
            | Op::RevokeGrants { .. }
            // Objections change routing, not what search finds.
            | Op::InsertObjection(_)
            | Op::WithdrawObjections { .. }
            | Op::SaveWeights { .. }
            | Op::SetVerificationFacts { .. }
            | Op::ExpectVerificationState { .. }
            | Op::RecordVerificationAttempt { .. }
            | Op::LockVerification { .. }
            | Op::InsertCaller { .. }
            | Op::RevokeCaller { .. }
            | Op::SealAuditHead { .. }
            | Op::CountValues(_)
            | Op::SaveRequest { .. } => None,
        }
    }
}

impl Change {
    /// Every customer the ops change (see `Op::changed_customer`), once each.
    /// When the change happened: the latest time its ops, audit entries
    /// and events state (all from the hub's injected clock); the store
    /// stamps its internal rows with it rather than reading a clock of
    /// its own.
    pub fn occurred_at(&self) -> Option<DateTime<Utc>> {
        let ops = self.ops.iter().filter_map(Op::at);
        let audit = self.audit.iter().map(|a| a.at);
        let events = self.events.iter().map(|e| e.at);
        ops.chain(audit).chain(events).max()
    }

    pub fn changed_customers(&self) -> Vec<CustomerId> {
        // A set as well as the list: a batched change names thousands.
        let mut ids: Vec<CustomerId> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for op in &self.ops {
            let mut push = |id: &CustomerId| {
                if seen.insert(id.clone()) {
                    ids.push(id.clone());
                }
            };
            if let Some(id) = op.changed_customer() {
                push(id);
            }
            if let Op::MoveLinks { to, .. } | Op::MarkMerged { into: to, .. } = op {
                push(to);
            }
        }
        ids
    }
}

/// A verification fact as held: a salted hash of the normalised value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationFact {
    pub kind: String,
    pub salt: String,
    pub hash: String,
}

/// What the matcher needs of a departmental record: its normalised form
/// (JSON) and its blocking keys.
#[derive(Debug, Clone, Default)]
pub struct MatchIndex {
    pub normalised: String,
    pub keys: Vec<String>,
}

/// Who did what to whom, and why. Carries IDs only, never personal data.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub caller: String,
    pub role: Role,
    pub operation: String,
    pub customer_id: Option<CustomerId>,
    pub purpose: Option<String>,
}

/// An audit entry as stored, with its place in the hash chain (no hashes
/// for entries written before the chain existed).
#[derive(Debug, Clone)]
pub struct StoredAudit {
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    /// The audit key whose MAC `hash` is; `None` for a plain SHA-256
    /// from before the chain was keyed.
    pub key_id: Option<String>,
}

/// The chain's head: how many chained entries there are, and the last,
/// sealed with the active audit key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditHead {
    pub entries: i64,
    pub last_seq: i64,
    pub hash: String,
    /// The first keyed entry's sequence (0 while there is none).
    pub keyed_from: i64,
    /// The key that sealed the head and its MAC (`None` until the first
    /// keyed append).
    pub key_id: Option<String>,
    pub mac: Option<String>,
}

/// One event for one receiving system (routing is decided before writing).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_id: String,
    pub system: crate::record::SystemCode,
    pub customer_id: CustomerId,
    pub event_type: String,
    pub data: serde_json::Value,
    pub at: DateTime<Utc>,
}

/// The answer first given to an idempotent request.
#[derive(Debug, Clone)]
pub struct StoredRequest {
    pub fingerprint: String,
    pub response: String,
}

/// A caller registered through the Admin service.
#[derive(Debug, Clone)]
pub struct RegisteredCaller {
    pub name: String,
    pub role: Role,
    pub system: Option<crate::record::SystemCode>,
    pub created_at: DateTime<Utc>,
}

/// A departmental record found by blocking, in the matcher's form.
#[derive(Debug, Clone)]
pub struct CandidateRecord {
    pub customer_id: CustomerId,
    /// The customer's flags: restricted customers are not matched into.
    pub flags: Flags,
    pub link: LinkRef,
    pub normalised: String,
}

/// Who holds each of many blocking keys (`Store::key_members`), read from
/// the key index alone, before any record is.
#[derive(Debug, Clone, Default)]
pub struct KeyMembers {
    /// Records holding each key, counted no further than the limit + 1.
    pub counts: std::collections::HashMap<String, i64>,
    /// For each key within the limit, its records (indexes into `links`).
    pub by_key: std::collections::HashMap<String, Vec<usize>>,
    /// Each record met, once.
    pub links: Vec<LinkRef>,
}

/// Candidate records for many records' blocking keys: the key counts of
/// `KeyMembers` and those of its records that were read.
#[derive(Debug, Clone, Default)]
pub struct KeyedCandidates {
    /// Records holding each key, counted no further than the limit + 1.
    pub counts: std::collections::HashMap<String, i64>,
    /// For each key within the limit, its records that were read (indexes
    /// into `records`).
    pub by_key: std::collections::HashMap<String, Vec<usize>>,
    /// Each record read, once.
    pub records: Vec<CandidateRecord>,
    /// The counts of the values of the records being matched.
    pub frequencies: crate::matching::Frequencies,
    /// Pairs of the records' customers a steward decided are different
    /// people, in both orders.
    pub distinct: std::collections::HashSet<(CustomerId, CustomerId)>,
}

impl KeyedCandidates {
    /// `members` with `records` (some of its links, read) in place of links.
    pub fn assemble(members: KeyMembers, records: Vec<CandidateRecord>) -> Self {
        let at: std::collections::HashMap<&LinkRef, usize> = records
            .iter()
            .enumerate()
            .map(|(i, r)| (&r.link, i))
            .collect();
        let by_key = members
            .by_key
            .into_iter()
            .map(|(key, held)| {
                let read: Vec<usize> = held
                    .into_iter()
                    .filter_map(|m| at.get(&members.links[m]).copied())
                    .collect();
                (key, read)
            })
            .collect();
        Self {
            counts: members.counts,
            by_key,
            records,
            frequencies: Default::default(),
            distinct: Default::default(),
        }
    }
}

/// An event as committed to the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub seq: i64,
    pub event_id: String,
    pub system: String,
    pub customer_id: CustomerId,
    pub event_type: String,
    pub data: String,
    pub at: DateTime<Utc>,
}
