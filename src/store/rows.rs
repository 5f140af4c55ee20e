//! Row structs as both databases return them, and their conversion to
//! domain values. Values were validated when written, so they are trusted.

use super::{LinkedRecord, RegisteredCaller, StoreError, StoreResult};
use crate::auth::{Caller, Role};
use crate::record::{
    Address, BirthDate, CustomerId, DepartmentalRecord, Gender, Link, LocalId, Person, PersonName,
    Postcode, PreviousAddress, SystemCode, Uprn,
};
use chrono::{DateTime, NaiveDate, Utc};

fn corrupt(what: &str) -> StoreError {
    StoreError::Internal(format!("stored {what} is not valid"))
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

#[derive(sqlx::FromRow)]
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
}

impl CustomerRow {
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
        CustomerId::parse(&self.id).map_err(|_| corrupt("customer id"))
    }
}

#[derive(sqlx::FromRow)]
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

#[derive(sqlx::FromRow)]
pub struct LinkRow {
    pub system: String,
    pub local_id: String,
    pub customer_id: String,
    pub linked_at: DateTime<Utc>,
    pub method: String,
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
