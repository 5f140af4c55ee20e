//! scr.v1.SubjectRights: the DPO's need-to-know grants and the data
//! subject's rights.

use super::auth::caller;
use super::{convert, into_status, pb};
use crate::hub::Hub;
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
}
