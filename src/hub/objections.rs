//! The right to object: the DPO records a person's objection (who, when,
//! on what grounds) and its withdrawal. An objection to address sharing
//! withholds every address change until withdrawn (`policy::propagation`);
//! one to all processing restricts processing until the DPO lifts it.

use super::{Hub, parse_text};
use crate::auth::Caller;
use crate::error::Result;
use crate::policy::propagation::objects_to_address_sharing;
use crate::policy::{Action, authorize};
use crate::record::{CustomerId, Objection, ObjectionScope};
use crate::store::{Change, Op};

/// The audited reason of the restriction an objection to all processing
/// brings with it.
const OBJECTION_PENDING: &str =
    "objection to all processing: restricted pending the DPO's assessment";

impl Hub {
    pub async fn record_objection(
        &self,
        caller: &Caller,
        id: &CustomerId,
        scope: ObjectionScope,
        grounds: &str,
    ) -> Result<Objection> {
        authorize(caller, Action::SubjectRights)?;
        let grounds = parse_text("grounds", grounds, "the person's grounds are required")?;
        let _guard = self.lock_keys(&[id.as_str()]).await;
        let (customer, _) = self.current_customer(caller, id).await?;
        let objection = Objection {
            customer_id: customer.id.clone(),
            scope,
            grounds,
            recorded_by: caller.name.clone(),
            at: self.clock.now(),
            withdrawn_at: None,
            withdrawn_by: None,
        };
        let mut change = Change::default();
        change.ops.push(Op::InsertObjection(objection.clone()));
        // The grounds are the person's words: the trail keeps the scope only.
        change.audit.push(self.audit(
            caller,
            "record_objection",
            Some(&customer.id),
            Some(scope.as_str()),
        ));
        // Processing is restricted while the DPO weighs the objection
        // (UK GDPR art. 18(1)(d)); lifting it is the DPO's decision, as is
        // any other restriction's, so a withdrawal leaves it in place.
        if scope == ObjectionScope::AllProcessing && !customer.flags.processing_restricted {
            self.restriction_change(caller, &customer, true, OBJECTION_PENDING, &mut change);
        }
        self.store.apply(change).await?;
        tracing::info!(customer_id = %customer.id, scope = scope.as_str(), "objection recorded");
        Ok(objection)
    }

    /// Withdraws the active objections of `scope`; returns how many.
    pub async fn withdraw_objection(
        &self,
        caller: &Caller,
        id: &CustomerId,
        scope: ObjectionScope,
    ) -> Result<usize> {
        authorize(caller, Action::SubjectRights)?;
        let _guard = self.lock_keys(&[id.as_str()]).await;
        let (customer, _) = self.current_customer(caller, id).await?;
        let active = self
            .store
            .objections(&customer.id)
            .await?
            .iter()
            .filter(|o| o.active() && o.scope == scope)
            .count();
        let mut change = Change::default();
        change.ops.push(Op::WithdrawObjections {
            customer_id: customer.id.clone(),
            scope,
            by: caller.name.clone(),
            at: self.clock.now(),
        });
        change.audit.push(self.audit(
            caller,
            "withdraw_objection",
            Some(&customer.id),
            Some(scope.as_str()),
        ));
        self.store.apply(change).await?;
        tracing::info!(customer_id = %customer.id, withdrawn = active, "objection withdrawn");
        Ok(active)
    }

    /// Whether an objection to address sharing stands for the customer.
    pub(super) async fn objects_to_address_sharing(&self, id: &CustomerId) -> Result<bool> {
        Ok(objects_to_address_sharing(
            &self.store.objections(id).await?,
        ))
    }
}
