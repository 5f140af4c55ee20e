//! scr.v1.MatchReview: the steward's queue, merges and splits.

use super::auth::caller;
use super::{convert, pb};
use crate::error::Error;
use crate::hub::{Hub, ReviewDecision, ReviewItem};
use crate::record::LinkRef;
use crate::record::LocalId;
use crate::review::{QueuePlace, ReviewStatus, ReviewTask};
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct MatchReviewApi {
    hub: Arc<Hub>,
}

impl MatchReviewApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

fn status_to_pb(status: ReviewStatus) -> pb::ReviewStatus {
    match status {
        ReviewStatus::Open => pb::ReviewStatus::Open,
        ReviewStatus::SamePerson => pb::ReviewStatus::SamePerson,
        ReviewStatus::DifferentPeople => pb::ReviewStatus::DifferentPeople,
        ReviewStatus::Obsolete => pb::ReviewStatus::Obsolete,
    }
}

fn task_to_pb(task: ReviewTask) -> pb::ReviewTask {
    let explanation = serde_json::from_value(task.explanation)
        .ok()
        .map(convert::candidate_score_to_pb);
    pb::ReviewTask {
        customer: None,
        candidate: None,
        task_id: task.id,
        customer_id: task.customer_id.as_str().to_owned(),
        candidate_id: task.candidate_id.as_str().to_owned(),
        score: task.score,
        explanation,
        status: status_to_pb(task.status).into(),
        created_at: convert::timestamp(task.created_at),
        resolved_by: task.resolved_by.unwrap_or_default(),
        resolved_at: task.resolved_at.map(convert::timestamp).unwrap_or_default(),
    }
}

fn item_to_pb(item: ReviewItem) -> pb::ReviewTask {
    let ReviewItem {
        task,
        customer,
        candidate,
    } = item;
    let (customer_id, candidate_id) = (task.customer_id.clone(), task.candidate_id.clone());
    pb::ReviewTask {
        customer: Some(convert::customer_to_pb(&customer_id, customer, None)),
        candidate: Some(convert::customer_to_pb(&candidate_id, candidate, None)),
        ..task_to_pb(task)
    }
}

/// Page tokens are the queue place of the last task returned: its score's
/// bits and its sequence, so the next page starts exactly after it.
fn place_token(place: QueuePlace) -> String {
    format!("r{:016x}.{}", place.score.to_bits(), place.seq)
}

fn parse_page_token(token: &str) -> Result<Option<QueuePlace>, Status> {
    if token.is_empty() {
        return Ok(None);
    }
    token
        .strip_prefix('r')
        .and_then(|t| t.split_once('.'))
        .and_then(|(bits, seq)| {
            let score = f64::from_bits(u64::from_str_radix(bits, 16).ok()?);
            let seq = seq.parse::<i64>().ok()?;
            (score.is_finite() && seq >= 0).then_some(QueuePlace { score, seq })
        })
        .map(Some)
        .ok_or_else(|| {
            Status::from(Error::invalid(
                "page_token",
                "is not a token this service issued",
            ))
        })
}

#[tonic::async_trait]
impl pb::match_review_server::MatchReview for MatchReviewApi {
    async fn list_review_tasks(
        &self,
        request: Request<pb::ListReviewTasksRequest>,
    ) -> Result<Response<pb::ListReviewTasksResponse>, Status> {
        let caller = caller(&request)?;
        let pb::ListReviewTasksRequest {
            page_size,
            page_token,
            include_resolved,
        } = request.into_inner();
        let after = parse_page_token(&page_token)?;
        let page = self
            .hub
            .list_review_tasks(&caller, after, page_size.into(), include_resolved)
            .await?;
        Ok(Response::new(pb::ListReviewTasksResponse {
            tasks: page.tasks.into_iter().map(item_to_pb).collect(),
            next_page_token: page.next_after.map(place_token).unwrap_or_default(),
        }))
    }

    async fn resolve_review_task(
        &self,
        request: Request<pb::ResolveReviewTaskRequest>,
    ) -> Result<Response<pb::ResolveReviewTaskResponse>, Status> {
        let caller = caller(&request)?;
        let pb::ResolveReviewTaskRequest {
            task_id,
            decision,
            reason,
        } = request.into_inner();
        let decision = match pb::ReviewDecision::try_from(decision) {
            Ok(pb::ReviewDecision::SamePerson) => ReviewDecision::SamePerson,
            Ok(pb::ReviewDecision::DifferentPeople) => ReviewDecision::DifferentPeople,
            _ => {
                return Err(Status::from(Error::invalid(
                    "decision",
                    "must be SAME_PERSON or DIFFERENT_PEOPLE",
                )));
            }
        };
        if task_id.trim().is_empty() {
            return Err(Status::from(Error::invalid("task_id", "is required")));
        }
        let (task, survivor) = self
            .hub
            .resolve_review_task(&caller, task_id.trim(), decision, &reason)
            .await?;
        Ok(Response::new(pb::ResolveReviewTaskResponse {
            task: Some(task_to_pb(task)),
            survivor_id: survivor.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        }))
    }

    async fn merge_customers(
        &self,
        request: Request<pb::MergeCustomersRequest>,
    ) -> Result<Response<pb::MergeCustomersResponse>, Status> {
        let caller = caller(&request)?;
        let pb::MergeCustomersRequest {
            survivor_id,
            merged_id,
            reason,
        } = request.into_inner();
        let survivor = convert::customer_id(&survivor_id, "survivor_id")?;
        let merged = convert::customer_id(&merged_id, "merged_id")?;
        let customer = self
            .hub
            .merge_customers(&caller, &survivor, &merged, &reason)
            .await?;
        Ok(Response::new(pb::MergeCustomersResponse {
            survivor: Some(convert::customer_to_pb(&customer.0, customer.1, None)),
        }))
    }

    async fn split_customer(
        &self,
        request: Request<pb::SplitCustomerRequest>,
    ) -> Result<Response<pb::SplitCustomerResponse>, Status> {
        let caller = caller(&request)?;
        let pb::SplitCustomerRequest {
            customer_id,
            links,
            reason,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        if links.len() > crate::record::limits::SPLIT_LINKS {
            return Err(Status::from(Error::invalid(
                "links",
                format!("at most {} links", crate::record::limits::SPLIT_LINKS),
            )));
        }
        let mut refs = Vec::with_capacity(links.len());
        for (i, pb::LinkRef { system, local_id }) in links.into_iter().enumerate() {
            let system = convert::system_code(&system, &format!("links[{i}].system"))?;
            let local_id = LocalId::parse(&local_id)
                .map_err(|e| Status::from(Error::invalid(format!("links[{i}].local_id"), e)))?;
            refs.push(LinkRef { system, local_id });
        }
        let (remaining, split_off) = self.hub.split_customer(&caller, &id, refs, &reason).await?;
        Ok(Response::new(pb::SplitCustomerResponse {
            remaining: Some(convert::customer_to_pb(&remaining.0, remaining.1, None)),
            split_off: Some(convert::customer_to_pb(&split_off.0, split_off.1, None)),
        }))
    }
}
