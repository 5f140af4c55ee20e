//! The audit trail for the DPO: verifying its hash chain and listing who
//! accessed a person's record.

use super::Hub;
use crate::audit::{Verification, Verifier};
use crate::auth::{Caller, Role};
use crate::error::{Error, Result};
use crate::policy::{Action, authorize};
use crate::record::CustomerId;
use crate::store::{Change, Op, Store, StoredAudit};

/// Entries read per page while verifying.
const VERIFY_PAGE: i64 = 1_000;
/// Access records a page when the caller names no size, and at most.
pub const DEFAULT_ACCESS_PAGE: usize = 100;
pub const MAX_ACCESS_PAGE: usize = 1_000;

/// Recomputes the whole chain (also used by `scr-hub audit verify`).
pub async fn verify_audit_log(store: &dyn Store) -> Result<Verification> {
    // The head is read first: entries appended meanwhile only lengthen the
    // log past it, and are checked against the head on the next run.
    let head = store.audit_head().await?;
    let mut verifier = Verifier::new(store.audit_keys());
    let mut after = 0;
    loop {
        let page = store.audit_entries(after, VERIFY_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for row in page
            .iter()
            .filter(|r| r.seq <= head.last_seq || head.entries == 0)
        {
            verifier.check(row);
        }
        if after >= head.last_seq && head.entries > 0 {
            break;
        }
    }
    Ok(verifier.finish(&head))
}

impl Hub {
    /// At start: refuses an audit head the configured keys do not seal
    /// (altered, or a log from before audit keys not yet sealed by the
    /// operator); records in the chain itself which key signs from now on
    /// when it is not the one that sealed the head (a first start, or a
    /// rotation); and logs the head (a sequence and a MAC, no personal
    /// data) so that operators can keep it outside the database as an
    /// anchor against truncation.
    pub async fn note_audit_key(&self) -> Result<()> {
        let keys = self.store.audit_keys();
        let active = keys.active().id().to_owned();
        let head = self.store.audit_head().await?;
        if !crate::audit::extendable(keys, &head) {
            let message = if head.mac.is_none() {
                "the audit log was written before audit keys: check it with `scr-hub audit \
                 verify`, then seal it once with `scr-hub audit seal`"
            } else {
                "the audit log's head does not verify with the configured audit keys (a \
                 rotated key must stay configured as retired), or it was altered: run \
                 `scr-hub audit verify`"
            };
            return Err(Error::FailedPrecondition {
                reason: "AUDIT_HEAD_UNVERIFIED",
                message: message.into(),
            });
        }
        if head.key_id.as_deref() != Some(active.as_str()) {
            self.append_service_entry("audit_key_in_use", &format!("audit key {active}"), None)
                .await?;
            tracing::info!(key_id = %active, "audit key in use");
        }
        let head = self.store.audit_head().await?;
        tracing::info!(
            last_seq = head.last_seq,
            entries = head.entries,
            mac = head.mac.as_deref().unwrap_or(""),
            "audit head"
        );
        Ok(())
    }

    /// Seals an audit log written before audit keys, once, after checking
    /// its plain hash chain: the operator's step when upgrading.
    pub async fn seal_audit_log(&self) -> Result<Verification> {
        let head = self.store.audit_head().await?;
        let v = verify_audit_log(self.store.as_ref()).await?;
        if !v.unsealed {
            return match v.problem {
                None => Err(Error::FailedPrecondition {
                    reason: "AUDIT_LOG_SEALED",
                    message: "the audit log is already sealed".into(),
                }),
                Some(p) => Err(Error::FailedPrecondition {
                    reason: "AUDIT_LOG_BROKEN",
                    message: format!(
                        "not sealed: the log is broken at {}: {}",
                        p.seq, p.description
                    ),
                }),
            };
        }
        let key = self.store.audit_keys().active().id().to_owned();
        self.append_service_entry(
            "audit_log_sealed",
            &format!("audit key {key}"),
            Some(Op::SealAuditHead { expected: head }),
        )
        .await?;
        verify_audit_log(self.store.as_ref()).await
    }

    /// An entry the service writes for itself (not for a caller).
    async fn append_service_entry(
        &self,
        operation: &str,
        note: &str,
        op: Option<Op>,
    ) -> Result<()> {
        let service = Caller {
            name: "scr-hub".into(),
            role: Role::Admin,
            system: None,
        };
        let mut change = Change::default();
        change.ops.extend(op);
        change
            .audit
            .push(self.audit(&service, operation, None, Some(note)));
        self.store.apply(change).await?;
        Ok(())
    }

    pub async fn verify_audit_log(&self, caller: &Caller) -> Result<Verification> {
        authorize(caller, Action::VerifyAudit)?;
        let result = verify_audit_log(self.store.as_ref()).await?;
        tracing::info!(
            intact = result.intact(),
            checked = result.checked,
            "audit log verified"
        );
        Ok(result)
    }

    /// Every audited access to the customer, oldest first; the listing is
    /// itself audited.
    /// One page of the customer's access trail, oldest first, and the
    /// token of the next page (empty on the last).
    pub async fn list_access_records(
        &self,
        caller: &Caller,
        customer_id: &CustomerId,
        page_size: usize,
        page_token: &str,
    ) -> Result<(Vec<StoredAudit>, String)> {
        authorize(caller, Action::ReadAudit)?;
        let page_size = super::page_size(page_size, DEFAULT_ACCESS_PAGE, MAX_ACCESS_PAGE)?;
        // Keyset paging on the audit sequence: stable while entries are added.
        let after = super::decode_page_token("a1", page_token)
            .ok_or_else(|| Error::invalid("page_token", "is not a page token from this list"))?;
        let mut records = self
            .store
            .access_records(customer_id, after as i64, page_size as i64 + 1)
            .await?;
        let next = if records.len() > page_size {
            records.truncate(page_size);
            records
                .last()
                .map(|r| super::encode_page_token("a1", r.seq as usize))
                .unwrap_or_default()
        } else {
            String::new()
        };
        let mut change = crate::store::Change::default();
        change
            .audit
            .push(self.audit(caller, "list_access_records", Some(customer_id), None));
        self.store.apply(change).await?;
        Ok((records, next))
    }
}
