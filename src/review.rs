//! The steward's side of linkage: review tasks for possible matches, their
//! decisions, and the lineage of merges and splits.

use crate::record::{CustomerId, LinkRef};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    Open,
    SamePerson,
    DifferentPeople,
    /// Overtaken by another decision (e.g. the two were merged meanwhile).
    Obsolete,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::SamePerson => "same_person",
            ReviewStatus::DifferentPeople => "different_people",
            ReviewStatus::Obsolete => "obsolete",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            ReviewStatus::Open,
            ReviewStatus::SamePerson,
            ReviewStatus::DifferentPeople,
            ReviewStatus::Obsolete,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
    }
}

/// A place in the review queue, which runs most likely first: tasks with
/// a higher score, then those queued earlier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QueuePlace {
    pub score: f64,
    pub seq: i64,
}

/// "Is the new customer the same person as the candidate?"
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewTask {
    pub id: String,
    /// Position in the queue; pages are cut by it.
    pub seq: i64,
    pub customer_id: CustomerId,
    pub candidate_id: CustomerId,
    pub score: f64,
    /// The matcher's field-by-field explanation, as JSON.
    pub explanation: serde_json::Value,
    pub status: ReviewStatus,
    pub created_at: DateTime<Utc>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineageKind {
    Merge,
    Split,
}

impl LineageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineageKind::Merge => "merge",
            LineageKind::Split => "split",
        }
    }
}

/// One merge (`customer_id` survived, `other_id` merged into it) or split
/// (`other_id` was created from links moved out of `customer_id`).
#[derive(Debug, Clone)]
pub struct Lineage {
    pub kind: LineageKind,
    pub customer_id: CustomerId,
    pub other_id: CustomerId,
    pub links: Vec<LinkRef>,
    pub reason: String,
    pub decided_by: String,
    pub at: DateTime<Utc>,
}

/// Distinct-pair memory is symmetric; store it in one order.
pub fn ordered_pair(a: &CustomerId, b: &CustomerId) -> (CustomerId, CustomerId) {
    if a <= b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

/// How one field compared, as shown to callers and stewards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldScore {
    pub field: String,
    pub level: String,
    pub weight: f64,
}

/// One scored candidate. `customer_id` is `None` where the caller may not
/// learn of that customer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CandidateScore {
    pub customer_id: Option<CustomerId>,
    pub fields: Vec<FieldScore>,
    pub total: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Why a record was linked, queued for review, or made a new customer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Explanation {
    pub candidates: Vec<CandidateScore>,
    pub link_threshold: f64,
    pub review_threshold: f64,
}
