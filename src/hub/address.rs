//! "Notify the council once": a citizen's new address is recorded and passed
//! on to the other departments that hold them, only those with consent.

use super::Hub;
use super::idempotency::fingerprint;
use crate::auth::{Caller, Role};
use crate::consent::{ConsentEvent, ConsentScope, Evidence, in_force};
use crate::error::{Error, Result};
use crate::policy::propagation::{EventKind, Restrictions, route_address_change};
use crate::policy::view::{Standing, answer_detail};
use crate::policy::{Action, authorize};
use crate::record::LinkRef;
use crate::record::{Address, Customer, CustomerId, PreviousAddress, SystemCode};
use crate::store::{Change, NewEvent, Op};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Which departments the citizen agrees may be told, in this call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ShareWith {
    Nobody,
    Systems(Vec<SystemCode>),
    AllLinked,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeAddress {
    pub customer_id: CustomerId,
    pub new_address: Address,
    pub effective_date: NaiveDate,
    pub share: ShareWith,
    #[serde(skip)]
    pub evidence: Option<Evidence>,
    #[serde(skip)]
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressChangeResult {
    pub customer_id: CustomerId,
    pub notified: Vec<SystemCode>,
    pub withheld: Vec<SystemCode>,
}

impl Hub {
    pub async fn change_address(
        &self,
        caller: &Caller,
        cmd: ChangeAddress,
    ) -> Result<AddressChangeResult> {
        if cmd.share != ShareWith::Nobody && cmd.evidence.is_none() {
            return Err(Error::invalid(
                "evidence.channel",
                "consent given in the call needs its evidence",
            ));
        }
        let scope = format!("change_address:{}", caller.name);
        let fingerprint = fingerprint(&cmd)?;
        let _guard = self.lock_keys(&[cmd.customer_id.as_str()]).await;
        let mut result: AddressChangeResult = self
            .run_idempotent(&scope, cmd.request_id.as_deref(), &fingerprint, || {
                self.plan_address_change(caller, &cmd)
            })
            .await?;
        tracing::info!(
            customer_id = %result.customer_id,
            notified = result.notified.len(),
            withheld = result.withheld.len(),
            "address changed"
        );
        if !answer_detail(caller).other_services {
            result.notified.clear();
            result.withheld.clear();
        }
        Ok(result)
    }

    async fn plan_address_change(
        &self,
        caller: &Caller,
        cmd: &ChangeAddress,
    ) -> Result<(AddressChangeResult, Change)> {
        authorize(caller, Action::ChangeAddress)?;
        let (customer, standing) = self.current_customer(caller, &cmd.customer_id).await?;
        let linked = customer.linked_systems();
        let earliest = customer.person.date_of_birth.date();
        let latest = self.clock.today() + chrono::Days::new(366);
        if cmd.effective_date < earliest || cmd.effective_date > latest {
            return Err(Error::invalid(
                "effective_date",
                "must fall between the date of birth and a year from today",
            ));
        }
        let now = self.clock.now();
        let origin = (caller.role == Role::Department)
            .then_some(caller.system.as_ref())
            .flatten();
        let granted_to: Vec<SystemCode> = match &cmd.share {
            ShareWith::Nobody => Vec::new(),
            ShareWith::Systems(systems) => {
                self.check_consent_systems(&customer, systems, |i| {
                    format!("consent_to_share.systems.systems[{i}]")
                })
                .await?;
                systems.clone()
            }
            ShareWith::AllLinked => linked
                .iter()
                .filter(|s| Some(*s) != origin)
                .cloned()
                .collect(),
        };
        let mut change = Change::default();
        let mut history = self.store.consent_history(&customer.id).await?;
        for system in granted_to {
            let grant = ConsentEvent {
                customer_id: customer.id.clone(),
                system,
                scope: ConsentScope::AddressChanges,
                granted: true,
                evidence: cmd.evidence.clone().unwrap_or_else(|| Evidence {
                    channel: String::new(),
                    reference: String::new(),
                    captured_by: caller.name.clone(),
                }),
                recorded_by: caller.name.clone(),
                at: now,
            };
            history.push(grant.clone());
            change.ops.push(Op::InsertConsent(grant));
        }
        let mut person = customer.person.clone();
        person.address = cmd.new_address.clone();
        let (notified, withheld) = if customer.person.address == cmd.new_address {
            (Vec::new(), Vec::new())
        } else {
            change.ops.push(Op::UpdateCustomer {
                id: customer.id.clone(),
                expected_version: customer.version,
                person,
                archived_address: Some(PreviousAddress {
                    address: customer.person.address.clone(),
                    until: now,
                }),
                at: now,
            });

            let objected = self.objects_to_address_sharing(&customer.id).await?;
            let (events, notified, withheld) = self.address_events(
                &customer,
                &cmd.new_address,
                cmd.effective_date,
                &history,
                origin,
                objected,
            );
            change.events.extend(events);
            (notified, withheld)
        };
        if let Standing::Holder(system) = &standing {
            self.supply_address(&customer, system, &cmd.new_address, &mut change)
                .await?;
        }
        change
            .audit
            .push(self.audit(caller, "change_address", Some(&customer.id), None));
        let result = AddressChangeResult {
            customer_id: customer.id,
            notified,
            withheld,
        };
        Ok((result, change))
    }

    /// A department that reports a move has supplied that address: its own
    /// records of the person take it, so its reads show it and its matching
    /// keys follow the person.
    async fn supply_address(
        &self,
        customer: &Customer,
        system: &SystemCode,
        address: &Address,
        change: &mut Change,
    ) -> Result<()> {
        let own: Vec<LinkRef> = customer
            .links
            .iter()
            .filter(|l| &l.system == system)
            .map(|l| LinkRef {
                system: l.system.clone(),
                local_id: l.local_id.clone(),
            })
            .collect();
        for linked in self.store.find_links(&own).await? {
            if linked.customer_id != customer.id || linked.record.person.address == *address {
                continue;
            }
            let old = super::linkage::subject(&linked.record.person);
            let mut record = linked.record;
            record.person.address = address.clone();
            let new = super::linkage::subject(&record.person);
            change
                .ops
                .push(Op::CountValues(crate::matching::Frequencies::deltas(
                    Some(&old),
                    Some(&new),
                )));
            change.ops.push(Op::UpdateLinkRecord {
                matching: self.linker.index(&record.person),
                record,
                at: self.clock.now(),
            });
        }
        Ok(())
    }

    /// The address_changed events for a customer's new address, routed by
    /// consent (and any objection to address sharing), with the systems
    /// told and those withheld.
    pub(super) fn address_events(
        &self,
        customer: &Customer,
        address: &Address,
        effective_date: NaiveDate,
        consent_history: &[ConsentEvent],
        origin: Option<&SystemCode>,
        address_sharing_objected: bool,
    ) -> (Vec<NewEvent>, Vec<SystemCode>, Vec<SystemCode>) {
        let consented = in_force(consent_history, ConsentScope::AddressChanges);
        let restrictions = Restrictions {
            address_sharing_objected,
            ..self.restrictions(customer)
        };
        let routing = route_address_change(&customer.links, &consented, origin, restrictions);
        let notified = routing.notified.iter().map(|(s, _)| s.clone()).collect();
        let data = serde_json::json!({
            "address": {
                "lines": address.lines,
                "town": address.town,
                "postcode": address.postcode.as_str(),
                "uprn": address.uprn.as_ref().map(|u| u.as_str()),
            },
            "effective_date": effective_date.to_string(),
        });
        let events = self.events(
            EventKind::AddressChanged,
            &customer.id,
            routing.notified,
            &data,
        );
        (events, notified, routing.withheld)
    }
}
