//! Rows of the privacy tables (grants, audit chain) and the customer's
//! flag columns, converted to domain values.

use super::rows::{corrupt, customer_id};
use super::{AuditEntry, AuditHead, StoreResult, StoredAudit};
use crate::auth::Role;
use crate::record::{Flags, NeedToKnowGrant};
use chrono::{DateTime, Utc};

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
    let json = |v: Option<String>| v;
    Ok((
        json(
            flags
                .minor_basis
                .as_ref()
                .map(super::rows::json)
                .transpose()?,
        ),
        flags.processing_restricted,
        json(
            flags
                .legal_hold
                .as_ref()
                .map(super::rows::json)
                .transpose()?,
        ),
    ))
}

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
