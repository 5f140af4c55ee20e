//! Rows of the subject-rights reads: objections, each customer's last
//! activity (retention) and the raw counts behind the equalities figures.

use super::StoreResult;
use super::rows::{corrupt, customer_id};
use crate::record::{CustomerId, Objection, ObjectionScope};
use chrono::{DateTime, NaiveDate, Utc};

/// When a current customer was last active, as the store knows it; the
/// retention policy decides what counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerActivity {
    pub customer_id: CustomerId,
    pub updated_at: DateTime<Utc>,
    /// The newest link to a departmental ID.
    pub last_link_at: Option<DateTime<Utc>>,
    /// The newest audited operation naming the customer (reads included).
    pub last_audit_at: Option<DateTime<Utc>>,
}

/// How many current customers share a gender and date of birth (and a
/// linked system, when counted per system). Counts only, no IDs.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EqualitiesRow {
    /// Empty when not counted per system.
    pub system: String,
    pub gender: String,
    pub date_of_birth: NaiveDate,
    pub count: i64,
}

#[derive(sqlx::FromRow)]
pub struct ObjectionRow {
    pub customer_id: String,
    pub scope: String,
    pub grounds: String,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
}

impl ObjectionRow {
    pub fn into_domain(self) -> StoreResult<Objection> {
        Ok(Objection {
            customer_id: customer_id(&self.customer_id)?,
            scope: ObjectionScope::from_code(&self.scope)
                .ok_or_else(|| corrupt("objection scope"))?,
            grounds: self.grounds,
            recorded_by: self.recorded_by,
            at: self.at,
            withdrawn_at: self.withdrawn_at,
            withdrawn_by: self.withdrawn_by,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct ActivityRow {
    pub id: String,
    pub updated_at: DateTime<Utc>,
    pub last_link_at: Option<DateTime<Utc>>,
    pub last_audit_at: Option<DateTime<Utc>>,
}

impl ActivityRow {
    pub fn into_domain(self) -> StoreResult<CustomerActivity> {
        Ok(CustomerActivity {
            customer_id: customer_id(&self.id)?,
            updated_at: self.updated_at,
            last_link_at: self.last_link_at,
            last_audit_at: self.last_audit_at,
        })
    }
}
