//! The DPO's decisions on a person's record: restriction of processing and
//! legal holds. Each is audited and changes only the customer's flags.

use super::{Hub, parse_reason};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::propagation::{EventKind, route};
use crate::policy::{Action, authorize};
use crate::record::{Customer, CustomerId, Flags, LegalHold};
use crate::store::{Change, Op};

impl Hub {
    /// Restricts (or, with `restricted` false, lifts the restriction of)
    /// processing: readable by the DPO only, no propagation, no matching
    /// into it. The linked systems are told with `processing_restricted`.
    pub async fn set_processing_restriction(
        &self,
        caller: &Caller,
        id: &CustomerId,
        restricted: bool,
        reason: &str,
    ) -> Result<Flags> {
        authorize(caller, Action::SubjectRights)?;
        let reason = parse_reason(reason)?;
        let _guard = self.lock_keys(&[id.as_str()]).await;
        let (customer, _) = self.current_customer(caller, id).await?;
        if customer.flags.processing_restricted == restricted {
            return Ok(customer.flags);
        }
        let mut change = Change::default();
        let flags = self.restriction_change(caller, &customer, restricted, &reason, &mut change);
        self.store.apply(change).await?;
        tracing::info!(customer_id = %customer.id, restricted, "processing restriction changed");
        Ok(flags)
    }

    /// Adds to `change` the flag, audit entry and events of restricting (or
    /// lifting) processing; returns the new flags.
    pub(super) fn restriction_change(
        &self,
        caller: &Caller,
        customer: &Customer,
        restricted: bool,
        reason: &str,
        change: &mut Change,
    ) -> Flags {
        let mut flags = customer.flags.clone();
        flags.processing_restricted = restricted;
        change.ops.push(Op::SetFlags {
            id: customer.id.clone(),
            flags: flags.clone(),
        });
        let operation = if restricted {
            "restrict_processing"
        } else {
            "lift_restriction"
        };
        change
            .audit
            .push(self.audit(caller, operation, Some(&customer.id), Some(reason)));
        let recipients = route(
            EventKind::ProcessingRestricted,
            &customer.links,
            crate::policy::restrictions(&flags),
        );
        change.events.extend(self.events(
            EventKind::ProcessingRestricted,
            &customer.id,
            recipients,
            &serde_json::json!({ "customer_id": customer.id, "restricted": restricted }),
        ));
        flags
    }

    /// Places a legal hold (`reference`: e.g. an Inquiries Act notice), or
    /// releases it when `reference` is `None`. Erasure and disposal wait.
    pub async fn set_legal_hold(
        &self,
        caller: &Caller,
        id: &CustomerId,
        reference: Option<&str>,
    ) -> Result<Flags> {
        authorize(caller, Action::SubjectRights)?;
        let hold = match reference {
            Some(raw) => Some(LegalHold {
                reference: super::parse_text(
                    "reference",
                    raw,
                    "the hold's legal reference is required",
                )?,
                placed_by: caller.name.clone(),
                placed_at: self.clock.now(),
            }),
            None => None,
        };
        let _guard = self.lock_keys(&[id.as_str()]).await;
        let (customer, _) = self.current_customer(caller, id).await?;
        let mut flags = customer.flags.clone();
        if hold.is_none() && flags.legal_hold.is_none() {
            return Err(Error::FailedPrecondition {
                reason: "NO_LEGAL_HOLD",
                message: format!("customer {id} has no legal hold"),
            });
        }
        let operation = if hold.is_some() {
            "place_legal_hold"
        } else {
            "release_legal_hold"
        };
        flags.legal_hold = hold;
        let mut change = Change::default();
        change.ops.push(Op::SetFlags {
            id: customer.id.clone(),
            flags: flags.clone(),
        });
        change.audit.push(self.audit(
            caller,
            operation,
            Some(&customer.id),
            flags.legal_hold.as_ref().map(|h| h.reference.as_str()),
        ));
        self.store.apply(change).await?;
        tracing::info!(customer_id = %customer.id, operation, "legal hold changed");
        Ok(flags)
    }
}
