//! scr.v1.CustomerRecords.

use super::auth::caller;
use super::{convert, pb};
use crate::error::Error;
use crate::hub::{ChangeAddress, Hub, ShareWith, SubmitOutcome, SubmitRecord, parse_request_id};
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
        let pb::SubmitRecordRequest {
            record,
            request_id,
            minor_basis,
        } = request.into_inner();
        let minor_basis = convert::minor_basis(minor_basis)?;
        let record = convert::departmental_record(record, "record", self.hub.clock().today())?;
        let request_id = parse_request_id(&request_id)?;
        let result = self
            .hub
            .submit_record(
                &caller,
                SubmitRecord {
                    record,
                    request_id,
                    minor_basis,
                },
            )
            .await?;
        let outcome = match result.outcome {
            SubmitOutcome::Linked => pb::MatchOutcome::Linked,
            SubmitOutcome::NewCustomer => pb::MatchOutcome::NewCustomer,
            SubmitOutcome::Updated => pb::MatchOutcome::Updated,
            SubmitOutcome::PossibleMatch => pb::MatchOutcome::PossibleMatch,
        };
        Ok(Response::new(pb::SubmitRecordResponse {
            customer_id: result.customer_id.as_str().to_owned(),
            outcome: outcome.into(),
        }))
    }

    async fn get_customer(
        &self,
        request: Request<pb::GetCustomerRequest>,
    ) -> Result<Response<pb::GetCustomerResponse>, Status> {
        let caller = caller(&request)?;
        let pb::GetCustomerRequest {
            customer_id,
            purpose,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let read = self.hub.get_customer(&caller, &id, &purpose).await?;
        Ok(Response::new(pb::GetCustomerResponse {
            customer: Some(convert::customer_to_pb(
                &read.customer_id,
                read.view,
                read.merged_from.as_ref(),
            )),
        }))
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
        let system = convert::system_code(&system, "system")?;
        let local_id = LocalId::parse(&local_id)
            .map_err(|e| Status::from(crate::error::Error::invalid("local_id", e)))?;
        let resolved = self
            .hub
            .resolve_link(&caller, &system, &local_id, &purpose)
            .await?;
        Ok(Response::new(pb::ResolveLinkResponse {
            customer_id: resolved.customer_id.as_str().to_owned(),
            links: resolved
                .links
                .into_iter()
                .map(convert::link_to_pb)
                .collect(),
        }))
    }

    async fn change_address(
        &self,
        request: Request<pb::ChangeAddressRequest>,
    ) -> Result<Response<pb::ChangeAddressResponse>, Status> {
        let caller = caller(&request)?;
        let pb::ChangeAddressRequest {
            customer_id,
            new_address,
            effective_date,
            consent_to_share,
            evidence,
            request_id,
        } = request.into_inner();
        let customer_id = convert::customer_id(&customer_id, "customer_id")?;
        let new_address = convert::address(new_address, "new_address")?;
        let effective_date = chrono::NaiveDate::parse_from_str(effective_date.trim(), "%Y-%m-%d")
            .map_err(|_| {
            Status::from(Error::invalid(
                "effective_date",
                "must be an ISO 8601 date, YYYY-MM-DD",
            ))
        })?;
        let share = match consent_to_share.and_then(|c| c.target) {
            None => ShareWith::Nobody,
            Some(pb::consent_to_share::Target::AllLinked(false)) => ShareWith::Nobody,
            Some(pb::consent_to_share::Target::AllLinked(true)) => ShareWith::AllLinked,
            Some(pb::consent_to_share::Target::Systems(pb::SystemList { systems })) => {
                use crate::record::limits::CONSENT_SYSTEMS;
                if systems.len() > CONSENT_SYSTEMS {
                    return Err(Status::from(Error::invalid(
                        "consent_to_share.systems.systems",
                        format!("at most {CONSENT_SYSTEMS} systems"),
                    )));
                }
                let mut codes = Vec::with_capacity(systems.len());
                for (i, raw) in systems.iter().enumerate() {
                    let code = convert::system_code(
                        raw,
                        &format!("consent_to_share.systems.systems[{i}]"),
                    )?;
                    // Named twice is one consent, not two rows.
                    if !codes.contains(&code) {
                        codes.push(code);
                    }
                }
                if codes.is_empty() {
                    ShareWith::Nobody
                } else {
                    ShareWith::Systems(codes)
                }
            }
        };
        let evidence = match (&share, evidence) {
            (ShareWith::Nobody, None) => None,
            (_, evidence) => Some(convert::evidence(evidence, &caller.name)?),
        };
        let result = self
            .hub
            .change_address(
                &caller,
                ChangeAddress {
                    customer_id,
                    new_address,
                    effective_date,
                    share,
                    evidence,
                    request_id: parse_request_id(&request_id)?,
                },
            )
            .await?;
        let names = |systems: &[crate::record::SystemCode]| {
            systems.iter().map(|s| s.as_str().to_owned()).collect()
        };
        Ok(Response::new(pb::ChangeAddressResponse {
            customer_id: result.customer_id.as_str().to_owned(),
            notified_systems: names(&result.notified),
            withheld_systems: names(&result.withheld),
            notified_count: result.notified.len() as i32,
            withheld_count: result.withheld.len() as i32,
        }))
    }
}
