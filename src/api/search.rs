//! scr.v1.Search and scr.v1.Identity.

use super::auth::caller;
use super::{convert, pb};
use crate::hub::{ClaimResult, Hub, IdentityClaims, SearchRequest};
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct SearchApi {
    hub: Arc<Hub>,
}

impl SearchApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

#[tonic::async_trait]
impl pb::search_server::Search for SearchApi {
    async fn search_customers(
        &self,
        request: Request<pb::SearchCustomersRequest>,
    ) -> Result<Response<pb::SearchCustomersResponse>, Status> {
        let caller = caller(&request)?;
        let pb::SearchCustomersRequest {
            query,
            structured,
            page_size,
            page_token,
            purpose,
        } = request.into_inner();
        let pb::StructuredQuery {
            name,
            date_of_birth,
            postcode,
            address,
        } = structured.unwrap_or_default();
        let page_size = convert::page_size(page_size)?;
        let page = self
            .hub
            .search_customers(
                &caller,
                SearchRequest {
                    query,
                    name,
                    date_of_birth,
                    postcode,
                    address,
                    page_size,
                    page_token,
                    purpose,
                },
            )
            .await?;
        Ok(Response::new(pb::SearchCustomersResponse {
            hits: page
                .hits
                .into_iter()
                .map(|h| pb::SearchHit {
                    customer_id: h.customer_id.as_str().to_owned(),
                    given_name: h.given_name,
                    family_name: h.family_name,
                    date_of_birth: h.date_of_birth,
                    postcode: h.postcode,
                    score: h.score,
                    reasons: h.reasons,
                })
                .collect(),
            next_page_token: page.next_page_token,
        }))
    }
}

pub struct IdentityApi {
    hub: Arc<Hub>,
}

impl IdentityApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

fn facts(facts: Vec<pb::VerificationFact>) -> Vec<(String, String)> {
    facts
        .into_iter()
        .map(|pb::VerificationFact { kind, value }| (kind, value))
        .collect()
}

#[tonic::async_trait]
impl pb::identity_server::Identity for IdentityApi {
    async fn verify_identity(
        &self,
        request: Request<pb::VerifyIdentityRequest>,
    ) -> Result<Response<pb::VerifyIdentityResponse>, Status> {
        let caller = caller(&request)?;
        let pb::VerifyIdentityRequest {
            customer_id,
            claims,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let pb::IdentityClaims {
            date_of_birth,
            postcode,
            address_line,
            facts: claimed,
        } = claims.unwrap_or_default();
        let result = self
            .hub
            .verify_identity(
                &caller,
                &id,
                IdentityClaims {
                    date_of_birth,
                    postcode,
                    address_line,
                    facts: facts(claimed),
                },
            )
            .await?;
        Ok(Response::new(pb::VerifyIdentityResponse {
            verified: result.verified,
            claims: result
                .claims
                .into_iter()
                .map(|(claim, r)| pb::ClaimOutcome {
                    claim,
                    result: match r {
                        ClaimResult::Matched => pb::ClaimResult::Matched,
                        ClaimResult::NotMatched => pb::ClaimResult::NotMatched,
                        ClaimResult::NotHeld => pb::ClaimResult::NotHeld,
                    }
                    .into(),
                })
                .collect(),
            locked: result.locked,
        }))
    }

    async fn set_verification_facts(
        &self,
        request: Request<pb::SetVerificationFactsRequest>,
    ) -> Result<Response<pb::SetVerificationFactsResponse>, Status> {
        let caller = caller(&request)?;
        let pb::SetVerificationFactsRequest {
            customer_id,
            facts: given,
        } = request.into_inner();
        let id = convert::customer_id(&customer_id, "customer_id")?;
        let kinds = self
            .hub
            .set_verification_facts(&caller, &id, facts(given))
            .await?;
        Ok(Response::new(pb::SetVerificationFactsResponse {
            customer_id: id.as_str().to_owned(),
            kinds,
        }))
    }
}
