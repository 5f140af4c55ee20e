//! Reads of a person: always for a stated purpose, always audited.

use super::{Hub, parse_purpose};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::{Action, authorize};
use crate::record::{Customer, CustomerId, Link, LocalId, SystemCode};
use crate::store::Change;

#[derive(Debug, Clone)]
pub struct ReadCustomer {
    pub customer: Customer,
    /// The ID asked for, when it was merged into `customer`.
    pub merged_from: Option<CustomerId>,
}

#[derive(Debug, Clone)]
pub struct ResolvedLink {
    pub customer_id: CustomerId,
    pub links: Vec<Link>,
}

impl Hub {
    /// The customer, or the survivor it was merged into (with the
    /// requested ID as `merged_from`).
    pub async fn get_customer(
        &self,
        caller: &Caller,
        id: &CustomerId,
        purpose: &str,
    ) -> Result<ReadCustomer> {
        let purpose = parse_purpose(purpose)?;
        let mut customer = self.customer(id).await?;
        let mut merged_from = None;
        // Merges re-point earlier merges, so one hop normally suffices; the
        // bound guards against a corrupt cycle.
        for _ in 0..8 {
            let Some(survivor) = customer.merged_into.clone() else {
                break;
            };
            merged_from.get_or_insert_with(|| id.clone());
            customer = self.customer(&survivor).await?;
        }
        if customer.merged_into.is_some() {
            return Err(Error::Internal("merge chain too long".into()));
        }
        self.check_visible(caller, &customer, || format!("customer {id}"))
            .await?;
        let linked = customer.linked_systems();
        authorize(
            caller,
            Action::ReadCustomer {
                linked_systems: &linked,
            },
        )?;
        self.record_read(caller, "get_customer", &customer.id, &purpose)
            .await?;
        Ok(ReadCustomer {
            customer,
            merged_from,
        })
    }

    pub async fn resolve_link(
        &self,
        caller: &Caller,
        system: &SystemCode,
        local_id: &LocalId,
        purpose: &str,
    ) -> Result<ResolvedLink> {
        let purpose = parse_purpose(purpose)?;
        authorize(caller, Action::ResolveLink { system })?;
        let linked = self
            .store
            .find_link(system, local_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("link {system}/{local_id}")))?;
        let customer = self
            .store
            .load_customer(&linked.customer_id)
            .await?
            .ok_or_else(|| Error::Internal("link points at a missing customer".into()))?;
        self.check_visible(caller, &customer, || format!("link {system}/{local_id}"))
            .await?;
        self.record_read(caller, "resolve_link", &customer.id, &purpose)
            .await?;
        Ok(ResolvedLink {
            customer_id: customer.id,
            links: customer.links,
        })
    }

    /// The audit entry is written before the data is returned: no trail, no read.
    async fn record_read(
        &self,
        caller: &Caller,
        operation: &str,
        id: &CustomerId,
        purpose: &str,
    ) -> Result<()> {
        let mut change = Change::default();
        change
            .audit
            .push(self.audit(caller, operation, Some(id), Some(purpose)));
        self.store.apply(change).await?;
        Ok(())
    }
}
