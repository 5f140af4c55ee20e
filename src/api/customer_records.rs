//! scr.v1.CustomerRecords.

use super::auth::caller;
use super::{convert, into_status, pb};
use crate::hub::{Hub, SubmitOutcome, SubmitRecord};
use crate::record::LocalId;
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct CustomerRecordsApi {
    hub: Arc<Hub>,
}

impl CustomerRecordsApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

#[tonic::async_trait]
impl pb::customer_records_server::CustomerRecords for CustomerRecordsApi {
    async fn submit_record(
        &self,
        request: Request<pb::SubmitRecordRequest>,
    ) -> Result<Response<pb::SubmitRecordResponse>, Status> {
        let caller = caller(&request)?;
        let pb::SubmitRecordRequest { record, request_id } = request.into_inner();
        let record = convert::departmental_record(record, "record", self.hub.clock().today())
            .map_err(into_status)?;
        let request_id = match request_id.trim() {
            "" => None,
            id if id.len() > 128 => {
                return Err(into_status(crate::error::Error::invalid(
                    "request_id",
                    "must be at most 128 characters",
                )));
            }
            id => Some(id.to_owned()),
        };
        let result = self
            .hub
            .submit_record(&caller, SubmitRecord { record, request_id })
            .await
            .map_err(into_status)?;
        let outcome = match result.outcome {
            SubmitOutcome::Linked => pb::MatchOutcome::Linked,
            SubmitOutcome::NewCustomer => pb::MatchOutcome::NewCustomer,
            SubmitOutcome::Updated => pb::MatchOutcome::Updated,
            SubmitOutcome::PossibleMatch => pb::MatchOutcome::PossibleMatch,
        };
        Ok(Response::new(pb::SubmitRecordResponse {
            customer_id: result.customer_id.as_str().to_owned(),
            outcome: outcome.into(),
            explanation: Some(convert::explanation_to_pb(result.explanation)),
            review_task_ids: result.review_task_ids,
        }))
    }

    async fn get_customer(
        &self,
        request: Request<pb::GetCustomerRequest>,
    ) -> Result<Response<pb::Customer>, Status> {
        let caller = caller(&request)?;
        let pb::GetCustomerRequest {
            customer_id,
            purpose,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id").map_err(into_status)?;
        let read = self
            .hub
            .get_customer(&caller, &id, &purpose)
            .await
            .map_err(into_status)?;
        let mut customer = convert::customer_to_pb(read.customer);
        customer.merged_from = read
            .merged_from
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default();
        Ok(Response::new(customer))
    }

    async fn resolve_link(
        &self,
        request: Request<pb::ResolveLinkRequest>,
    ) -> Result<Response<pb::ResolveLinkResponse>, Status> {
        let caller = caller(&request)?;
        let pb::ResolveLinkRequest {
            system,
            local_id,
            purpose,
        } = request.into_inner();
        let system = convert::system_code(&system, "system").map_err(into_status)?;
        let local_id = LocalId::parse(&local_id)
            .map_err(|e| into_status(crate::error::Error::invalid("local_id", e)))?;
        let resolved = self
            .hub
            .resolve_link(&caller, &system, &local_id, &purpose)
            .await
            .map_err(into_status)?;
        Ok(Response::new(pb::ResolveLinkResponse {
            customer_id: resolved.customer_id.as_str().to_owned(),
            links: resolved
                .links
                .into_iter()
                .map(convert::link_to_pb)
                .collect(),
        }))
    }
}
