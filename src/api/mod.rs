//! The gRPC surface: tonic services over the hub. The only module that names
//! the generated `pb` types or `tonic::Status`.

mod admin;
mod audit;
mod auth;
mod consents;
mod convert;
mod customer_records;
mod events;
mod match_review;
mod screen;
mod search;
mod statistics;
mod status;
mod subject_rights;
mod trace;

pub use auth::AuthLayer;
pub use screen::{ScreenLayer, screen_message};
pub use trace::TraceLayer;

use crate::hub::Hub;
use std::sync::Arc;
use tonic::service::Routes;

/// Generated protobuf and gRPC code for package `scr.v1`.
pub mod pb {
    #![allow(clippy::all, missing_docs)]
    tonic::include_proto!("scr.v1");

    /// Descriptor set of proto/, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        include_bytes!(concat!(env!("OUT_DIR"), "/scr_descriptor.bin"));
}

/// Every service the hub serves, with health and reflection (v1 and v1alpha).
pub fn routes(
    hub: Arc<Hub>,
) -> crate::error::SetupResult<(Routes, tonic_health::server::HealthReporter)> {
    let (reporter, health) = tonic_health::server::health_reporter();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    let routes = Routes::new(health)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(pb::customer_records_server::CustomerRecordsServer::new(
            customer_records::CustomerRecordsApi::new(hub.clone()),
        ))
        .add_service(pb::match_review_server::MatchReviewServer::new(
            match_review::MatchReviewApi::new(hub.clone()),
        ))
        .add_service(pb::consents_server::ConsentsServer::new(
            consents::ConsentsApi::new(hub.clone()),
        ))
        .add_service(pb::events_server::EventsServer::new(
            events::EventsApi::new(hub.clone()),
        ))
        .add_service(pb::search_server::SearchServer::new(
            search::SearchApi::new(hub.clone()),
        ))
        .add_service(pb::identity_server::IdentityServer::new(
            search::IdentityApi::new(hub.clone()),
        ))
        .add_service(pb::subject_rights_server::SubjectRightsServer::new(
            subject_rights::SubjectRightsApi::new(hub.clone()),
        ))
        .add_service(pb::audit_server::AuditServer::new(audit::AuditApi::new(
            hub.clone(),
        )))
        .add_service(pb::statistics_server::StatisticsServer::new(
            statistics::StatisticsApi::new(hub.clone()),
        ))
        .add_service(pb::admin_server::AdminServer::new(admin::AdminApi::new(
            hub,
        )));
    Ok((routes, reporter))
}

/// Only the health service, reporting what `reporter` is told: for a
/// plaintext probe port beside a TLS listener.
pub fn health_routes(reporter: &tonic_health::server::HealthReporter) -> Routes {
    let service = tonic_health::server::HealthService::from_health_reporter(reporter.clone());
    Routes::new(tonic_health::pb::health_server::HealthServer::new(service))
}

/// Names of the hub's own services, for health status per service.
pub const SERVICE_NAMES: &[&str] = &[
    "scr.v1.Consents",
    "scr.v1.Events",
    "scr.v1.CustomerRecords",
    "scr.v1.MatchReview",
    "scr.v1.Admin",
    "scr.v1.Search",
    "scr.v1.Identity",
    "scr.v1.SubjectRights",
    "scr.v1.Audit",
    "scr.v1.Statistics",
];
