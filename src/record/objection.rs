//! A person's objection to processing (the right to object) as recorded by
//! the DPO. What an objection stops is decided in `policy::propagation`.

use super::CustomerId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionScope {
    /// No address change is passed on to any department while it stands.
    AddressSharing,
    /// Processing as a whole: recorded for the DPO to weigh; it changes
    /// nothing by itself (the DPO may restrict processing).
    AllProcessing,
}

impl ObjectionScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionScope::AddressSharing => "address_sharing",
            ObjectionScope::AllProcessing => "all_processing",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "address_sharing" => Some(ObjectionScope::AddressSharing),
            "all_processing" => Some(ObjectionScope::AllProcessing),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    pub customer_id: CustomerId,
    pub scope: ObjectionScope,
    /// The person's grounds, in their words (personal data: erased with them).
    pub grounds: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
}

impl Objection {
    pub fn active(&self) -> bool {
        self.withdrawn_at.is_none()
    }
}
