//! SubmitRecord: match a departmental record to a customer and link it.

use super::Hub;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::matching;
use crate::policy::{Action, authorize};
use crate::record::{Customer, CustomerId, DepartmentalRecord, Link, PreviousAddress};
use crate::store::{Change, LinkedRecord, NewEvent, Op, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A concurrent writer can win a race (same departmental ID, same customer);
/// re-planning from fresh reads settles it in a round or two.
const MAX_ATTEMPTS: usize = 5;

#[derive(Debug, Clone)]
pub struct SubmitRecord {
    pub record: DepartmentalRecord,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmitOutcome {
    Linked,
    NewCustomer,
    Updated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitResult {
    pub customer_id: CustomerId,
    pub outcome: SubmitOutcome,
}

impl Hub {
    pub async fn submit_record(&self, caller: &Caller, cmd: SubmitRecord) -> Result<SubmitResult> {
        authorize(
            caller,
            Action::SubmitRecord {
                system: &cmd.record.system,
            },
        )?;
        let scope = format!("submit:{}", cmd.record.system);
        let fingerprint = fingerprint(&cmd.record)?;
        let _guard = self
            .lock_key(&format!("{}/{}", cmd.record.system, cmd.record.local_id))
            .await;
        for _ in 0..MAX_ATTEMPTS {
            if let Some(request_id) = &cmd.request_id
                && let Some(previous) = self.store.find_request(&scope, request_id).await?
            {
                if previous.fingerprint != fingerprint {
                    return Err(Error::FailedPrecondition {
                        reason: "REQUEST_ID_REUSED",
                        message: "request_id was already used for a different record".into(),
                    });
                }
                return serde_json::from_str(&previous.response)
                    .map_err(|e| Error::Internal(format!("stored response: {e}")));
            }
            let (result, mut change) = self.plan_submit(caller, &cmd.record).await?;
            if let Some(request_id) = &cmd.request_id {
                change.ops.push(Op::SaveRequest {
                    scope: scope.clone(),
                    request_id: request_id.clone(),
                    fingerprint: fingerprint.clone(),
                    response: serde_json::to_string(&result)
                        .map_err(|e| Error::Internal(e.to_string()))?,
                    at: self.clock.now(),
                });
            }
            match self.store.apply(change).await {
                Ok(_) => {
                    tracing::info!(customer_id = %result.customer_id, outcome = ?result.outcome, "record submitted");
                    return Ok(result);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Unavailable(
            "too many concurrent updates to this record, please retry".into(),
        ))
    }

    async fn plan_submit(
        &self,
        caller: &Caller,
        record: &DepartmentalRecord,
    ) -> Result<(SubmitResult, Change)> {
        if let Some(linked) = self
            .store
            .find_link(&record.system, &record.local_id)
            .await?
        {
            return self.plan_update(caller, record, linked).await;
        }
        let now = self.clock.now();
        let key = matching::exact_key(&record.person);
        let candidates = self
            .store
            .customers_with_keys(std::slice::from_ref(&key))
            .await?;
        let mut change = Change::default();
        let (customer_id, outcome, method) = match candidates.into_iter().next() {
            Some(id) => (id, SubmitOutcome::Linked, "exact"),
            None => {
                let id = CustomerId::generate();
                change.ops.push(Op::InsertCustomer {
                    customer: Customer {
                        id: id.clone(),
                        person: record.person.clone(),
                        previous_addresses: Vec::new(),
                        links: Vec::new(),
                        version: 1,
                        created_at: now,
                        updated_at: now,
                    },
                    match_keys: vec![key],
                });
                (id, SubmitOutcome::NewCustomer, "new_customer")
            }
        };
        change.ops.push(Op::InsertLink {
            customer_id: customer_id.clone(),
            link: Link {
                system: record.system.clone(),
                local_id: record.local_id.clone(),
                linked_at: now,
                method: method.into(),
                confidence: 1.0,
            },
            record: record.clone(),
        });
        change
            .audit
            .push(self.audit(caller, "submit_record", Some(&customer_id), None));
        change.events.push(NewEvent {
            event_id: uuid::Uuid::new_v4().to_string(),
            customer_id: customer_id.clone(),
            event_type: "record_linked".into(),
            data: serde_json::json!({ "system": record.system, "local_id": record.local_id }),
            at: now,
        });
        Ok((
            SubmitResult {
                customer_id,
                outcome,
            },
            change,
        ))
    }

    /// The departmental ID is already linked: its record is replaced, and the
    /// customer takes the newest facts (the old address goes to history).
    async fn plan_update(
        &self,
        caller: &Caller,
        record: &DepartmentalRecord,
        linked: LinkedRecord,
    ) -> Result<(SubmitResult, Change)> {
        let now = self.clock.now();
        let customer = self
            .store
            .load_customer(&linked.customer_id)
            .await?
            .ok_or_else(|| Error::Internal("link points at a missing customer".into()))?;
        let mut change = Change::default();
        if linked.record != *record {
            change.ops.push(Op::UpdateLinkRecord {
                record: record.clone(),
                at: now,
            });
        }
        if customer.person != record.person {
            let archived_address =
                (customer.person.address != record.person.address).then(|| PreviousAddress {
                    address: customer.person.address.clone(),
                    until: now,
                });
            change.ops.push(Op::UpdateCustomer {
                id: customer.id.clone(),
                expected_version: customer.version,
                person: record.person.clone(),
                match_keys: vec![matching::exact_key(&record.person)],
                archived_address,
                at: now,
            });
        }
        change
            .audit
            .push(self.audit(caller, "submit_record", Some(&customer.id), None));
        let result = SubmitResult {
            customer_id: customer.id,
            outcome: SubmitOutcome::Updated,
        };
        Ok((result, change))
    }
}

/// Identifies a request's content, so a reused request_id with other content
/// is caught rather than silently answered with the first result.
fn fingerprint(record: &DepartmentalRecord) -> Result<String> {
    let json = serde_json::to_vec(record).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(hex::encode(Sha256::digest(json)))
}
