//! The audit trail for the DPO: verifying its hash chain and listing who
//! accessed a person's record.

use super::Hub;
use crate::audit::{Verification, Verifier};
use crate::auth::Caller;
use crate::error::Result;
use crate::policy::{Action, authorize};
use crate::record::CustomerId;
use crate::store::{Store, StoredAudit};

/// Entries read per page while verifying.
const VERIFY_PAGE: i64 = 1_000;

/// Recomputes the whole chain (also used by `scr-hub audit verify`).
pub async fn verify_audit_log(store: &dyn Store) -> Result<Verification> {
    // The head is read first: entries appended meanwhile only lengthen the
    // log past it, and are checked against the head on the next run.
    let head = store.audit_head().await?;
    let mut verifier = Verifier::default();
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
    pub async fn list_access_records(
        &self,
        caller: &Caller,
        customer_id: &CustomerId,
    ) -> Result<Vec<StoredAudit>> {
        authorize(caller, Action::ReadAudit)?;
        let records = self.store.access_records(customer_id).await?;
        let mut change = crate::store::Change::default();
        change
            .audit
            .push(self.audit(caller, "list_access_records", Some(customer_id), None));
        self.store.apply(change).await?;
        Ok(records)
    }
}
