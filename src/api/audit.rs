//! scr.v1.Audit: verifying the hash chain, listing access to a record.

use super::auth::caller;
use super::{convert, pb};
use crate::hub::Hub;
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct AuditApi {
    hub: Arc<Hub>,
}

impl AuditApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

#[tonic::async_trait]
impl pb::audit_server::Audit for AuditApi {
    async fn verify_audit_log(
        &self,
        request: Request<pb::VerifyAuditLogRequest>,
    ) -> Result<Response<pb::VerifyAuditLogResponse>, Status> {
        let caller = caller(&request)?;
        let pb::VerifyAuditLogRequest {} = request.into_inner();
        let v = self.hub.verify_audit_log(&caller).await?;
        Ok(Response::new(pb::VerifyAuditLogResponse {
            intact: v.intact(),
            checked: v.checked as i64,
            keyed: v.keyed as i64,
            unchained: v.unchained as i64,
            broken_at_sequence: v.problem.as_ref().map_or(0, |p| p.seq),
            problem: v.problem.map(|p| p.description).unwrap_or_default(),
        }))
    }

    async fn list_access_records(
        &self,
        request: Request<pb::ListAccessRecordsRequest>,
    ) -> Result<Response<pb::ListAccessRecordsResponse>, Status> {
        let caller = caller(&request)?;
        let pb::ListAccessRecordsRequest {
            customer_id,
            page_size,
            page_token,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let page_size = convert::page_size(page_size)?;
        let (records, next_page_token) = self
            .hub
            .list_access_records(&caller, &id, page_size, &page_token)
            .await?;
        Ok(Response::new(pb::ListAccessRecordsResponse {
            next_page_token,
            records: records
                .into_iter()
                .map(|r| pb::AccessRecord {
                    sequence: r.seq,
                    at: convert::timestamp(r.entry.at),
                    caller: r.entry.caller,
                    role: convert::role_to_pb(r.entry.role).into(),
                    operation: r.entry.operation,
                    purpose: r.entry.purpose.unwrap_or_default(),
                })
                .collect(),
        }))
    }
}
