//! Matching again after commit, where other processes write the same store
//! (replicas over one PostgreSQL): two departments submitting one new
//! person at the same moment through two replicas each plan before the
//! other commits, and each makes a customer. In one process the key locks
//! of `submit` keep them apart; across processes each new customer is
//! matched again, after its commit, against the records that arrived
//! meanwhile, and any it would have linked to or asked about goes to a
//! steward. No person ends up as two customers with nothing between them.

use super::Hub;
use super::intake::review_task;
use super::linkage::{LinkOutcome, MAX_REVIEW_CANDIDATES};
use super::submit::worth_reading_for;
use crate::error::Result;
use crate::matching::{Frequencies, Subject};
use crate::record::CustomerId;
use crate::record::LinkRef;
use crate::store::{CandidateRecord, Change, MatchIndex, Op};
use std::collections::HashSet;

impl Hub {
    /// `made`: the new customers just committed, each with its record's
    /// matching index; `seen`: the records their plan already compared.
    pub(super) async fn recheck_new(
        &self,
        made: &[(MatchIndex, CustomerId)],
        seen: &HashSet<LinkRef>,
    ) -> Result<()> {
        if made.is_empty() || !self.store.concurrent_writers() {
            return Ok(());
        }
        let wanted: Vec<&[String]> = made.iter().map(|(i, _)| i.keys.as_slice()).collect();
        let read: Vec<LinkRef> = worth_reading_for(self.store.as_ref(), &wanted)
            .await?
            .into_iter()
            .filter(|l| !seen.contains(l))
            .collect();
        if read.is_empty() {
            return Ok(());
        }
        let arrived: Vec<CandidateRecord> = self.store.candidate_records(&read).await?;
        let now = self.clock.now();
        let mut change = Change::default();
        for (index, customer) in made {
            let others: Vec<CandidateRecord> = arrived
                .iter()
                .filter(|c| &c.customer_id != customer)
                .filter(|c| crate::policy::may_match_into(&c.flags))
                .cloned()
                .collect();
            if others.is_empty() {
                continue;
            }
            let values = Frequencies::values(&Subject::from_stored(&index.normalised));
            let freq = self.store.value_counts(&values).await?;
            let decision = self.linker.decide(index, &others, &freq);
            let proposals = match decision.outcome {
                LinkOutcome::Link {
                    customer: other, ..
                } => decision
                    .explanation
                    .candidates
                    .iter()
                    .filter(|c| c.customer_id.as_ref() == Some(&other))
                    .map(|c| (other.clone(), c.total, c.clone()))
                    .collect(),
                LinkOutcome::Possible { candidates } => candidates,
                LinkOutcome::New => Vec::new(),
            };
            for (other, score, explanation) in proposals.into_iter().take(MAX_REVIEW_CANDIDATES) {
                if !self.store.known_distinct(customer, &other).await? {
                    change.ops.push(Op::InsertReviewTask(review_task(
                        customer,
                        &other,
                        score,
                        &explanation,
                        now,
                    )));
                }
            }
        }
        if !change.ops.is_empty() {
            tracing::info!(
                tasks = change.ops.len(),
                "possible duplicates made concurrently sent to review"
            );
            self.store.apply(change).await?;
        }
        Ok(())
    }
}
