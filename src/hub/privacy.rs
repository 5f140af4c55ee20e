//! How a caller stands towards a customer (the reads load what
//! `policy::view` needs and ask it), and the DPO's need-to-know grants.

use super::{Hub, parse_reason};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::view::{self, CustomerView, Holdings, Standing};
use crate::policy::{Action, authorize};
use crate::record::{Customer, CustomerId, NeedToKnowGrant};
use crate::store::{Change, Op};
use chrono::{DateTime, Utc};

impl Hub {
    /// The caller's standing towards the customer, or "not found" (`what`)
    /// when it may not see it, exactly as for an unknown ID, so a hidden
    /// record's existence is not disclosed.
    pub(super) async fn standing(
        &self,
        caller: &Caller,
        customer: &Customer,
        what: impl FnOnce() -> String,
    ) -> Result<Standing> {
        self.standing_if_any(caller, customer)
            .await?
            .ok_or_else(|| Error::NotFound(what()))
    }

    /// The caller's standing towards the customer, if it may see it.
    pub(super) async fn standing_if_any(
        &self,
        caller: &Caller,
        customer: &Customer,
    ) -> Result<Option<Standing>> {
        // Grants matter only for restricted records; others skip the read.
        let grants = if customer.flags.restricted() {
            self.store.need_to_know_grants(&customer.id).await?
        } else {
            Vec::new()
        };
        Ok(view::standing(caller, customer, &grants, self.clock.now()))
    }

    /// A customer (the survivor, for a merged ID) as the caller may see it,
    /// e.g. just after the caller changed it.
    pub(super) async fn view_of(
        &self,
        caller: &Caller,
        id: &CustomerId,
    ) -> Result<(CustomerId, CustomerView)> {
        let (customer, _) = self.survivor(id).await?;
        let standing = self
            .standing(caller, &customer, || format!("customer {id}"))
            .await?;
        let view = self.customer_view(&standing, &customer).await?;
        Ok((customer.id, view))
    }

    /// The customer as `standing` may see it, reading what a holder's view
    /// needs (its own records, consents, objections).
    pub(super) async fn customer_view(
        &self,
        standing: &Standing,
        customer: &Customer,
    ) -> Result<CustomerView> {
        let (supplied, consents, objections): (Vec<_>, Vec<_>, Vec<_>) = match standing {
            Standing::Holder(system) => {
                let own: Vec<crate::record::LinkRef> = customer
                    .links
                    .iter()
                    .filter(|l| &l.system == system)
                    .map(|l| crate::record::LinkRef {
                        system: l.system.clone(),
                        local_id: l.local_id.clone(),
                    })
                    .collect();
                let supplied = self
                    .store
                    .find_links(&own)
                    .await?
                    .into_iter()
                    .filter(|l| l.customer_id == customer.id)
                    .map(|l| l.record)
                    .collect();
                (
                    supplied,
                    self.store.consent_history(&customer.id).await?,
                    self.store.objections(&customer.id).await?,
                )
            }
            Standing::Controller | Standing::Staff => Default::default(),
        };
        let held = Holdings {
            supplied: &supplied,
            consents: &consents,
            objections: &objections,
        };
        view::customer_view(standing, customer, held)
            .ok_or_else(|| Error::Internal("a linked system's record is missing".into()))
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
        let (customer, _) = self.current_customer(caller, customer_id).await?;
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
    if name.is_empty()
        || name.chars().count() > crate::record::limits::CALLER_NAME
        || name.chars().any(crate::record::limits::is_forbidden)
    {
        return Err(Error::invalid("grantee", "must name a caller"));
    }
    Ok(name.to_owned())
}
