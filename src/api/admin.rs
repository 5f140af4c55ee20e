//! scr.v1.Admin: registering and revoking callers.

use super::auth::caller;
use super::{convert, pb};
use crate::hub::{CallerSource, Hub};
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct AdminApi {
    hub: Arc<Hub>,
}

impl AdminApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

#[tonic::async_trait]
impl pb::admin_server::Admin for AdminApi {
    async fn register_caller(
        &self,
        request: Request<pb::RegisterCallerRequest>,
    ) -> Result<Response<pb::RegisterCallerResponse>, Status> {
        let admin = caller(&request)?;
        let pb::RegisterCallerRequest { name, role, system } = request.into_inner();
        let role = convert::role_from_pb(role)?;
        let system = match system.trim() {
            "" => None,
            raw => Some(convert::system_code(raw, "system")?),
        };
        let token = self
            .hub
            .register_caller(&admin, &name, role, system)
            .await?;
        Ok(Response::new(pb::RegisterCallerResponse {
            name: name.trim().to_owned(),
            token,
        }))
    }

    async fn list_callers(
        &self,
        request: Request<pb::ListCallersRequest>,
    ) -> Result<Response<pb::ListCallersResponse>, Status> {
        let admin = caller(&request)?;
        let pb::ListCallersRequest {} = request.into_inner();
        let callers = self.hub.list_callers(&admin).await?;
        Ok(Response::new(pb::ListCallersResponse {
            callers: callers
                .into_iter()
                .map(|(c, source)| pb::CallerInfo {
                    name: c.name,
                    role: convert::role_to_pb(c.role).into(),
                    system: c.system.map(|s| s.as_str().to_owned()).unwrap_or_default(),
                    source: match source {
                        CallerSource::Config => "config",
                        CallerSource::Registered => "registered",
                    }
                    .into(),
                    created_at: match source {
                        CallerSource::Config => None,
                        CallerSource::Registered => convert::timestamp(c.created_at),
                    },
                })
                .collect(),
        }))
    }

    async fn revoke_caller(
        &self,
        request: Request<pb::RevokeCallerRequest>,
    ) -> Result<Response<pb::RevokeCallerResponse>, Status> {
        let admin = caller(&request)?;
        let pb::RevokeCallerRequest { name } = request.into_inner();
        self.hub.revoke_caller(&admin, name.trim()).await?;
        Ok(Response::new(pb::RevokeCallerResponse {}))
    }
}
