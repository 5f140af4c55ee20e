//! The values a hub operation hands to `Store::apply`: one state change with
//! its audit entries and outbox events, written together or not at all.

use crate::auth::Role;
use crate::record::{Customer, CustomerId, DepartmentalRecord, Link, Person, PreviousAddress};
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
        match_keys: Vec<String>,
    },
    /// Replaces the person's facts if the stored version is still
    /// `expected_version`; otherwise the whole change fails with `Conflict`.
    UpdateCustomer {
        id: CustomerId,
        expected_version: i64,
        person: Person,
        match_keys: Vec<String>,
        archived_address: Option<PreviousAddress>,
        at: DateTime<Utc>,
    },
    /// Fails with `Conflict` if the departmental ID is already linked.
    InsertLink {
        customer_id: CustomerId,
        link: Link,
        record: DepartmentalRecord,
    },
    UpdateLinkRecord {
        record: DepartmentalRecord,
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

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_id: String,
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
