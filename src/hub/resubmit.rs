//! SubmitRecord for a departmental ID already linked: its record is
//! replaced, and the customer takes the newest facts (the old address goes
//! to history). If the new facts now look like another customer, a steward
//! is asked; an update never merges by itself.

use super::Hub;
use super::intake::{SubmitOutcome, SubmitResult};
use super::intake::{candidates_for, review_task};
use super::linkage;
use super::linkage::{LinkOutcome, MAX_REVIEW_CANDIDATES, PER_KEY_LIMIT};
use crate::auth::Caller;
use crate::error::Result;
use crate::matching::{Frequencies, Subject};
use crate::policy::may_match_into;
use crate::policy::minors::Holding;
use crate::record::{DepartmentalRecord, PreviousAddress};
use crate::store::{CandidateRecord, Change, LinkedRecord, Op};

impl Hub {
    pub(super) async fn plan_update(
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
            let new = Subject::from_stored(&index.normalised);
            let old = linkage::subject(&linked.record.person);
            let found = self
                .candidates(&[index.keys.as_slice()], &Frequencies::values(&new))
                .await?;
            let candidates: Vec<CandidateRecord> =
                candidates_for(&index.keys, &found, PER_KEY_LIMIT)
                    .into_iter()
                    .filter(|c| {
                        matchable && c.customer_id != customer.id && may_match_into(&c.flags)
                    })
                    .collect();
            let decision = self.linker.decide(&index, &candidates, &found.frequencies);
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
            change
                .ops
                .push(Op::CountValues(Frequencies::deltas(Some(&old), Some(&new))));
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
            review_task_ids,
        };
        Ok((result, change))
    }
}
