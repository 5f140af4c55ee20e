//! Granting, withdrawing and listing a citizen's consents.

use super::Hub;
use crate::auth::Caller;
use crate::consent::{ConsentEvent, ConsentScope, Evidence};
use crate::error::{Error, Result};
use crate::policy::view::visible_consents;
use crate::policy::{Action, authorize};
use crate::record::{Customer, CustomerId, SystemCode, Violations};
use crate::store::{Change, Op};
use std::collections::BTreeSet;

/// A customer's consents: those in force, and a page of the history.
#[derive(Debug, Clone)]
pub struct ConsentList {
    pub in_force: Vec<ConsentEvent>,
    pub history: Vec<ConsentEvent>,
    /// Empty on the last page.
    pub next_page_token: String,
}

pub const DEFAULT_CONSENT_PAGE: usize = 100;
pub const MAX_CONSENT_PAGE: usize = 500;

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
        self.check_consent_systems(&customer, std::slice::from_ref(&system), |_| {
            "system".to_owned()
        })
        .await?;
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

    /// Consent names department systems the hub knows: one a configured or
    /// registered department or subscriber caller acts for, or one holding
    /// the customer. Anything else is a mistake (or junk) that would sit in
    /// the person's record for ever.
    pub(super) async fn check_consent_systems(
        &self,
        customer: &Customer,
        systems: &[SystemCode],
        field: impl Fn(usize) -> String,
    ) -> Result<()> {
        let mut known: BTreeSet<SystemCode> = customer.linked_systems().into_iter().collect();
        known.extend(
            self.configured
                .iter()
                .filter_map(|c| c.caller.system.clone()),
        );
        if systems.iter().any(|s| !known.contains(s)) {
            known.extend(
                self.store
                    .list_callers()
                    .await?
                    .into_iter()
                    .filter_map(|c| c.system),
            );
        }
        let mut violations = Violations::default();
        for (i, system) in systems.iter().enumerate() {
            if !known.contains(system) {
                violations.push(&field(i), "is not a department system known to the hub");
            }
        }
        violations.into_result()
    }

    pub async fn list_consents(
        &self,
        caller: &Caller,
        customer_id: &CustomerId,
        page_size: usize,
        page_token: &str,
    ) -> Result<ConsentList> {
        authorize(caller, Action::ManageConsent)?;
        let page_size = super::page_size(page_size, DEFAULT_CONSENT_PAGE, MAX_CONSENT_PAGE)?;
        let offset = super::decode_page_token("c1", page_token)
            .ok_or_else(|| Error::invalid("page_token", "is not a page token from this list"))?;
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
        let more = history.len() > offset + page_size;
        let history = history.into_iter().skip(offset).take(page_size).collect();
        Ok(ConsentList {
            in_force,
            history,
            next_page_token: if more {
                super::encode_page_token("c1", offset + page_size)
            } else {
                String::new()
            },
        })
    }
}
