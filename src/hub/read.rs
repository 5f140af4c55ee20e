//! Reads of a person: always for a stated purpose, always audited, and
//! always as `policy::view` lets this caller see them.

use super::{Hub, parse_purpose};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::view::{CustomerView, visible_links};
use crate::policy::{Action, authorize};
use crate::record::{Customer, CustomerId, Link, LocalId, SystemCode};
use crate::store::Change;

#[derive(Debug, Clone)]
pub struct ReadCustomer {
    pub customer_id: CustomerId,
    pub view: CustomerView,
    /// The ID asked for, when it was merged into `customer_id`.
    pub merged_from: Option<CustomerId>,
}

#[derive(Debug, Clone)]
pub struct ResolvedLink {
    pub customer_id: CustomerId,
    pub links: Vec<Link>,
}

impl Hub {
    /// The customer, or the survivor it was merged into (with the
    /// requested ID as `merged_from`), as this caller may see it.
    pub async fn get_customer(
        &self,
        caller: &Caller,
        id: &CustomerId,
        purpose: &str,
    ) -> Result<ReadCustomer> {
        authorize(caller, Action::ReadCustomer)?;
        let purpose = parse_purpose(purpose)?;
        let (customer, merged_from) = self.survivor(id).await?;
        let standing = self
            .standing(caller, &customer, || format!("customer {id}"))
            .await?;
        let view = self.customer_view(&standing, &customer).await?;
        self.record_read(caller, "get_customer", &customer.id, &purpose)
            .await?;
        Ok(ReadCustomer {
            customer_id: customer.id,
            view,
            merged_from,
        })
    }

    /// The customer `id` names, or the survivor it was merged into and
    /// `id` as the merged ID. Merges re-point earlier merges, so one hop
    /// normally suffices; the bound guards against a corrupt cycle.
    pub(super) async fn survivor(&self, id: &CustomerId) -> Result<(Customer, Option<CustomerId>)> {
        let mut customer = self.customer(id).await?;
        let mut merged_from = None;
        for _ in 0..8 {
            let Some(survivor) = customer.merged_into.clone() else {
                return Ok((customer, merged_from));
            };
            merged_from.get_or_insert_with(|| id.clone());
            customer = self.customer(&survivor).await?;
        }
        Err(Error::Internal("merge chain too long".into()))
    }

    pub async fn resolve_link(
        &self,
        caller: &Caller,
        system: &SystemCode,
        local_id: &LocalId,
        purpose: &str,
    ) -> Result<ResolvedLink> {
        authorize(caller, Action::ResolveLink { system })?;
        let purpose = parse_purpose(purpose)?;
        let what = || format!("link {system}/{local_id}");
        let linked = self
            .store
            .find_link(system, local_id)
            .await?
            .ok_or_else(|| Error::NotFound(what()))?;
        let customer = self
            .store
            .load_customer(&linked.customer_id)
            .await?
            .ok_or_else(|| Error::Internal("link points at a missing customer".into()))?;
        let standing = self.standing(caller, &customer, what).await?;
        self.record_read(caller, "resolve_link", &customer.id, &purpose)
            .await?;
        Ok(ResolvedLink {
            links: visible_links(&standing, &customer.links),
            customer_id: customer.id,
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
