//! scr.v1.SubjectRights: the DPO's need-to-know grants and the data
//! subject's rights.

use super::auth::caller;
use super::{convert, into_status, pb};
use crate::hub::Hub;
use crate::record::{CustomerId, Flags};
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct SubjectRightsApi {
    hub: Arc<Hub>,
}

impl SubjectRightsApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

#[tonic::async_trait]
impl pb::subject_rights_server::SubjectRights for SubjectRightsApi {
    async fn grant_need_to_know(
        &self,
        request: Request<pb::GrantNeedToKnowRequest>,
    ) -> Result<Response<pb::NeedToKnowGrant>, Status> {
        let caller = caller(&request)?;
        let pb::GrantNeedToKnowRequest {
            customer_id,
            grantee,
            reason,
            expires_at,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id").map_err(into_status)?;
        let expires_at = convert::instant(&expires_at, "expires_at").map_err(into_status)?;
        let grant = self
            .hub
            .grant_need_to_know(&caller, &id, &grantee, &reason, expires_at)
            .await
            .map_err(into_status)?;
        Ok(Response::new(pb::NeedToKnowGrant {
            customer_id: grant.customer_id.as_str().to_owned(),
            grantee: grant.grantee,
            reason: grant.reason,
            granted_by: grant.granted_by,
            granted_at: convert::timestamp(grant.granted_at),
            expires_at: convert::timestamp(grant.expires_at),
        }))
    }

    async fn revoke_need_to_know(
        &self,
        request: Request<pb::RevokeNeedToKnowRequest>,
    ) -> Result<Response<pb::RevokeNeedToKnowResponse>, Status> {
        let caller = caller(&request)?;
        let pb::RevokeNeedToKnowRequest {
            customer_id,
            grantee,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id").map_err(into_status)?;
        let revoked = self
            .hub
            .revoke_need_to_know(&caller, &id, &grantee)
            .await
            .map_err(into_status)?;
        Ok(Response::new(pb::RevokeNeedToKnowResponse {
            revoked: revoked as i32,
        }))
    }

    async fn restrict_processing(
        &self,
        request: Request<pb::RestrictionRequest>,
    ) -> Result<Response<pb::PrivacyFlags>, Status> {
        self.restriction(request, true).await
    }

    async fn lift_restriction(
        &self,
        request: Request<pb::RestrictionRequest>,
    ) -> Result<Response<pb::PrivacyFlags>, Status> {
        self.restriction(request, false).await
    }

    async fn place_legal_hold(
        &self,
        request: Request<pb::LegalHoldRequest>,
    ) -> Result<Response<pb::PrivacyFlags>, Status> {
        self.legal_hold(request, true).await
    }

    async fn release_legal_hold(
        &self,
        request: Request<pb::LegalHoldRequest>,
    ) -> Result<Response<pb::PrivacyFlags>, Status> {
        self.legal_hold(request, false).await
    }

    async fn erase_customer(
        &self,
        request: Request<pb::EraseCustomerRequest>,
    ) -> Result<Response<pb::EraseCustomerResponse>, Status> {
        let caller = caller(&request)?;
        let pb::EraseCustomerRequest {
            customer_id,
            reason,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id").map_err(into_status)?;
        self.hub
            .erase_customer(&caller, &id, &reason)
            .await
            .map_err(into_status)?;
        Ok(Response::new(pb::EraseCustomerResponse {
            customer_id: id.as_str().to_owned(),
        }))
    }
}

impl SubjectRightsApi {
    async fn restriction(
        &self,
        request: Request<pb::RestrictionRequest>,
        restricted: bool,
    ) -> Result<Response<pb::PrivacyFlags>, Status> {
        let caller = caller(&request)?;
        let pb::RestrictionRequest {
            customer_id,
            reason,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id").map_err(into_status)?;
        let flags = self
            .hub
            .set_processing_restriction(&caller, &id, restricted, &reason)
            .await
            .map_err(into_status)?;
        Ok(Response::new(flags_to_pb(&id, &flags)))
    }

    async fn legal_hold(
        &self,
        request: Request<pb::LegalHoldRequest>,
        place: bool,
    ) -> Result<Response<pb::PrivacyFlags>, Status> {
        let caller = caller(&request)?;
        let pb::LegalHoldRequest {
            customer_id,
            reference,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id").map_err(into_status)?;
        let flags = self
            .hub
            .set_legal_hold(&caller, &id, place.then_some(reference.as_str()))
            .await
            .map_err(into_status)?;
        Ok(Response::new(flags_to_pb(&id, &flags)))
    }
}

fn flags_to_pb(id: &CustomerId, flags: &Flags) -> pb::PrivacyFlags {
    pb::PrivacyFlags {
        customer_id: id.as_str().to_owned(),
        restricted: flags.restricted(),
        processing_restricted: flags.processing_restricted,
        legal_hold: flags.legal_hold.is_some(),
    }
}
