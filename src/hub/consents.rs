//! Granting, withdrawing and listing a citizen's consents.

use super::Hub;
use crate::auth::Caller;
use crate::consent::{ConsentEvent, ConsentScope, Evidence};
use crate::error::Result;
use crate::policy::view::visible_consents;
use crate::policy::{Action, authorize};
use crate::record::{CustomerId, SystemCode};
use crate::store::{Change, Op};

/// A customer's consents: those in force, and the whole history.
#[derive(Debug, Clone)]
pub struct ConsentList {
    pub in_force: Vec<ConsentEvent>,
    pub history: Vec<ConsentEvent>,
}

impl Hub {
    /// Records a grant (`granted`) or a withdrawal of consent.
    pub async fn record_consent(
        &self,
        caller: &Caller,
        customer_id: &CustomerId,
        system: SystemCode,
        scope: ConsentScope,
        granted: bool,
        evidence: Evidence,
    ) -> Result<ConsentEvent> {
        authorize(caller, Action::ManageConsent)?;
        let (customer, _) = self.current_customer(caller, customer_id).await?;
        let event = ConsentEvent {
            customer_id: customer.id.clone(),
            system,
            scope,
            granted,
            evidence,
            recorded_by: caller.name.clone(),
            at: self.clock.now(),
        };
        let operation = if granted {
            "grant_consent"
        } else {
            "withdraw_consent"
        };
        let mut change = Change::default();
        change.ops.push(Op::InsertConsent(event.clone()));
        change
            .audit
            .push(self.audit(caller, operation, Some(&customer.id), None));
        self.store.apply(change).await?;
        tracing::info!(customer_id = %customer.id, system = %event.system, granted, "consent recorded");
        Ok(event)
    }

    pub async fn list_consents(
        &self,
        caller: &Caller,
        customer_id: &CustomerId,
    ) -> Result<ConsentList> {
        authorize(caller, Action::ManageConsent)?;
        let (customer, _) = self.survivor(customer_id).await?;
        let standing = self
            .standing(caller, &customer, || format!("customer {customer_id}"))
            .await?;
        let history = visible_consents(&standing, self.store.consent_history(&customer.id).await?);
        let systems = crate::consent::in_force(&history, ConsentScope::AddressChanges);
        let mut in_force: Vec<ConsentEvent> = Vec::new();
        for event in history.iter().rev() {
            if event.granted
                && systems.contains(&event.system)
                && !in_force.iter().any(|e| e.system == event.system)
            {
                in_force.push(event.clone());
            }
        }
        in_force.sort_by(|a, b| a.system.cmp(&b.system));
        Ok(ConsentList { in_force, history })
    }
}
