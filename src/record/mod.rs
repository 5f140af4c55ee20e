//! The customer record and its validated values. Everything here is made by
//! `parse`, so a value that exists is a valid one.

mod address;
mod birth_date;
mod flags;
mod ids;
pub mod limits;
mod name;
mod objection;
mod postcode;

pub use address::{Address, Uprn};
pub use birth_date::BirthDate;
pub use flags::{BasisKind, Flags, LegalHold, MinorBasis, NeedToKnowGrant};
pub use ids::{CustomerId, LocalId, SystemCode};
pub use name::PersonName;
pub use objection::{Objection, ObjectionScope};
pub use postcode::{Postcode, is_outward};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::error::{FieldViolation, Violations};

/// A departmental ID: which system, and its own ID there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LinkRef {
    pub system: SystemCode,
    pub local_id: LocalId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Unspecified,
    Female,
    Male,
    Other,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Unspecified => "unspecified",
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "unspecified" => Gender::Unspecified,
            "female" => Gender::Female,
            "male" => Gender::Male,
            "other" => Gender::Other,
            _ => return None,
        })
    }
}

/// What one departmental system holds about a person, validated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepartmentalRecord {
    pub system: SystemCode,
    pub local_id: LocalId,
    pub person: Person,
}

/// The minimal facts the hub keeps about a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub name: PersonName,
    pub date_of_birth: BirthDate,
    pub gender: Gender,
    pub address: Address,
}

/// The link from one departmental ID to a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub system: SystemCode,
    pub local_id: LocalId,
    pub linked_at: DateTime<Utc>,
    pub method: String,
    pub confidence: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreviousAddress {
    pub address: Address,
    pub until: DateTime<Utc>,
}

/// The hub's one record of a person, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Customer {
    pub id: CustomerId,
    pub person: Person,
    pub previous_addresses: Vec<PreviousAddress>,
    pub links: Vec<Link>,
    /// Optimistic-concurrency version: a write names the version it read.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set once this customer was merged into another (its survivor).
    pub merged_into: Option<CustomerId>,
    pub flags: Flags,
}

impl Customer {
    /// A customer first made from one departmental record: version 1, no
    /// links or history yet (the same change inserts its first link).
    pub fn new(id: CustomerId, person: Person, flags: Flags, now: DateTime<Utc>) -> Self {
        Self {
            id,
            person,
            previous_addresses: Vec::new(),
            links: Vec::new(),
            version: 1,
            created_at: now,
            updated_at: now,
            merged_into: None,
            flags,
        }
    }

    /// The systems holding this customer, one entry per link: what the
    /// role table asks of a department.
    pub fn linked_systems(&self) -> Vec<SystemCode> {
        self.links.iter().map(|l| l.system.clone()).collect()
    }
}
