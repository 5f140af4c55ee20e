//! Plans departmental records new to the hub, in memory and in submission
//! order, from one candidate read for a whole batch. Records planned earlier
//! in the batch are candidates for later ones (the `pending` overlay), so a
//! batch decides exactly as the same records submitted one by one. Pure: no
//! I/O, so the hub runs it off the async runtime.

use super::linkage::{LinkDecision, LinkOutcome, Linker, MAX_REVIEW_CANDIDATES};
use super::submit::{SubmitOutcome, SubmitResult};
use super::{audit_entry, outbox_events};
use crate::auth::Caller;
use crate::policy::may_match_into;
use crate::policy::minors::Holding;
use crate::policy::propagation::{EventKind, route};
use crate::record::{Customer, CustomerId, DepartmentalRecord, Flags, Link};
use crate::review::{CandidateScore, Explanation, LinkRef, ReviewStatus, ReviewTask};
use crate::store::{CandidateRecord, Change, KeyedCandidates, MatchIndex, Op};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A record new to the hub, with its matching index.
pub(super) struct NewRecord {
    pub record: DepartmentalRecord,
    pub holding: Holding,
    pub index: MatchIndex,
}

/// Plans a batch's new records against what the store held when it was
/// read (`found`) and what this batch has planned so far.
pub(super) struct Planner<'a> {
    pub linker: &'a Linker,
    pub caller: &'a Caller,
    pub now: DateTime<Utc>,
    pub found: &'a KeyedCandidates,
    pub per_key_limit: i64,
    /// Records planned earlier in this batch, by blocking key.
    pending: HashMap<String, Vec<CandidateRecord>>,
}

impl<'a> Planner<'a> {
    pub fn new(
        linker: &'a Linker,
        caller: &'a Caller,
        now: DateTime<Utc>,
        found: &'a KeyedCandidates,
        per_key_limit: i64,
    ) -> Self {
        Self {
            linker,
            caller,
            now,
            found,
            per_key_limit,
            pending: HashMap::new(),
        }
    }

    /// Decides who the record is and adds its writes to `change`; later
    /// records of the batch will find it.
    pub fn plan(&mut self, new: NewRecord, change: &mut Change) -> SubmitResult {
        let NewRecord {
            record,
            holding,
            index,
        } = new;
        let now = self.now;
        // A minor's record on an exception is never matched to anyone: it
        // stays a customer of its own, seen on need-to-know only.
        let candidates: Vec<CandidateRecord> = match &holding {
            Holding::Restricted(_) => Vec::new(),
            Holding::Adult => {
                candidates_for(&index.keys, self.found, &self.pending, self.per_key_limit)
                    .into_iter()
                    .filter(|c| may_match_into(&c.flags))
                    .collect()
            }
        };
        let decision = self.linker.decide(&index, &candidates);
        let mut review_task_ids = Vec::new();
        let flags = holding_flags(&holding);
        let (customer_id, customer_flags, outcome, method, confidence) = match &decision.outcome {
            LinkOutcome::Link {
                customer,
                confidence,
            } => {
                let flags = candidates
                    .iter()
                    .find(|c| &c.customer_id == customer)
                    .map(|c| c.flags.clone())
                    .unwrap_or_default();
                (
                    customer.clone(),
                    flags,
                    SubmitOutcome::Linked,
                    "matched",
                    *confidence,
                )
            }
            LinkOutcome::New => {
                let id = new_customer(&record, &flags, now, change);
                (
                    id,
                    flags.clone(),
                    SubmitOutcome::NewCustomer,
                    "new_customer",
                    1.0,
                )
            }
            LinkOutcome::Possible { candidates } => {
                let id = new_customer(&record, &flags, now, change);
                for (candidate, score, explanation) in candidates.iter().take(MAX_REVIEW_CANDIDATES)
                {
                    let task = review_task(&id, candidate, *score, explanation, now);
                    review_task_ids.push(task.id.clone());
                    change.ops.push(Op::InsertReviewTask(task));
                }
                (
                    id,
                    flags.clone(),
                    SubmitOutcome::PossibleMatch,
                    "new_customer_review",
                    1.0,
                )
            }
        };
        let link = Link {
            system: record.system.clone(),
            local_id: record.local_id.clone(),
            linked_at: now,
            method: method.into(),
            confidence,
        };
        let mut keys: Vec<&String> = index.keys.iter().collect();
        keys.sort_unstable();
        // The store keeps a record's key once, however often it is made.
        keys.dedup();
        for key in keys {
            self.pending
                .entry(key.clone())
                .or_default()
                .push(CandidateRecord {
                    customer_id: customer_id.clone(),
                    flags: customer_flags.clone(),
                    link: LinkRef {
                        system: record.system.clone(),
                        local_id: record.local_id.clone(),
                    },
                    normalised: index.normalised.clone(),
                });
        }
        change.ops.push(Op::InsertLink {
            customer_id: customer_id.clone(),
            link: link.clone(),
            record,
            matching: index,
        });
        change.audit.push(audit_entry(
            self.caller,
            "submit_record",
            Some(&customer_id),
            None,
            now,
        ));
        // Only the system linked hears of it: other departments learning
        // which services a person uses would be a disclosure in itself.
        let recipients = route(
            EventKind::RecordLinked,
            &[link],
            crate::policy::restrictions(&flags),
        );
        change.events.extend(outbox_events(
            EventKind::RecordLinked,
            &customer_id,
            recipients,
            &serde_json::json!({ "customer_id": customer_id }),
            now,
        ));
        let explanation = redact(decision, &customer_id, &candidates, self.caller);
        SubmitResult {
            customer_id,
            outcome,
            explanation,
            review_task_ids,
        }
    }
}

/// The candidates of a record with `keys`: the records under each key held
/// by no more than `limit` records (counting those planned earlier in the
/// batch), each once, in link order, as `Store::candidates` defines them.
pub(super) fn candidates_for(
    keys: &[String],
    found: &KeyedCandidates,
    pending: &HashMap<String, Vec<CandidateRecord>>,
    limit: i64,
) -> Vec<CandidateRecord> {
    let mut chosen: BTreeMap<&LinkRef, &CandidateRecord> = BTreeMap::new();
    let mut seen_keys = HashSet::new();
    for key in keys {
        if !seen_keys.insert(key) {
            continue;
        }
        let stored = found.counts.get(key).copied().unwrap_or(0);
        let planned = pending.get(key).map_or(&[][..], Vec::as_slice);
        if stored + planned.len() as i64 > limit {
            continue;
        }
        let from_store = found
            .by_key
            .get(key)
            .into_iter()
            .flatten()
            .map(|&i| &found.records[i]);
        for record in from_store.chain(planned) {
            chosen.entry(&record.link).or_insert(record);
        }
    }
    chosen.into_values().cloned().collect()
}

/// The privacy flags a new customer starts with.
pub(super) fn holding_flags(holding: &Holding) -> Flags {
    Flags {
        minor_basis: match holding {
            Holding::Restricted(basis) => Some(basis.clone()),
            Holding::Adult => None,
        },
        ..Default::default()
    }
}

fn new_customer(
    record: &DepartmentalRecord,
    flags: &Flags,
    now: DateTime<Utc>,
    change: &mut Change,
) -> CustomerId {
    let id = CustomerId::generate();
    change.ops.push(Op::InsertCustomer {
        customer: Customer::new(id.clone(), record.person.clone(), flags.clone(), now),
    });
    id
}

pub(super) fn review_task(
    customer: &CustomerId,
    candidate: &CustomerId,
    score: f64,
    explanation: &CandidateScore,
    now: DateTime<Utc>,
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
