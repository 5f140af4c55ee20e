//! The values a hub operation hands to `Store::apply`: one state change with
//! its audit entries and outbox events, written together or not at all.

use crate::auth::Role;
use crate::record::{
    Customer, CustomerId, DepartmentalRecord, Flags, Link, NeedToKnowGrant, Person, PreviousAddress,
};
use crate::review::{Lineage, LinkRef, ReviewStatus, ReviewTask};
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
    SaveWeights {
        weights: String,
        pairs: i64,
        at: DateTime<Utc>,
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
}

/// The chain's head: how many chained entries there are, and the last.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditHead {
    pub entries: i64,
    pub last_seq: i64,
    pub hash: String,
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
