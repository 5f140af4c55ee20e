//! The minors sweep: lapsed urgent-matter exceptions are disposed of (the
//! holders told), and records whose subject has turned 18 become ordinary
//! adult records. Run daily in-process and by `scr-hub policy sweep`.

use super::Hub;
use crate::auth::{Caller, Role};
use crate::error::Result;
use crate::policy::minors::{Review, review};
use crate::store::{Change, Op, StoreError};

/// What one sweep did, by customer ID.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub reviewed: usize,
    pub reached_adulthood: Vec<crate::record::CustomerId>,
    pub disposed: Vec<crate::record::CustomerId>,
    /// Lapsed, but a legal hold stands.
    pub held: Vec<crate::record::CustomerId>,
}

impl Hub {
    pub async fn sweep_minors(&self) -> Result<SweepReport> {
        // The sweep acts for the council's policy, not for a person.
        let sweeper = Caller {
            name: "policy-sweep".into(),
            role: Role::Admin,
            system: None,
        };
        let mut report = SweepReport::default();
        for id in self.store.restricted_customers().await? {
            let _guard = self.lock_keys(&[id.as_str()]).await;
            let Some(customer) = self.store.load_customer(&id).await? else {
                continue;
            };
            let Some(basis) = customer.flags.minor_basis.clone() else {
                continue;
            };
            report.reviewed += 1;
            let now = self.clock.now();
            let change = match review(customer.person.date_of_birth, &basis, now) {
                Review::Keep => continue,
                Review::ReachedAdulthood => {
                    let mut flags = customer.flags.clone();
                    flags.minor_basis = None;
                    let mut change = Change::default();
                    change.ops.push(Op::SetFlags {
                        id: id.clone(),
                        flags,
                    });
                    change.audit.push(self.audit(
                        &sweeper,
                        "minor_reached_adulthood",
                        Some(&id),
                        None,
                    ));
                    report.reached_adulthood.push(id.clone());
                    change
                }
                Review::Lapsed if customer.flags.legal_hold.is_some() => {
                    report.held.push(id.clone());
                    continue;
                }
                Review::Lapsed => {
                    report.disposed.push(id.clone());
                    self.erasure(
                        &sweeper,
                        &customer,
                        "dispose_lapsed_exception",
                        "the minor's urgent-matter exception lapsed unrenewed",
                    )
                    .await?
                }
            };
            match self.store.apply(change).await {
                Ok(_) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        tracing::info!(
            reviewed = report.reviewed,
            adults = report.reached_adulthood.len(),
            disposed = report.disposed.len(),
            held = report.held.len(),
            "minors sweep done"
        );
        Ok(report)
    }
}
