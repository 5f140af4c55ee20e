//! Row structs as both databases return them, and their conversion to
//! domain values. Values were validated when written, so they are trusted.

use super::CandidateRecord;
use super::{LinkedRecord, RegisteredCaller, StoreError, StoreResult};
use crate::auth::{Caller, Role};
use crate::record::LinkRef;
use crate::record::{
    Address, BirthDate, Customer, CustomerId, DepartmentalRecord, Flags, Gender, Link, LocalId,
    Person, PersonName, Postcode, PreviousAddress, SystemCode, Uprn,
};
use crate::review::{Lineage, LineageKind, ReviewStatus, ReviewTask};
use chrono::{DateTime, NaiveDate, Utc};

pub(super) fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("stored {what} is not valid"))
}

/// A value stored as JSON text.
pub fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

pub fn customer_id(raw: &str) -> StoreResult<CustomerId> {
    CustomerId::parse(raw).map_err(|_| corrupt("customer id"))
}

/// Address columns as stored: lines are a JSON array.
pub fn address_lines_json(address: &Address) -> String {
    serde_json::to_string(&address.lines).unwrap_or_else(|_| "[]".into())
}

fn address(
    lines: &str,
    town: Option<String>,
    postcode: String,
    uprn: Option<String>,
) -> StoreResult<Address> {
    Ok(Address {
        lines: serde_json::from_str(lines).map_err(|_| corrupt("address"))?,
        town,
        postcode: Postcode::from_stored(postcode),
        uprn: uprn
            .map(|u| Uprn::parse(&u))
            .transpose()
            .map_err(|_| corrupt("uprn"))?,
    })
}

/// Also read from JSON (`search_sources` on SQLite).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub struct CustomerRow {
    pub id: String,
    pub given_name: String,
    pub middle_name: Option<String>,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub gender: String,
    pub address_lines: String,
    pub town: Option<String>,
    pub postcode: String,
    pub uprn: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub merged_into: Option<String>,
    pub minor_basis: Option<String>,
    pub processing_restricted: bool,
    pub legal_hold: Option<String>,
}

impl CustomerRow {
    pub fn into_customer(
        self,
        previous: Vec<PreviousAddressRow>,
        links: &[LinkRow],
    ) -> StoreResult<Customer> {
        Ok(Customer {
            id: self.id()?,
            person: self.person()?,
            previous_addresses: previous
                .into_iter()
                .map(PreviousAddressRow::into_domain)
                .collect::<Result<_, _>>()?,
            links: links.iter().map(LinkRow::link).collect::<Result<_, _>>()?,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            merged_into: self.merged_into.as_deref().map(customer_id).transpose()?,
            flags: flags(
                self.minor_basis.as_deref(),
                self.processing_restricted,
                self.legal_hold.as_deref(),
            )?,
        })
    }

    pub fn person(&self) -> StoreResult<Person> {
        Ok(Person {
            name: PersonName {
                given: self.given_name.clone(),
                middle: self.middle_name.clone(),
                family: self.family_name.clone(),
            },
            date_of_birth: BirthDate::from_stored(self.date_of_birth),
            gender: Gender::from_code(&self.gender).ok_or_else(|| corrupt("gender"))?,
            address: address(
                &self.address_lines,
                self.town.clone(),
                self.postcode.clone(),
                self.uprn.clone(),
            )?,
        })
    }

    pub fn id(&self) -> StoreResult<CustomerId> {
        customer_id(&self.id)
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub struct PreviousAddressRow {
    pub address_lines: String,
    pub town: Option<String>,
    pub postcode: String,
    pub uprn: Option<String>,
    pub until: DateTime<Utc>,
}

impl PreviousAddressRow {
    pub fn into_domain(self) -> StoreResult<PreviousAddress> {
        Ok(PreviousAddress {
            address: address(&self.address_lines, self.town, self.postcode, self.uprn)?,
            until: self.until,
        })
    }
}

/// A previous address with the customer it belongs to (read for many
/// customers at once).
#[derive(sqlx::FromRow, serde::Deserialize)]
pub struct OwnedAddressRow {
    pub customer_id: String,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub address: PreviousAddressRow,
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub struct LinkRow {
    pub system: String,
    pub local_id: String,
    pub customer_id: String,
    pub linked_at: DateTime<Utc>,
    pub method: String,
    #[serde(deserialize_with = "f64_text")]
    pub confidence: f64,
    pub record: String,
}

impl LinkRow {
    pub fn link(&self) -> StoreResult<Link> {
        Ok(Link {
            system: SystemCode::parse(&self.system).map_err(|_| corrupt("system"))?,
            local_id: LocalId::parse(&self.local_id).map_err(|_| corrupt("local id"))?,
            linked_at: self.linked_at,
            method: self.method.clone(),
            confidence: self.confidence,
        })
    }

    /// The person in the record the link's system last sent.
    pub fn person(&self) -> StoreResult<Person> {
        serde_json::from_str::<DepartmentalRecord>(&self.record)
            .map(|r| r.person)
            .map_err(|_| corrupt("departmental record"))
    }

    pub fn into_linked_record(self) -> StoreResult<LinkedRecord> {
        Ok(LinkedRecord {
            customer_id: CustomerId::parse(&self.customer_id)
                .map_err(|_| corrupt("customer id"))?,
            link: self.link()?,
            record: serde_json::from_str::<DepartmentalRecord>(&self.record)
                .map_err(|_| corrupt("departmental record"))?,
        })
    }
}

/// SQLite's JSON functions print a REAL with 15 significant digits, so a
/// REAL read through JSON comes as text with all 17 to stay exact.
fn f64_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
    text.parse().map_err(serde::de::Error::custom)
}

#[derive(sqlx::FromRow)]
pub struct CallerRow {
    pub name: String,
    pub role: String,
    pub system: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl CallerRow {
    pub fn into_registered(self) -> StoreResult<RegisteredCaller> {
        Ok(RegisteredCaller {
            role: Role::from_code(&self.role).ok_or_else(|| corrupt("role"))?,
            system: self
                .system
                .map(|s| SystemCode::parse(&s))
                .transpose()
                .map_err(|_| corrupt("system"))?,
            name: self.name,
            created_at: self.created_at,
        })
    }

    pub fn into_caller(self) -> StoreResult<Caller> {
        let r = self.into_registered()?;
        Caller::new(r.name, r.role, r.system).map_err(|_| corrupt("caller"))
    }
}

pub(crate) fn link_ref(system: &str, local_id: &str) -> StoreResult<LinkRef> {
    Ok(LinkRef {
        system: SystemCode::parse(system).map_err(|_| corrupt("system"))?,
        local_id: LocalId::parse(local_id).map_err(|_| corrupt("local id"))?,
    })
}

#[derive(sqlx::FromRow)]
pub struct CandidateRow {
    pub customer_id: String,
    pub system: String,
    pub local_id: String,
    pub match_data: String,
    pub minor_basis: Option<String>,
    pub processing_restricted: bool,
    pub legal_hold: Option<String>,
}

impl CandidateRow {
    pub fn into_candidate(self) -> StoreResult<CandidateRecord> {
        Ok(CandidateRecord {
            customer_id: customer_id(&self.customer_id)?,
            flags: flags(
                self.minor_basis.as_deref(),
                self.processing_restricted,
                self.legal_hold.as_deref(),
            )?,
            link: link_ref(&self.system, &self.local_id)?,
            normalised: self.match_data,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ReviewTaskRow {
    pub seq: i64,
    pub id: String,
    pub customer_id: String,
    pub candidate_id: String,
    pub score: f64,
    pub explanation: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl ReviewTaskRow {
    pub fn into_domain(self) -> StoreResult<ReviewTask> {
        Ok(ReviewTask {
            id: self.id,
            seq: self.seq,
            customer_id: customer_id(&self.customer_id)?,
            candidate_id: customer_id(&self.candidate_id)?,
            score: self.score,
            explanation: serde_json::from_str(&self.explanation)
                .map_err(|_| corrupt("explanation"))?,
            status: ReviewStatus::from_code(&self.status)
                .ok_or_else(|| corrupt("review status"))?,
            created_at: self.created_at,
            resolved_by: self.resolved_by,
            resolved_at: self.resolved_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct LineageRow {
    pub kind: String,
    pub customer_id: String,
    pub other_id: String,
    pub links: String,
    pub reason: String,
    pub decided_by: String,
    pub at: DateTime<Utc>,
}

impl LineageRow {
    pub fn into_domain(self) -> StoreResult<Lineage> {
        Ok(Lineage {
            kind: match self.kind.as_str() {
                "merge" => LineageKind::Merge,
                "split" => LineageKind::Split,
                _ => return Err(corrupt("lineage kind")),
            },
            customer_id: customer_id(&self.customer_id)?,
            other_id: customer_id(&self.other_id)?,
            links: serde_json::from_str(&self.links).map_err(|_| corrupt("lineage links"))?,
            reason: self.reason,
            decided_by: self.decided_by,
            at: self.at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ConsentRow {
    pub customer_id: String,
    pub system: String,
    pub scope: String,
    pub granted: bool,
    pub channel: String,
    pub reference: String,
    pub captured_by: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
}

impl ConsentRow {
    pub fn into_domain(self) -> StoreResult<crate::consent::ConsentEvent> {
        use crate::consent::{ConsentEvent, ConsentScope, Evidence};
        Ok(ConsentEvent {
            customer_id: customer_id(&self.customer_id)?,
            system: SystemCode::parse(&self.system).map_err(|_| corrupt("system"))?,
            scope: ConsentScope::from_code(&self.scope).ok_or_else(|| corrupt("consent scope"))?,
            granted: self.granted,
            evidence: Evidence {
                channel: self.channel,
                reference: self.reference,
                captured_by: self.captured_by,
            },
            recorded_by: self.recorded_by,
            at: self.at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct EventRow {
    pub seq: i64,
    pub event_id: String,
    pub system: String,
    pub customer_id: String,
    pub event_type: String,
    pub data: String,
    pub occurred_at: DateTime<Utc>,
}

impl EventRow {
    pub fn into_domain(self) -> StoreResult<super::StoredEvent> {
        Ok(super::StoredEvent {
            seq: self.seq,
            event_id: self.event_id,
            system: self.system,
            customer_id: customer_id(&self.customer_id)?,
            event_type: self.event_type,
            data: self.data,
            at: self.occurred_at,
        })
    }
}

/// The flag columns of `customers`; the bases are stored as JSON.
pub fn flags(
    minor_basis: Option<&str>,
    processing_restricted: bool,
    legal_hold: Option<&str>,
) -> StoreResult<Flags> {
    Ok(Flags {
        minor_basis: minor_basis
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| corrupt("minor basis"))?,
        processing_restricted,
        legal_hold: legal_hold
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| corrupt("legal hold"))?,
    })
}

/// The flag columns to write: (minor_basis, processing_restricted, legal_hold).
pub fn flag_columns(flags: &Flags) -> StoreResult<(Option<String>, bool, Option<String>)> {
    Ok((
        flags.minor_basis.as_ref().map(json).transpose()?,
        flags.processing_restricted,
        flags.legal_hold.as_ref().map(json).transpose()?,
    ))
}
