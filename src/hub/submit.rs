//! SubmitRecord: match a departmental record to a customer and link it.

use super::linkage::{LinkDecision, LinkOutcome, MAX_REVIEW_CANDIDATES, PER_KEY_LIMIT};
use super::{Hub, MAX_ATTEMPTS};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::{Action, authorize};
use crate::record::{Customer, CustomerId, DepartmentalRecord, Link, PreviousAddress};
use crate::review::{CandidateScore, Explanation, ReviewStatus, ReviewTask};
use crate::store::{CandidateRecord, Change, LinkedRecord, Op, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

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
    PossibleMatch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmitResult {
    pub customer_id: CustomerId,
    pub outcome: SubmitOutcome,
    pub explanation: Explanation,
    pub review_task_ids: Vec<String>,
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
        let link_key = format!("{}/{}", cmd.record.system, cmd.record.local_id);
        let _guard = self.lock_keys(&[&link_key]).await;
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
        let index = self.linker.index(&record.person);
        let candidates = self.store.candidates(&index.keys, PER_KEY_LIMIT).await?;
        let decision = self.linker.decide(&index, &candidates);
        let mut change = Change::default();
        let mut review_task_ids = Vec::new();
        let (customer_id, outcome, method, confidence) = match &decision.outcome {
            LinkOutcome::Link {
                customer,
                confidence,
            } => (
                customer.clone(),
                SubmitOutcome::Linked,
                "matched",
                *confidence,
            ),
            LinkOutcome::New => {
                let id = self.new_customer(record, &mut change);
                (id, SubmitOutcome::NewCustomer, "new_customer", 1.0)
            }
            LinkOutcome::Possible { candidates } => {
                let id = self.new_customer(record, &mut change);
                for (candidate, score, explanation) in candidates.iter().take(MAX_REVIEW_CANDIDATES)
                {
                    let task = review_task(&id, candidate, *score, explanation, now);
                    review_task_ids.push(task.id.clone());
                    change.ops.push(Op::InsertReviewTask(task));
                }
                (id, SubmitOutcome::PossibleMatch, "new_customer_review", 1.0)
            }
        };
        change.ops.push(Op::InsertLink {
            customer_id: customer_id.clone(),
            link: Link {
                system: record.system.clone(),
                local_id: record.local_id.clone(),
                linked_at: now,
                method: method.into(),
                confidence,
            },
            record: record.clone(),
            matching: index,
        });
        change
            .audit
            .push(self.audit(caller, "submit_record", Some(&customer_id), None));
        change.events.push(self.event(
            &customer_id,
            "record_linked",
            serde_json::json!({ "system": record.system, "local_id": record.local_id }),
        ));
        let explanation = redact(decision, &customer_id, &candidates, caller);
        let result = SubmitResult {
            customer_id,
            outcome,
            explanation,
            review_task_ids,
        };
        Ok((result, change))
    }

    fn new_customer(&self, record: &DepartmentalRecord, change: &mut Change) -> CustomerId {
        let now = self.clock.now();
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
                merged_into: None,
            },
        });
        id
    }

    /// The departmental ID is already linked: its record is replaced, and the
    /// customer takes the newest facts (the old address goes to history). If
    /// the new facts now look like another customer, a steward is asked; an
    /// update never merges by itself.
    async fn plan_update(
        &self,
        caller: &Caller,
        record: &DepartmentalRecord,
        linked: LinkedRecord,
    ) -> Result<(SubmitResult, Change)> {
        let now = self.clock.now();
        let customer = self.customer(&linked.customer_id).await?;
        let mut change = Change::default();
        let mut review_task_ids = Vec::new();
        if linked.record != *record {
            let index = self.linker.index(&record.person);
            let candidates: Vec<CandidateRecord> = self
                .store
                .candidates(&index.keys, PER_KEY_LIMIT)
                .await?
                .into_iter()
                .filter(|c| c.customer_id != customer.id)
                .collect();
            let proposals = match self.linker.decide(&index, &candidates).outcome {
                LinkOutcome::Link {
                    customer: other,
                    confidence,
                } => {
                    vec![(other, confidence, CandidateScore::default())]
                }
                LinkOutcome::Possible { candidates } => candidates,
                LinkOutcome::New => Vec::new(),
            };
            for (other, score, explanation) in proposals.into_iter().take(MAX_REVIEW_CANDIDATES) {
                if !self.store.known_distinct(&customer.id, &other).await? {
                    let task = review_task(&customer.id, &other, score, &explanation, now);
                    review_task_ids.push(task.id.clone());
                    change.ops.push(Op::InsertReviewTask(task));
                }
            }
            change.ops.push(Op::UpdateLinkRecord {
                record: record.clone(),
                matching: index,
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
            explanation: Explanation::default(),
            review_task_ids,
        };
        Ok((result, change))
    }
}

fn review_task(
    customer: &CustomerId,
    candidate: &CustomerId,
    score: f64,
    explanation: &CandidateScore,
    now: chrono::DateTime<chrono::Utc>,
) -> ReviewTask {
    ReviewTask {
        id: uuid::Uuid::new_v4().to_string(),
        seq: 0,
        customer_id: customer.clone(),
        candidate_id: candidate.clone(),
        score,
        explanation: serde_json::to_value(explanation).unwrap_or_default(),
        status: ReviewStatus::Open,
        created_at: now,
        resolved_by: None,
        resolved_at: None,
    }
}

/// A department learns the IDs only of customers its own system holds (and
/// the one its record now belongs to): the scores of others stay, unnamed.
fn redact(
    decision: LinkDecision,
    linked_to: &CustomerId,
    candidates: &[CandidateRecord],
    caller: &Caller,
) -> Explanation {
    let visible: HashSet<&CustomerId> = candidates
        .iter()
        .filter(|c| Some(&c.link.system) == caller.system.as_ref())
        .map(|c| &c.customer_id)
        .chain(std::iter::once(linked_to))
        .collect();
    let mut explanation = decision.explanation;
    for candidate in &mut explanation.candidates {
        if candidate
            .customer_id
            .as_ref()
            .is_some_and(|id| !visible.contains(id))
        {
            candidate.customer_id = None;
        }
    }
    explanation
}

/// Identifies a request's content, so a reused request_id with other content
/// is caught rather than silently answered with the first result.
fn fingerprint(record: &DepartmentalRecord) -> Result<String> {
    let json = serde_json::to_vec(record).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(hex::encode(Sha256::digest(json)))
}
