//! The possible-match review queue.

use super::{Hub, MAX_ATTEMPTS};
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::policy::view;
use crate::policy::view::CustomerView;
use crate::policy::{Action, authorize};
use crate::record::CustomerId;
use crate::review::{QueuePlace, ReviewStatus, ReviewTask};
use crate::store::{Change, Op, StoreError};

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewDecision {
    SamePerson,
    DifferentPeople,
}

/// A task with its two customers side by side, as the steward may see
/// them.
#[derive(Debug)]
pub struct ReviewItem {
    pub task: ReviewTask,
    pub customer: CustomerView,
    pub candidate: CustomerView,
}

/// A page of the queue (likeliest first) and the place after it.
#[derive(Debug)]
pub struct ReviewPage {
    pub tasks: Vec<ReviewItem>,
    pub next_after: Option<QueuePlace>,
}

impl Hub {
    pub async fn list_review_tasks(
        &self,
        caller: &Caller,
        after: Option<QueuePlace>,
        page_size: i64,
        include_resolved: bool,
    ) -> Result<ReviewPage> {
        authorize(caller, Action::StewardMatches)?;
        let size = match page_size {
            0 => DEFAULT_PAGE_SIZE,
            n if (1..=MAX_PAGE_SIZE).contains(&n) => n,
            _ => {
                return Err(Error::invalid(
                    "page_size",
                    format!("must be 0 to {MAX_PAGE_SIZE}"),
                ));
            }
        };
        // One extra row says whether another page follows.
        let mut tasks = self
            .store
            .review_tasks(after, size + 1, include_resolved)
            .await?;
        let more = tasks.len() as i64 > size;
        tasks.truncate(size as usize);
        let next_after = more
            .then(|| {
                tasks.last().map(|t| QueuePlace {
                    score: t.score,
                    seq: t.seq,
                })
            })
            .flatten();
        // A task naming a customer the steward may not see (restricted since
        // it was opened) is left out, as that customer would be anywhere.
        let mut shown = Vec::with_capacity(tasks.len());
        for task in tasks {
            if let Some((customer, candidate)) = self.task_sides(caller, &task).await? {
                shown.push(ReviewItem {
                    task,
                    customer,
                    candidate,
                });
            }
        }
        Ok(ReviewPage {
            tasks: shown,
            next_after,
        })
    }

    /// Decides a task; returns it and, for `SamePerson`, the survivor.
    pub async fn resolve_review_task(
        &self,
        caller: &Caller,
        task_id: &str,
        decision: ReviewDecision,
        reason: &str,
    ) -> Result<(ReviewTask, Option<CustomerId>)> {
        authorize(caller, Action::StewardMatches)?;
        let reason = match reason.trim() {
            "" => "review task decision".to_owned(),
            given => super::parse_reason(given)?,
        };
        let task = self.open_task(task_id).await?;
        if self.task_sides(caller, &task).await?.is_none() {
            return Err(Error::NotFound(format!("review task {task_id}")));
        }
        let _guards = self
            .lock_keys(&[task.customer_id.as_str(), task.candidate_id.as_str()])
            .await;
        for _ in 0..MAX_ATTEMPTS {
            let task = self.open_task(task_id).await?;
            let (survivor, change) = self
                .plan_resolution(caller, &task, decision, &reason)
                .await?;
            match self.store.apply(change).await {
                Ok(_) => {
                    tracing::info!(task_id = %task.id, decision = ?decision, "review task resolved");
                    let task = self
                        .store
                        .review_task(task_id)
                        .await?
                        .ok_or_else(|| Error::Internal("resolved task vanished".into()))?;
                    return Ok((task, survivor));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Unavailable(
            "task changed concurrently, please retry".into(),
        ))
    }

    /// Both customers a task names as the caller may see them, or `None`
    /// when it may not see either (or one is gone).
    async fn task_sides(
        &self,
        caller: &Caller,
        task: &ReviewTask,
    ) -> Result<Option<(CustomerView, CustomerView)>> {
        let mut sides = Vec::with_capacity(2);
        for id in [&task.customer_id, &task.candidate_id] {
            let Some(customer) = self.store.load_customer(id).await? else {
                return Ok(None);
            };
            match self.standing_if_any(caller, &customer).await? {
                Some(standing) if view::is_staff(&standing) => {
                    sides.push(self.customer_view(&standing, &customer).await?);
                }
                _ => return Ok(None),
            }
        }
        let candidate = sides.pop();
        Ok(sides.pop().zip(candidate))
    }

    async fn open_task(&self, task_id: &str) -> Result<ReviewTask> {
        let task = self
            .store
            .review_task(task_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("review task {task_id}")))?;
        if task.status != ReviewStatus::Open {
            return Err(Error::FailedPrecondition {
                reason: "TASK_ALREADY_RESOLVED",
                message: format!("review task {task_id} is already {}", task.status.as_str()),
            });
        }
        Ok(task)
    }

    async fn plan_resolution(
        &self,
        caller: &Caller,
        task: &ReviewTask,
        decision: ReviewDecision,
        reason: &str,
    ) -> Result<(Option<CustomerId>, Change)> {
        let now = self.clock.now();
        let close = |status| Op::ResolveReviewTask {
            id: task.id.clone(),
            status,
            by: caller.name.clone(),
            at: now,
        };
        match decision {
            ReviewDecision::SamePerson => {
                // The known customer survives; the one made for the new record merges in.
                let mut change = self
                    .plan_merge(caller, &task.candidate_id, &task.customer_id, reason)
                    .await?;
                change.ops.insert(0, close(ReviewStatus::SamePerson));
                Ok((Some(task.candidate_id.clone()), change))
            }
            ReviewDecision::DifferentPeople => {
                let mut change = Change::default();
                change.ops.push(close(ReviewStatus::DifferentPeople));
                change.ops.push(Op::InsertDistinctPair {
                    a: task.customer_id.clone(),
                    b: task.candidate_id.clone(),
                    by: caller.name.clone(),
                    at: now,
                });
                for id in [&task.customer_id, &task.candidate_id] {
                    change.audit.push(self.audit(
                        caller,
                        "resolve_review_task",
                        Some(id),
                        Some(reason),
                    ));
                }
                Ok((None, change))
            }
        }
    }
}
