//! Who may see a restricted record, and the DPO's need-to-know grants.

use super::{Hub, parse_reason};
use crate::auth::{Caller, Role};
use crate::error::{Error, Result};
use crate::policy::{Action, authorize, may_see};
use crate::record::{Customer, CustomerId, NeedToKnowGrant};
use crate::store::{Change, Op};
use chrono::{DateTime, Utc};

impl Hub {
    /// Fails as "not found" (`what`) when the caller may not see the
    /// customer, so a hidden record's existence is not disclosed.
    pub(super) async fn check_visible(
        &self,
        caller: &Caller,
        customer: &Customer,
        what: impl FnOnce() -> String,
    ) -> Result<()> {
        let grants = if customer.flags.restricted() && caller.role != Role::Dpo {
            self.store.need_to_know_grants(&customer.id).await?
        } else {
            Vec::new()
        };
        if may_see(caller, &customer.flags, &grants, self.clock.now()) {
            Ok(())
        } else {
            Err(Error::NotFound(what()))
        }
    }

    /// Lets `grantee` (a caller's name) see a restricted record until
    /// `expires_at`.
    pub async fn grant_need_to_know(
        &self,
        caller: &Caller,
        customer_id: &CustomerId,
        grantee: &str,
        reason: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<NeedToKnowGrant> {
        authorize(caller, Action::ManageNeedToKnow)?;
        let reason = parse_reason(reason)?;
        let grantee = parse_grantee(grantee)?;
        let now = self.clock.now();
        if expires_at <= now {
            return Err(Error::invalid("expires_at", "must be in the future"));
        }
        let customer = self.current_customer(customer_id).await?;
        if !customer.flags.restricted() {
            return Err(Error::FailedPrecondition {
                reason: "CUSTOMER_NOT_RESTRICTED",
                message: format!("customer {customer_id} is not a restricted record"),
            });
        }
        let grant = NeedToKnowGrant {
            customer_id: customer.id.clone(),
            grantee,
            reason: reason.clone(),
            granted_by: caller.name.clone(),
            granted_at: now,
            expires_at,
            revoked_at: None,
        };
        let mut change = Change::default();
        change.ops.push(Op::InsertGrant(grant.clone()));
        change.audit.push(self.audit(
            caller,
            "grant_need_to_know",
            Some(&customer.id),
            Some(&reason),
        ));
        self.store.apply(change).await?;
        tracing::info!(customer_id = %customer.id, "need-to-know granted");
        Ok(grant)
    }

    /// Revokes every active grant of `grantee` on the customer; returns how
    /// many there were.
    pub async fn revoke_need_to_know(
        &self,
        caller: &Caller,
        customer_id: &CustomerId,
        grantee: &str,
    ) -> Result<usize> {
        authorize(caller, Action::ManageNeedToKnow)?;
        let grantee = parse_grantee(grantee)?;
        let now = self.clock.now();
        let customer = self.customer(customer_id).await?;
        let active = self
            .store
            .need_to_know_grants(&customer.id)
            .await?
            .iter()
            .filter(|g| g.grantee == grantee && g.active(now))
            .count();
        let mut change = Change::default();
        change.ops.push(Op::RevokeGrants {
            customer_id: customer.id.clone(),
            grantee,
            at: now,
        });
        change
            .audit
            .push(self.audit(caller, "revoke_need_to_know", Some(&customer.id), None));
        self.store.apply(change).await?;
        tracing::info!(customer_id = %customer.id, revoked = active, "need-to-know revoked");
        Ok(active)
    }
}

fn parse_grantee(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.len() > 128 {
        return Err(Error::invalid("grantee", "must name a caller"));
    }
    Ok(name.to_owned())
}
