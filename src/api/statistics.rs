//! scr.v1.Statistics: anonymous equalities counts.

use super::auth::caller;
use super::{convert, pb};
use crate::hub::Hub;
use crate::policy::equalities::{ALL, ROUND_TO, THRESHOLD};
use crate::record::Gender;
use std::sync::Arc;
use tonic::{Request, Response, Status};

pub struct StatisticsApi {
    hub: Arc<Hub>,
}

impl StatisticsApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

#[tonic::async_trait]
impl pb::statistics_server::Statistics for StatisticsApi {
    async fn equalities_counts(
        &self,
        request: Request<pb::EqualitiesCountsRequest>,
    ) -> Result<Response<pb::EqualitiesCountsResponse>, Status> {
        let caller = caller(&request)?;
        let pb::EqualitiesCountsRequest { by_system } = request.into_inner();
        let cells = self.hub.equalities_counts(&caller, by_system).await?;
        Ok(Response::new(pb::EqualitiesCountsResponse {
            cells: cells
                .into_iter()
                .map(|c| pb::EqualitiesCell {
                    system: c.system,
                    all_genders: c.gender == ALL,
                    gender: Gender::from_code(&c.gender)
                        .map_or(pb::Gender::Unspecified, convert::gender_to_pb)
                        .into(),
                    age_band: c.age_band,
                    suppressed: c.count.is_none(),
                    count: c.count.map_or(0, |n| n as i64),
                })
                .collect(),
            threshold: THRESHOLD as i32,
            rounded_to: ROUND_TO as i32,
        }))
    }
}
