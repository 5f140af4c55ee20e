//! Erasure: the person's data goes, a non-identifying tombstone stays so
//! the next departmental feed cannot silently recreate them, and the
//! systems that held them are told with `customer_erased`.

use super::{Hub, parse_reason};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::matching::{Frequencies, ValueDelta};
use crate::policy::propagation::{EventKind, route};
use crate::policy::{Action, authorize};
use crate::record::LinkRef;
use crate::record::{Customer, CustomerId, LocalId, SystemCode};
use crate::store::{Change, Op};
use sha2::{Digest, Sha256};

/// What the tombstone keeps of a departmental ID: its SHA-256, enough to
/// recognise a resubmission, not to read the ID back.
pub fn link_hash(system: &SystemCode, local_id: &LocalId) -> String {
    hex::encode(Sha256::digest(format!("{system}/{local_id}").as_bytes()))
}

impl Hub {
    /// Erases the customer; refused while a legal hold stands.
    pub async fn erase_customer(
        &self,
        caller: &Caller,
        id: &CustomerId,
        reason: &str,
    ) -> Result<()> {
        authorize(caller, Action::SubjectRights)?;
        let reason = parse_reason(reason)?;
        let _guard = self.lock_keys(&[id.as_str()]).await;
        let (customer, _) = self.current_customer(caller, id).await?;
        if customer.flags.legal_hold.is_some() {
            return Err(Error::FailedPrecondition {
                reason: "LEGAL_HOLD",
                message: format!("customer {id} is under a legal hold"),
            });
        }
        let change = self
            .erasure(caller, &customer, "erase_customer", &reason)
            .await?;
        self.store.apply(change).await?;
        tracing::info!(customer_id = %id, "customer erased");
        Ok(())
    }

    /// The change that erases `customer` (also used by disposals). Its
    /// records' values leave the value counts: a rare name counted once
    /// would otherwise outlive its holder there.
    pub(super) async fn erasure(
        &self,
        caller: &Caller,
        customer: &Customer,
        operation: &str,
        reason: &str,
    ) -> Result<Change> {
        let now = self.clock.now();
        let mut change = Change::default();
        let held: Vec<LinkRef> = customer
            .links
            .iter()
            .map(|l| LinkRef {
                system: l.system.clone(),
                local_id: l.local_id.clone(),
            })
            .collect();
        let mut deltas: Vec<ValueDelta> = Vec::new();
        for linked in self.store.find_links(&held).await? {
            let gone =
                Frequencies::deltas(Some(&super::linkage::subject(&linked.record.person)), None);
            for d in gone {
                match deltas
                    .iter_mut()
                    .find(|x| x.field == d.field && x.value == d.value)
                {
                    Some(x) => x.delta += d.delta,
                    None => deltas.push(d),
                }
            }
        }
        change.ops.push(Op::CountValues(deltas));
        change.ops.push(Op::EraseCustomer {
            id: customer.id.clone(),
            link_hashes: customer
                .links
                .iter()
                .map(|l| link_hash(&l.system, &l.local_id))
                .collect(),
            reason: reason.to_owned(),
            by: caller.name.clone(),
            at: now,
        });
        change
            .audit
            .push(self.audit(caller, operation, Some(&customer.id), Some(reason)));
        let recipients = route(
            EventKind::CustomerErased,
            &customer.links,
            self.restrictions(customer),
        );
        change.events.extend(self.events(
            EventKind::CustomerErased,
            &customer.id,
            recipients,
            &serde_json::json!({ "customer_id": customer.id }),
        ));
        Ok(change)
    }
}

/// A departmental ID of an erased person is not silently recreated: the
/// feed is refused until a DPO decides.
pub(super) fn erased_refusal() -> Error {
    Error::FailedPrecondition {
        reason: "CUSTOMER_ERASED",
        message: "this departmental ID belonged to an erased customer; \
                  the data-protection officer must decide before it is held again"
            .into(),
    }
}
