//! SubmitRecord: match a departmental record to a customer and link it.

use super::Hub;
use super::idempotency::fingerprint;
use super::linkage::{LinkDecision, LinkOutcome, MAX_REVIEW_CANDIDATES, PER_KEY_LIMIT};
use crate::auth::Caller;
use crate::error::Result;
use crate::policy::minors::{self, BasisClaim, Holding};
use crate::policy::propagation::{EventKind, route};
use crate::policy::{Action, authorize, may_match_into};
use crate::record::{Customer, CustomerId, DepartmentalRecord, Link, PreviousAddress};
use crate::review::{CandidateScore, Explanation, ReviewStatus, ReviewTask};
use crate::store::{CandidateRecord, Change, LinkedRecord, Op};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone)]
pub struct SubmitRecord {
    pub record: DepartmentalRecord,
    pub request_id: Option<String>,
    /// The lawful exception claimed for a minor, if any.
    pub minor_basis: Option<BasisClaim>,
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
        // Decided before anything is written, indexed or logged: a refused
        // minor leaves no trace, not even a log line.
        let holding = minors::evaluate(
            cmd.record.person.date_of_birth,
            cmd.minor_basis.as_ref(),
            &cmd.record.system,
            self.clock.now(),
            &self.privacy.minors,
        )?;
        let scope = format!("submit:{}", cmd.record.system);
        // Records without a claim keep the fingerprint they always had, so
        // earlier idempotency keys still replay.
        let fingerprint = match &cmd.minor_basis {
            None => fingerprint(&cmd.record)?,
            Some(claim) => fingerprint(&(&cmd.record, claim))?,
        };
        let link_key = format!("{}/{}", cmd.record.system, cmd.record.local_id);
        let _guard = self.lock_keys(&[&link_key]).await;
        let result = self
            .run_idempotent(&scope, cmd.request_id.as_deref(), &fingerprint, || {
                self.plan_submit(caller, &cmd.record, &holding)
            })
            .await?;
        tracing::info!(customer_id = %result.customer_id, outcome = ?result.outcome, "record submitted");
        crate::telemetry::metrics::match_outcome(match result.outcome {
            SubmitOutcome::Linked => "linked",
            SubmitOutcome::NewCustomer => "new_customer",
            SubmitOutcome::PossibleMatch => "possible_match",
            SubmitOutcome::Updated => "updated",
        });
        Ok(result)
    }

    async fn plan_submit(
        &self,
        caller: &Caller,
        record: &DepartmentalRecord,
        holding: &Holding,
    ) -> Result<(SubmitResult, Change)> {
        if let Some(linked) = self
            .store
            .find_link(&record.system, &record.local_id)
            .await?
        {
            return self.plan_update(caller, record, linked, holding).await;
        }
        self.refuse_erased(record).await?;
        let now = self.clock.now();
        let index = self.linker.index(&record.person);
        // A minor's record on an exception is never matched to anyone: it
        // stays a customer of its own, seen on need-to-know only.
        let candidates: Vec<CandidateRecord> = match holding {
            Holding::Restricted(_) => Vec::new(),
            Holding::Adult => self
                .store
                .candidates(&index.keys, PER_KEY_LIMIT)
                .await?
                .into_iter()
                .filter(|c| may_match_into(&c.flags))
                .collect(),
        };
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
                let id = self.new_customer(record, holding, &mut change);
                (id, SubmitOutcome::NewCustomer, "new_customer", 1.0)
            }
            LinkOutcome::Possible { candidates } => {
                let id = self.new_customer(record, holding, &mut change);
                for (candidate, score, explanation) in candidates.iter().take(MAX_REVIEW_CANDIDATES)
                {
                    let task = review_task(&id, candidate, *score, explanation, now);
                    review_task_ids.push(task.id.clone());
                    change.ops.push(Op::InsertReviewTask(task));
                }
                (id, SubmitOutcome::PossibleMatch, "new_customer_review", 1.0)
            }
        };
        let link = Link {
            system: record.system.clone(),
            local_id: record.local_id.clone(),
            linked_at: now,
            method: method.into(),
            confidence,
        };
        change.ops.push(Op::InsertLink {
            customer_id: customer_id.clone(),
            link: link.clone(),
            record: record.clone(),
            matching: index,
        });
        change
            .audit
            .push(self.audit(caller, "submit_record", Some(&customer_id), None));
        // Only the system linked hears of it: other departments learning
        // which services a person uses would be a disclosure in itself.
        let new_link = [link];
        let flags = match holding {
            Holding::Restricted(basis) => crate::record::Flags {
                minor_basis: Some(basis.clone()),
                ..Default::default()
            },
            Holding::Adult => Default::default(),
        };
        let recipients = route(
            EventKind::RecordLinked,
            &new_link,
            crate::policy::restrictions(&flags),
        );
        change.events.extend(self.events(
            EventKind::RecordLinked,
            &customer_id,
            recipients,
            &serde_json::json!({ "customer_id": customer_id }),
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

    fn new_customer(
        &self,
        record: &DepartmentalRecord,
        holding: &Holding,
        change: &mut Change,
    ) -> CustomerId {
        let now = self.clock.now();
        let id = CustomerId::generate();
        let flags = crate::record::Flags {
            minor_basis: match holding {
                Holding::Restricted(basis) => Some(basis.clone()),
                Holding::Adult => None,
            },
            ..Default::default()
        };
        change.ops.push(Op::InsertCustomer {
            customer: Customer::new(id.clone(), record.person.clone(), flags, now),
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
        holding: &Holding,
    ) -> Result<(SubmitResult, Change)> {
        let now = self.clock.now();
        let mut customer = self.customer(&linked.customer_id).await?;
        let mut change = Change::default();
        let mut review_task_ids = Vec::new();
        // A (renewed) exception restricts the customer from now on; an
        // adult's record leaves the flags to the sweep and the DPO.
        if let Holding::Restricted(basis) = holding
            && customer.flags.minor_basis.as_ref() != Some(basis)
        {
            customer.flags.minor_basis = Some(basis.clone());
            change.ops.push(Op::SetFlags {
                id: customer.id.clone(),
                flags: customer.flags.clone(),
            });
        }
        let matchable = may_match_into(&customer.flags);
        if linked.record != *record {
            let index = self.linker.index(&record.person);
            let candidates: Vec<CandidateRecord> = self
                .store
                .candidates(&index.keys, PER_KEY_LIMIT)
                .await?
                .into_iter()
                .filter(|c| matchable && c.customer_id != customer.id && may_match_into(&c.flags))
                .collect();
            let decision = self.linker.decide(&index, &candidates);
            let proposals = match decision.outcome {
                // An update never merges by itself: a strong match is a
                // steward's call too, with the same explanation.
                LinkOutcome::Link {
                    customer: other, ..
                } => {
                    let score = decision
                        .explanation
                        .candidates
                        .iter()
                        .find(|c| c.customer_id.as_ref() == Some(&other))
                        .cloned()
                        .unwrap_or_default();
                    vec![(other, score.total, score)]
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
            // A department reporting a move passes it on like ChangeAddress,
            // to consenting systems only.
            if customer.person.address != record.person.address {
                let history = self.store.consent_history(&customer.id).await?;
                let today = self.clock.today();
                let objected = self.objects_to_address_sharing(&customer.id).await?;
                let (events, _, _) = self.address_events(
                    &customer,
                    &record.person.address,
                    today,
                    &history,
                    Some(&record.system),
                    objected,
                );
                change.events.extend(events);
            }
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
