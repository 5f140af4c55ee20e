//! The retention run: customers inactive for the retention period are
//! disposed of through the erasure path (tombstone, `customer_erased` to
//! the holders), except under a legal hold. Run by `scr-hub retention run`.

use super::Hub;
use crate::auth::{Caller, Role};
use crate::error::Result;
use crate::policy::retention::{Disposal, decide, last_activity};
use crate::record::CustomerId;
use crate::store::StoreError;

/// Customers read per page.
const PAGE: i64 = 500;

/// What one run did (or, dry, would do), by customer ID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetentionReport {
    pub reviewed: usize,
    pub disposed: Vec<CustomerId>,
    /// Due, but kept under a legal hold.
    pub held: Vec<CustomerId>,
}

impl Hub {
    /// Reviews every current customer; with `dry_run` nothing is written.
    pub async fn run_retention(&self, dry_run: bool) -> Result<RetentionReport> {
        // The run acts for the council's retention schedule, not a person.
        let runner = Caller {
            name: "retention".into(),
            role: Role::Admin,
            system: None,
        };
        let settings = self.privacy.retention;
        let mut report = RetentionReport::default();
        let mut after: Option<CustomerId> = None;
        loop {
            let page = self.store.customer_activity(after.as_ref(), PAGE).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.customer_id.clone());
            for activity in page {
                report.reviewed += 1;
                let last = last_activity(
                    activity.updated_at,
                    activity.last_link_at,
                    activity.last_audit_at,
                );
                let now = self.clock.now();
                // The hold is read with the record below; a cheap first pass
                // skips everyone still in their period.
                if decide(last, false, now, &settings) == Disposal::Keep {
                    continue;
                }
                let id = activity.customer_id;
                let _guard = self.lock_keys(&[id.as_str()]).await;
                let Some(customer) = self.store.load_customer(&id).await? else {
                    continue;
                };
                if customer.merged_into.is_some() {
                    continue;
                }
                match decide(last, customer.flags.legal_hold.is_some(), now, &settings) {
                    Disposal::Keep => {}
                    Disposal::Held => report.held.push(id),
                    Disposal::Dispose => {
                        if !dry_run {
                            let change = self
                                .erasure(
                                    &runner,
                                    &customer,
                                    "dispose_retention_elapsed",
                                    "retention period elapsed",
                                )
                                .await?;
                            match self.store.apply(change).await {
                                Ok(_) => {}
                                // Changed meanwhile: active again, next run decides.
                                Err(StoreError::Conflict) => continue,
                                Err(e) => return Err(e.into()),
                            }
                        }
                        report.disposed.push(id);
                    }
                }
            }
        }
        tracing::info!(
            reviewed = report.reviewed,
            disposed = report.disposed.len(),
            held = report.held.len(),
            dry_run,
            "retention run done"
        );
        Ok(report)
    }
}
