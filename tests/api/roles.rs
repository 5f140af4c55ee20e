//! The role table (docs/api.md, "The API at a glance"), checked over gRPC: every
//! role calls every RPC of every service. An allowed call may still fail
//! (NOT_FOUND, FAILED_PRECONDITION... on a dummy request); a forbidden one
//! must be PERMISSION_DENIED, and nothing may be UNAUTHENTICATED.

use crate::helpers::*;
use scr_hub::api::pb;
use tonic::Code;

/// The roles, each as the token of one test caller. The department and
/// subscriber act for `libraries`, which holds the seeded customer.
const ROLES: &[(&str, &str)] = &[
    ("department", "libraries"),
    ("agent", "agent"),
    ("subscriber", "libraries-feed"),
    ("steward", "steward"),
    ("dpo", "dpo"),
    ("admin", "admin"),
];

/// One row per RPC: the roles allowed to make it (a department only for
/// its own system and customers linked to it, as here).
const MATRIX: &[(&str, &[&str])] = &[
    ("CustomerRecords/SubmitRecord", &["department"]),
    (
        "CustomerRecords/GetCustomer",
        &["department", "agent", "steward", "dpo"],
    ),
    (
        "CustomerRecords/ResolveLink",
        &["department", "agent", "steward", "dpo"],
    ),
    ("CustomerRecords/ChangeAddress", &["department", "agent"]),
    ("Consents/GrantConsent", &["department", "agent", "dpo"]),
    ("Consents/WithdrawConsent", &["department", "agent", "dpo"]),
    ("Consents/ListConsents", &["department", "agent", "dpo"]),
    ("Events/Subscribe", &["subscriber"]),
    ("Events/Acknowledge", &["subscriber"]),
    ("MatchReview/ListReviewTasks", &["steward"]),
    ("MatchReview/ResolveReviewTask", &["steward"]),
    ("MatchReview/MergeCustomers", &["steward"]),
    ("MatchReview/SplitCustomer", &["steward"]),
    ("Search/SearchCustomers", &["agent", "steward", "dpo"]),
    ("Identity/VerifyIdentity", &["agent", "steward", "dpo"]),
    ("Identity/SetVerificationFacts", &["department", "agent"]),
    ("SubjectRights/GrantNeedToKnow", &["dpo"]),
    ("SubjectRights/RevokeNeedToKnow", &["dpo"]),
    ("SubjectRights/RestrictProcessing", &["dpo"]),
    ("SubjectRights/LiftRestriction", &["dpo"]),
    ("SubjectRights/PlaceLegalHold", &["dpo"]),
    ("SubjectRights/ReleaseLegalHold", &["dpo"]),
    ("SubjectRights/EraseCustomer", &["dpo"]),
    ("SubjectRights/ExportSubjectData", &["dpo"]),
    ("SubjectRights/RectifyCustomer", &["dpo"]),
    ("SubjectRights/RecordObjection", &["dpo"]),
    ("SubjectRights/WithdrawObjection", &["dpo"]),
    ("Audit/VerifyAuditLog", &["dpo", "admin"]),
    ("Audit/ListAccessRecords", &["dpo"]),
    ("Statistics/EqualitiesCounts", &["dpo"]),
    ("Admin/RegisterCaller", &["admin"]),
    ("Admin/ListCallers", &["admin"]),
    ("Admin/RevokeCaller", &["admin"]),
];

/// An ID no customer has: DPO-only calls that would change the seeded
/// customer answer NOT_FOUND for the DPO instead.
const NOBODY: &str = "00000000-0000-4000-8000-000000000000";

fn evidence() -> pb::ConsentEvidence {
    pb::ConsentEvidence {
        channel: "phone".into(),
        reference: "CALL-7".into(),
        captured_by: "agent".into(),
    }
}

/// Makes the call as `token` and returns its status code (`Ok` for success).
async fn call(app: &TestApp, rpc: &str, token: &str, customer: &str, n: usize) -> Code {
    let c = customer.to_owned();
    let records = || app.records();
    let rights = || app.subject_rights();
    let review = || pb::match_review_client::MatchReviewClient::new(app.channel.clone());
    let stats = || pb::statistics_client::StatisticsClient::new(app.channel.clone());
    macro_rules! code {
        ($call:expr) => {
            match $call.await {
                Ok(_) => Code::Ok,
                Err(status) => status.code(),
            }
        };
    }
    let purpose = "matrix test".to_owned();
    match rpc {
        "CustomerRecords/SubmitRecord" => code!(records().submit_record(authed(
            token,
            submit(record("libraries", &format!("L-M{n}")), "")
        ))),
        "CustomerRecords/GetCustomer" => code!(records().get_customer(authed(
            token,
            pb::GetCustomerRequest {
                customer_id: c,
                purpose
            }
        ))),
        "CustomerRecords/ResolveLink" => code!(records().resolve_link(authed(
            token,
            pb::ResolveLinkRequest {
                system: "libraries".into(),
                local_id: "L1".into(),
                purpose,
            }
        ))),
        "CustomerRecords/ChangeAddress" => code!(records().change_address(authed(
            token,
            pb::ChangeAddressRequest {
                customer_id: c,
                new_address: Some(pb::Address {
                    lines: vec![format!("{n} Matrix Road")],
                    town: "Birmingham".into(),
                    postcode: "B15 3DH".into(),
                    uprn: String::new(),
                }),
                effective_date: "2026-01-15".into(),
                ..Default::default()
            }
        ))),
        "Consents/GrantConsent" => code!(app.consents().grant_consent(authed(
            token,
            pb::GrantConsentRequest {
                customer_id: c,
                system: "waste".into(),
                scope: pb::ConsentScope::AddressChanges.into(),
                evidence: Some(evidence()),
            }
        ))),
        "Consents/WithdrawConsent" => code!(app.consents().withdraw_consent(authed(
            token,
            pb::WithdrawConsentRequest {
                customer_id: c,
                system: "waste".into(),
                scope: pb::ConsentScope::AddressChanges.into(),
                evidence: Some(evidence()),
            }
        ))),
        "Consents/ListConsents" => code!(app.consents().list_consents(authed(
            token,
            pb::ListConsentsRequest {
                customer_id: c,
                ..Default::default()
            }
        ))),
        "Events/Subscribe" => code!(app.events().subscribe(authed(
            token,
            pb::SubscribeRequest {
                system: "libraries".into(),
                after_sequence: Some(0),
            }
        ))),
        "Events/Acknowledge" => code!(app.events().acknowledge(authed(
            token,
            pb::AcknowledgeRequest {
                system: "libraries".into(),
                sequence: 1,
            }
        ))),
        "MatchReview/ListReviewTasks" => {
            code!(review().list_review_tasks(authed(token, pb::ListReviewTasksRequest::default())))
        }
        "MatchReview/ResolveReviewTask" => code!(review().resolve_review_task(authed(
            token,
            pb::ResolveReviewTaskRequest {
                task_id: NOBODY.into(),
                decision: pb::ReviewDecision::DifferentPeople.into(),
                reason: "checked".into(),
            }
        ))),
        "MatchReview/MergeCustomers" => code!(review().merge_customers(authed(
            token,
            pb::MergeCustomersRequest {
                survivor_id: c,
                merged_id: NOBODY.into(),
                reason: "checked".into(),
            }
        ))),
        "MatchReview/SplitCustomer" => code!(review().split_customer(authed(
            token,
            pb::SplitCustomerRequest {
                customer_id: NOBODY.into(),
                links: vec![pb::LinkRef {
                    system: "libraries".into(),
                    local_id: "L1".into(),
                }],
                reason: "checked".into(),
            }
        ))),
        "Search/SearchCustomers" => code!(app.search().search_customers(authed(
            token,
            pb::SearchCustomersRequest {
                query: "Okafor".into(),
                structured: None,
                page_size: 5,
                page_token: String::new(),
                purpose,
            }
        ))),
        "Identity/VerifyIdentity" => code!(app.identity().verify_identity(authed(
            token,
            pb::VerifyIdentityRequest {
                customer_id: c,
                claims: Some(pb::IdentityClaims {
                    date_of_birth: "1984-06-02".into(),
                    ..Default::default()
                }),
            }
        ))),
        "Identity/SetVerificationFacts" => code!(app.identity().set_verification_facts(authed(
            token,
            pb::SetVerificationFactsRequest {
                customer_id: c,
                facts: vec![pb::VerificationFact {
                    kind: "library_card".into(),
                    value: "LC-1".into(),
                }],
            }
        ))),
        "SubjectRights/GrantNeedToKnow" => code!(rights().grant_need_to_know(authed(
            token,
            pb::GrantNeedToKnowRequest {
                customer_id: NOBODY.into(),
                grantee: "agent".into(),
                reason: "case".into(),
                expires_at: Some(prost_types::Timestamp {
                    seconds: 4_070_908_800,
                    nanos: 0
                }),
            }
        ))),
        "SubjectRights/RevokeNeedToKnow" => code!(rights().revoke_need_to_know(authed(
            token,
            pb::RevokeNeedToKnowRequest {
                customer_id: NOBODY.into(),
                grantee: "agent".into(),
            }
        ))),
        "SubjectRights/RestrictProcessing" | "SubjectRights/LiftRestriction" => {
            let (customer_id, reason) = (NOBODY.to_string(), "contested".to_string());
            if rpc.ends_with("RestrictProcessing") {
                code!(rights().restrict_processing(authed(
                    token,
                    pb::RestrictProcessingRequest {
                        customer_id,
                        reason
                    }
                )))
            } else {
                code!(rights().lift_restriction(authed(
                    token,
                    pb::LiftRestrictionRequest {
                        customer_id,
                        reason
                    }
                )))
            }
        }
        "SubjectRights/PlaceLegalHold" | "SubjectRights/ReleaseLegalHold" => {
            if rpc.ends_with("PlaceLegalHold") {
                code!(rights().place_legal_hold(authed(
                    token,
                    pb::PlaceLegalHoldRequest {
                        customer_id: NOBODY.into(),
                        reference: "Inquiries Act notice".into(),
                    }
                )))
            } else {
                code!(rights().release_legal_hold(authed(
                    token,
                    pb::ReleaseLegalHoldRequest {
                        customer_id: NOBODY.into(),
                    }
                )))
            }
        }
        "SubjectRights/EraseCustomer" => code!(rights().erase_customer(authed(
            token,
            pb::EraseCustomerRequest {
                customer_id: NOBODY.into(),
                reason: "request".into(),
            }
        ))),
        "SubjectRights/ExportSubjectData" => code!(rights().export_subject_data(authed(
            token,
            pb::ExportSubjectDataRequest {
                customer_id: NOBODY.into(),
            }
        ))),
        "SubjectRights/RectifyCustomer" => code!(rights().rectify_customer(authed(
            token,
            pb::RectifyCustomerRequest {
                customer_id: NOBODY.into(),
                customer: Some(pb::RectifiedFields {
                    gender: pb::Gender::Female.into(),
                    ..Default::default()
                }),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["gender".into()]
                }),
                reason: "request".into(),
            }
        ))),
        "SubjectRights/RecordObjection" => code!(rights().record_objection(authed(
            token,
            pb::RecordObjectionRequest {
                customer_id: NOBODY.into(),
                grounds: "grounds".into(),
                scope: pb::ObjectionScope::AddressSharing.into(),
            }
        ))),
        "SubjectRights/WithdrawObjection" => code!(rights().withdraw_objection(authed(
            token,
            pb::WithdrawObjectionRequest {
                customer_id: NOBODY.into(),
                scope: pb::ObjectionScope::AddressSharing.into(),
            }
        ))),
        "Audit/VerifyAuditLog" => code!(
            app.audit()
                .verify_audit_log(authed(token, pb::VerifyAuditLogRequest {}))
        ),
        "Audit/ListAccessRecords" => code!(app.audit().list_access_records(authed(
            token,
            pb::ListAccessRecordsRequest {
                customer_id: c,
                ..Default::default()
            }
        ))),
        "Statistics/EqualitiesCounts" => code!(stats().equalities_counts(authed(
            token,
            pb::EqualitiesCountsRequest { by_system: false }
        ))),
        "Admin/RegisterCaller" => code!(app.admin().register_caller(authed(
            token,
            pb::RegisterCallerRequest {
                name: format!("matrix-{n}"),
                role: pb::Role::Agent.into(),
                system: String::new(),
            }
        ))),
        "Admin/ListCallers" => code!(
            app.admin()
                .list_callers(authed(token, pb::ListCallersRequest {}))
        ),
        "Admin/RevokeCaller" => code!(app.admin().revoke_caller(authed(
            token,
            pb::RevokeCallerRequest {
                name: "nobody-registered".into(),
            }
        ))),
        other => panic!("no call for {other}: add one"),
    }
}

#[tokio::test]
async fn every_role_meets_the_role_table_on_every_rpc() {
    let app = spawn_app().await;
    let customer = app
        .records()
        .submit_record(authed("libraries", submit(record("libraries", "L1"), "")))
        .await
        .unwrap()
        .into_inner()
        .customer_id;
    let mut mismatches = Vec::new();
    let mut n = 0;
    for (rpc, allowed) in MATRIX {
        for (role, token) in ROLES {
            n += 1;
            let code = call(&app, rpc, token, &customer, n).await;
            let expected_allowed = allowed.contains(role);
            let ok = if expected_allowed {
                !matches!(code, Code::PermissionDenied | Code::Unauthenticated)
            } else {
                code == Code::PermissionDenied
            };
            if !ok {
                mismatches.push(format!(
                    "{rpc} as {role}: {code:?} (expected {})",
                    if expected_allowed {
                        "allowed"
                    } else {
                        "PERMISSION_DENIED"
                    }
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    app.stop().await;
}

#[test]
fn the_table_names_every_rpc_of_every_service() {
    use prost::Message;
    let set = prost_types::FileDescriptorSet::decode(pb::FILE_DESCRIPTOR_SET).unwrap();
    let mut served: Vec<String> = set
        .file
        .iter()
        .filter(|f| f.package() == "scr.v1")
        .flat_map(|f| {
            f.service.iter().flat_map(|s| {
                s.method
                    .iter()
                    .map(move |m| format!("{}/{}", s.name(), m.name()))
            })
        })
        .collect();
    served.sort();
    let mut listed: Vec<String> = MATRIX.iter().map(|(rpc, _)| (*rpc).to_owned()).collect();
    listed.sort();
    assert_eq!(listed, served);
}
