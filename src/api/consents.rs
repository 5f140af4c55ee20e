//! scr.v1.Consents.

use super::auth::caller;
use super::{convert, pb};
use crate::consent::{ConsentEvent, ConsentScope};
use crate::error::Error;
use crate::hub::Hub;
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct ConsentsApi {
    hub: Arc<Hub>,
}

impl ConsentsApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

fn scope_from_pb(raw: i32) -> Result<ConsentScope, Status> {
    match pb::ConsentScope::try_from(raw) {
        Ok(pb::ConsentScope::AddressChanges) => Ok(ConsentScope::AddressChanges),
        _ => Err(Status::from(Error::invalid(
            "scope",
            "must be CONSENT_SCOPE_ADDRESS_CHANGES",
        ))),
    }
}

fn record_to_pb(e: ConsentEvent) -> pb::ConsentRecord {
    pb::ConsentRecord {
        customer_id: e.customer_id.as_str().to_owned(),
        system: e.system.as_str().to_owned(),
        scope: match e.scope {
            ConsentScope::AddressChanges => pb::ConsentScope::AddressChanges,
        }
        .into(),
        granted: e.granted,
        evidence: Some(pb::ConsentEvidence {
            channel: e.evidence.channel,
            reference: e.evidence.reference,
            captured_by: e.evidence.captured_by,
        }),
        recorded_by: e.recorded_by,
        recorded_at: convert::timestamp(e.at),
    }
}

impl ConsentsApi {
    async fn record(
        &self,
        request: Request<(String, String, i32, Option<pb::ConsentEvidence>)>,
        granted: bool,
    ) -> Result<pb::ConsentRecord, Status> {
        let caller = caller(&request)?;
        let (customer_id, system, scope, evidence) = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let system = convert::system_code(&system, "system")?;
        let scope = scope_from_pb(scope)?;
        let evidence = convert::evidence(evidence, &caller.name)?;
        let event = self
            .hub
            .record_consent(&caller, &id, system, scope, granted, evidence)
            .await?;
        Ok(record_to_pb(event))
    }
}

/// Carries the caller's extensions over to a request of other content.
fn rewrap<T, U>(request: Request<T>, f: impl FnOnce(T) -> U) -> Request<U> {
    let (metadata, extensions, message) = request.into_parts();
    Request::from_parts(metadata, extensions, f(message))
}

#[tonic::async_trait]
impl pb::consents_server::Consents for ConsentsApi {
    async fn grant_consent(
        &self,
        request: Request<pb::GrantConsentRequest>,
    ) -> Result<Response<pb::GrantConsentResponse>, Status> {
        let request = rewrap(request, |r| {
            let pb::GrantConsentRequest {
                customer_id,
                system,
                scope,
                evidence,
            } = r;
            (customer_id, system, scope, evidence)
        });
        let consent = Some(self.record(request, true).await?);
        Ok(Response::new(pb::GrantConsentResponse { consent }))
    }

    async fn withdraw_consent(
        &self,
        request: Request<pb::WithdrawConsentRequest>,
    ) -> Result<Response<pb::WithdrawConsentResponse>, Status> {
        let request = rewrap(request, |r| {
            let pb::WithdrawConsentRequest {
                customer_id,
                system,
                scope,
                evidence,
            } = r;
            (customer_id, system, scope, evidence)
        });
        let consent = Some(self.record(request, false).await?);
        Ok(Response::new(pb::WithdrawConsentResponse { consent }))
    }

    async fn list_consents(
        &self,
        request: Request<pb::ListConsentsRequest>,
    ) -> Result<Response<pb::ListConsentsResponse>, Status> {
        let caller = caller(&request)?;
        let pb::ListConsentsRequest {
            customer_id,
            page_size,
            page_token,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let page_size = convert::page_size(page_size)?;
        let list = self
            .hub
            .list_consents(&caller, &id, page_size, &page_token)
            .await?;
        Ok(Response::new(pb::ListConsentsResponse {
            in_force: list.in_force.into_iter().map(record_to_pb).collect(),
            history: list.history.into_iter().map(record_to_pb).collect(),
            next_page_token: list.next_page_token,
        }))
    }
}
