//! scr.v1.SubjectRights: the DPO's need-to-know grants and the data
//! subject's rights.

use super::auth::caller;
use super::{convert, pb};
use crate::error::Error;
use crate::hub::{Hub, RECTIFIABLE_PATHS, Rectification};
use crate::record::{BirthDate, CustomerId, Flags, ObjectionScope, Violations};
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
    ) -> Result<Response<pb::GrantNeedToKnowResponse>, Status> {
        let caller = caller(&request)?;
        let pb::GrantNeedToKnowRequest {
            customer_id,
            grantee,
            reason,
            expires_at,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let expires_at = convert::instant(expires_at, "expires_at")?;
        let grant = self
            .hub
            .grant_need_to_know(&caller, &id, &grantee, &reason, expires_at)
            .await?;
        Ok(Response::new(pb::GrantNeedToKnowResponse {
            grant: Some(pb::NeedToKnowGrant {
                customer_id: grant.customer_id.as_str().to_owned(),
                grantee: grant.grantee,
                reason: grant.reason,
                granted_by: grant.granted_by,
                granted_at: convert::timestamp(grant.granted_at),
                expires_at: convert::timestamp(grant.expires_at),
            }),
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
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let revoked = self.hub.revoke_need_to_know(&caller, &id, &grantee).await?;
        Ok(Response::new(pb::RevokeNeedToKnowResponse {
            revoked: revoked as i32,
        }))
    }

    async fn restrict_processing(
        &self,
        request: Request<pb::RestrictProcessingRequest>,
    ) -> Result<Response<pb::RestrictProcessingResponse>, Status> {
        let caller = caller(&request)?;
        let pb::RestrictProcessingRequest {
            customer_id,
            reason,
        } = request.into_inner();
        let flags = self
            .restriction(&caller, &customer_id, &reason, true)
            .await?;
        Ok(Response::new(pb::RestrictProcessingResponse { flags }))
    }

    async fn lift_restriction(
        &self,
        request: Request<pb::LiftRestrictionRequest>,
    ) -> Result<Response<pb::LiftRestrictionResponse>, Status> {
        let caller = caller(&request)?;
        let pb::LiftRestrictionRequest {
            customer_id,
            reason,
        } = request.into_inner();
        let flags = self
            .restriction(&caller, &customer_id, &reason, false)
            .await?;
        Ok(Response::new(pb::LiftRestrictionResponse { flags }))
    }

    async fn place_legal_hold(
        &self,
        request: Request<pb::PlaceLegalHoldRequest>,
    ) -> Result<Response<pb::PlaceLegalHoldResponse>, Status> {
        let caller = caller(&request)?;
        let pb::PlaceLegalHoldRequest {
            customer_id,
            reference,
        } = request.into_inner();
        let flags = self
            .legal_hold(&caller, &customer_id, Some(&reference))
            .await?;
        Ok(Response::new(pb::PlaceLegalHoldResponse { flags }))
    }

    async fn release_legal_hold(
        &self,
        request: Request<pb::ReleaseLegalHoldRequest>,
    ) -> Result<Response<pb::ReleaseLegalHoldResponse>, Status> {
        let caller = caller(&request)?;
        let pb::ReleaseLegalHoldRequest { customer_id } = request.into_inner();
        let flags = self.legal_hold(&caller, &customer_id, None).await?;
        Ok(Response::new(pb::ReleaseLegalHoldResponse { flags }))
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
        let id = convert::customer_id(&customer_id, "customer_id")?;
        self.hub.erase_customer(&caller, &id, &reason).await?;
        Ok(Response::new(pb::EraseCustomerResponse {
            customer_id: id.as_str().to_owned(),
        }))
    }

    async fn export_subject_data(
        &self,
        request: Request<pb::ExportSubjectDataRequest>,
    ) -> Result<Response<pb::ExportSubjectDataResponse>, Status> {
        let caller = caller(&request)?;
        let pb::ExportSubjectDataRequest { customer_id } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let export = self.hub.export_subject_data(&caller, &id).await?;
        Ok(Response::new(pb::ExportSubjectDataResponse {
            customer_id: export.customer_id.as_str().to_owned(),
            merged_from: export
                .merged_from
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default(),
            content_type: export.content_type.to_owned(),
            data: export.data,
        }))
    }

    async fn rectify_customer(
        &self,
        request: Request<pb::RectifyCustomerRequest>,
    ) -> Result<Response<pb::RectifyCustomerResponse>, Status> {
        let caller = caller(&request)?;
        let cmd = rectification(request.into_inner(), self.hub.clock().today())?;
        let customer = self.hub.rectify_customer(&caller, cmd).await?;
        Ok(Response::new(pb::RectifyCustomerResponse {
            customer: Some(convert::customer_to_pb(&customer.0, customer.1, None)),
        }))
    }

    async fn record_objection(
        &self,
        request: Request<pb::RecordObjectionRequest>,
    ) -> Result<Response<pb::RecordObjectionResponse>, Status> {
        let caller = caller(&request)?;
        let pb::RecordObjectionRequest {
            customer_id,
            grounds,
            scope,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let scope = objection_scope(scope)?;
        let o = self
            .hub
            .record_objection(&caller, &id, scope, &grounds)
            .await?;
        Ok(Response::new(pb::RecordObjectionResponse {
            objection: Some(pb::Objection {
                customer_id: o.customer_id.as_str().to_owned(),
                scope: objection_scope_to_pb(o.scope).into(),
                grounds: o.grounds,
                recorded_by: o.recorded_by,
                recorded_at: convert::timestamp(o.at),
                withdrawn_at: o.withdrawn_at.map(convert::timestamp).unwrap_or_default(),
            }),
        }))
    }

    async fn withdraw_objection(
        &self,
        request: Request<pb::WithdrawObjectionRequest>,
    ) -> Result<Response<pb::WithdrawObjectionResponse>, Status> {
        let caller = caller(&request)?;
        let pb::WithdrawObjectionRequest { customer_id, scope } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let scope = objection_scope(scope)?;
        let withdrawn = self.hub.withdraw_objection(&caller, &id, scope).await?;
        Ok(Response::new(pb::WithdrawObjectionResponse {
            withdrawn: withdrawn as i32,
        }))
    }
}

/// A rectification request, validated like SubmitRecord: every bad field
/// named under `customer.`, an unknown mask path under `update_mask`.
/// Only the masked fields are read.
fn rectification(
    request: pb::RectifyCustomerRequest,
    today: chrono::NaiveDate,
) -> crate::error::Result<Rectification> {
    let pb::RectifyCustomerRequest {
        customer_id,
        customer,
        update_mask,
        reason,
    } = request;
    let update_mask = update_mask.map(|m| m.paths).unwrap_or_default();
    let customer_id = convert::customer_id(&customer_id, "customer_id")?;
    let pb::RectifiedFields {
        name,
        date_of_birth,
        gender,
        address,
    } = customer.unwrap_or_default();
    let pb::PersonName {
        given,
        middle,
        family,
    } = name.unwrap_or_default();
    let mut v = Violations::default();
    let mut cmd = Rectification {
        customer_id,
        given: None,
        middle: None,
        family: None,
        date_of_birth: None,
        gender: None,
        address: None,
        reason,
    };
    if update_mask.is_empty() {
        v.push("update_mask", "name at least one field to rectify");
    }
    if update_mask.len() > crate::record::limits::UPDATE_MASK {
        v.push(
            "update_mask",
            format!("at most {} paths", crate::record::limits::UPDATE_MASK),
        );
    }
    for path in &update_mask {
        match path.trim() {
            "name.given" => cmd.given = Some(given.clone()),
            "name.middle" => cmd.middle = Some(middle.clone()),
            "name.family" => cmd.family = Some(family.clone()),
            "date_of_birth" => {
                cmd.date_of_birth = v.check(
                    "customer.date_of_birth",
                    BirthDate::parse(&date_of_birth, today),
                );
            }
            "gender" => cmd.gender = v.check("customer.gender", convert::gender_from_pb(gender)),
            "address" => {
                cmd.address = convert::address_from_pb(address.clone(), "customer.address", &mut v);
            }
            _ => v.push(
                "update_mask",
                format!(
                    "unknown path; expected one of {}",
                    RECTIFIABLE_PATHS.join(", ")
                ),
            ),
        }
    }
    v.into_result()?;
    Ok(cmd)
}

fn objection_scope(raw: i32) -> crate::error::Result<ObjectionScope> {
    match pb::ObjectionScope::try_from(raw) {
        Ok(pb::ObjectionScope::AddressSharing) => Ok(ObjectionScope::AddressSharing),
        Ok(pb::ObjectionScope::AllProcessing) => Ok(ObjectionScope::AllProcessing),
        Ok(pb::ObjectionScope::Unspecified) | Err(_) => {
            Err(Error::invalid("scope", "name what the person objects to"))
        }
    }
}

fn objection_scope_to_pb(scope: ObjectionScope) -> pb::ObjectionScope {
    match scope {
        ObjectionScope::AddressSharing => pb::ObjectionScope::AddressSharing,
        ObjectionScope::AllProcessing => pb::ObjectionScope::AllProcessing,
    }
}

impl SubjectRightsApi {
    async fn restriction(
        &self,
        caller: &crate::auth::Caller,
        customer_id: &str,
        reason: &str,
        restricted: bool,
    ) -> Result<Option<pb::PrivacyFlags>, Status> {
        let id = convert::customer_id(customer_id, "customer_id")?;
        let flags = self
            .hub
            .set_processing_restriction(caller, &id, restricted, reason)
            .await?;
        Ok(Some(flags_to_pb(&id, &flags)))
    }

    async fn legal_hold(
        &self,
        caller: &crate::auth::Caller,
        customer_id: &str,
        reference: Option<&str>,
    ) -> Result<Option<pb::PrivacyFlags>, Status> {
        let id = convert::customer_id(customer_id, "customer_id")?;
        let flags = self.hub.set_legal_hold(caller, &id, reference).await?;
        Ok(Some(flags_to_pb(&id, &flags)))
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
