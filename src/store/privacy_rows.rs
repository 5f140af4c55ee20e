//! Rows of the privacy tables (grants, audit chain) and the customer's
//! flag columns, converted to domain values.

use super::rows::{corrupt, customer_id};
use super::{AuditEntry, AuditHead, StoreResult, StoredAudit};
use crate::auth::Role;
use crate::record::NeedToKnowGrant;
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
pub struct GrantRow {
    pub customer_id: String,
    pub grantee: String,
    pub reason: String,
    pub granted_by: String,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl GrantRow {
    pub fn into_domain(self) -> StoreResult<NeedToKnowGrant> {
        Ok(NeedToKnowGrant {
            customer_id: customer_id(&self.customer_id)?,
            grantee: self.grantee,
            reason: self.reason,
            granted_by: self.granted_by,
            granted_at: self.granted_at,
            expires_at: self.expires_at,
            revoked_at: self.revoked_at,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct AuditRow {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub caller: String,
    pub role: String,
    pub operation: String,
    pub customer_id: Option<String>,
    pub purpose: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    pub key_id: Option<String>,
}

impl AuditRow {
    /// Fields are taken as stored (even if odd) so verification judges
    /// them rather than failing to read them.
    pub fn into_domain(self) -> StoreResult<StoredAudit> {
        Ok(StoredAudit {
            seq: self.seq,
            entry: AuditEntry {
                at: self.at,
                caller: self.caller,
                role: Role::from_code(&self.role).ok_or_else(|| corrupt("audit role"))?,
                operation: self.operation,
                customer_id: self.customer_id.as_deref().map(customer_id).transpose()?,
                purpose: self.purpose,
            },
            prev_hash: self.prev_hash,
            hash: self.hash,
            key_id: self.key_id,
        })
    }
}

#[derive(sqlx::FromRow)]
pub struct HeadRow {
    pub entries: i64,
    pub last_seq: i64,
    pub hash: String,
    pub keyed_from: i64,
    pub key_id: Option<String>,
    pub mac: Option<String>,
}

impl HeadRow {
    pub fn into_domain(self) -> AuditHead {
        AuditHead {
            entries: self.entries,
            last_seq: self.last_seq,
            hash: self.hash,
            keyed_from: self.keyed_from,
            key_id: self.key_id,
            mac: self.mac,
        }
    }
}
