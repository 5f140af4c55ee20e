//! The DPO's export, rectification and objections over gRPC.

use crate::helpers::*;
use crate::search::{first_hit_once_indexed, person, query, submit_person};
use scr_hub::api::pb;
use tonic::Code;

async fn export(
    app: &TestApp,
    token: &str,
    id: &str,
) -> Result<pb::ExportSubjectDataResponse, tonic::Status> {
    app.subject_rights()
        .export_subject_data(authed(
            token,
            pb::ExportSubjectDataRequest {
                customer_id: id.into(),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

fn rectify(id: &str, fields: pb::RectifiedFields, mask: &[&str]) -> pb::RectifyCustomerRequest {
    pb::RectifyCustomerRequest {
        customer_id: id.into(),
        customer: Some(fields),
        update_mask: Some(prost_types::FieldMask {
            paths: mask.iter().map(|m| (*m).to_owned()).collect(),
        }),
        reason: "rectification request 2026/77".into(),
    }
}

fn address(line: &str, postcode: &str) -> pb::Address {
    pb::Address {
        lines: vec![line.into()],
        town: "Birmingham".into(),
        postcode: postcode.into(),
        uprn: String::new(),
    }
}

fn objection(id: &str, scope: pb::ObjectionScope) -> pb::RecordObjectionRequest {
    pb::RecordObjectionRequest {
        customer_id: id.into(),
        grounds: "does not want departments told where she lives".into(),
        scope: scope.into(),
    }
}

/// address_changed events for the customer: (system) in commit order.
async fn address_events(app: &TestApp, id: &str) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT system FROM outbox WHERE customer_id = $1 AND event_type = 'address_changed' \
         ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&app.sqlite().await)
    .await
    .unwrap();
    rows.into_iter().map(|(s,)| s).collect()
}

#[tokio::test]
async fn the_export_holds_everything_and_is_audited() {
    let app = spawn_app().await;
    let id = submit_person(&app, "libraries", record("libraries", "L1")).await;
    assert_eq!(
        submit_person(&app, "waste", record("waste", "W1")).await,
        id
    );
    // Libraries now hold a new family name: waste's copy is an earlier name.
    let mut renamed = record("libraries", "L1");
    renamed.name.as_mut().unwrap().family = "Okafor-Reid".into();
    submit_person(&app, "libraries", renamed).await;
    app.records()
        .get_customer(authed(
            "agent",
            pb::GetCustomerRequest {
                customer_id: id.clone(),
                purpose: "caller asked about a missed bin".into(),
            },
        ))
        .await
        .unwrap();
    app.identity()
        .set_verification_facts(authed(
            "agent",
            pb::SetVerificationFactsRequest {
                customer_id: id.clone(),
                facts: vec![pb::VerificationFact {
                    kind: "council_tax_account".into(),
                    value: "CT-5521 907".into(),
                }],
            },
        ))
        .await
        .unwrap();
    app.subject_rights()
        .record_objection(authed(
            "dpo",
            objection(&id, pb::ObjectionScope::AllProcessing),
        ))
        .await
        .unwrap();

    assert_eq!(
        export(&app, "agent", &id).await.unwrap_err().code(),
        Code::PermissionDenied
    );
    let unknown = "00000000-0000-4000-8000-000000000000";
    let missing = export(&app, "dpo", unknown).await.unwrap_err().code();
    assert_eq!(missing, Code::NotFound);

    let out = export(&app, "dpo", &id).await.unwrap();
    assert_eq!(out.content_type, "application/json");
    assert_eq!(out.customer_id, id);
    assert!(out.merged_from.is_empty());
    let doc: serde_json::Value = serde_json::from_str(&out.data).unwrap();
    assert_eq!(doc["record"]["name"]["family"], "Okafor-Reid");
    assert_eq!(doc["links"].as_array().unwrap().len(), 2);
    assert_eq!(doc["links"][0]["method"], "new_customer");
    let names = doc["names_held_by_departments"].as_array().unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!(names[0]["system"], "waste");
    assert_eq!(names[0]["name"]["family"], "Okafor");
    assert_eq!(
        doc["verification_facts_held"],
        serde_json::json!(["council_tax_account"])
    );
    // Neither the value nor its normalised form nor a hash or salt
    // (a bare "5521" could turn up inside an ID or a timestamp).
    let lower = out.data.to_lowercase();
    for leak in ["ct-5521 907", "ct5521907", "\"salt\"", "\"hash\""] {
        assert!(!lower.contains(leak), "facts are never exported: {leak}");
    }
    assert_eq!(doc["objections"][0]["scope"], "all_processing");
    assert_eq!(
        doc["flags"]["processing_restricted"], true,
        "an objection to all processing restricts it while the DPO decides"
    );
    let access = doc["access_log"].as_array().unwrap();
    assert!(access.iter().any(|a| a["operation"] == "get_customer"
        && a["purpose"] == "caller asked about a missed bin"
        && a["caller"] == "agent"));
    assert!(
        access
            .iter()
            .any(|a| a["operation"] == "export_subject_data"),
        "the export is itself audited"
    );

    // A merged ID exports its survivor, and says so.
    let other = submit_person(
        &app,
        "council-tax",
        person(
            "council-tax",
            "C9",
            ("Brendan", "Quayle"),
            "1950-01-01",
            "9 Elm Row",
            "B30 2AA",
        ),
    )
    .await;
    // The restriction stays through a withdrawal: lifting it is the DPO's call.
    app.subject_rights()
        .withdraw_objection(authed(
            "dpo",
            pb::WithdrawObjectionRequest {
                customer_id: id.clone(),
                scope: pb::ObjectionScope::AllProcessing.into(),
            },
        ))
        .await
        .unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&export(&app, "dpo", &id).await.unwrap().data).unwrap();
    assert_eq!(doc["flags"]["processing_restricted"], true);
    app.subject_rights()
        .lift_restriction(authed(
            "dpo",
            pb::LiftRestrictionRequest {
                customer_id: id.clone(),
                reason: "objection assessed: public task overrides".into(),
            },
        ))
        .await
        .unwrap();
    app.match_review_merge(&id, &other).await;
    let out = export(&app, "dpo", &other).await.unwrap();
    assert_eq!(out.customer_id, id);
    assert_eq!(out.merged_from, other);
    let doc: serde_json::Value = serde_json::from_str(&out.data).unwrap();
    assert_eq!(doc["merged_from"], other.as_str());
    assert_eq!(doc["merges_and_splits"][0]["kind"], "merge");

    // Erased: not found.
    app.subject_rights()
        .erase_customer(authed(
            "dpo",
            pb::EraseCustomerRequest {
                customer_id: id.clone(),
                reason: "erasure request 2026/9".into(),
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        export(&app, "dpo", &id).await.unwrap_err().code(),
        Code::NotFound
    );
    app.stop().await;
}

#[tokio::test]
async fn rectification_is_validated_applies_the_minors_rule_and_is_searchable() {
    let app = spawn_app().await;
    let id = submit_person(&app, "libraries", record("libraries", "L1")).await;
    let mut rights = app.subject_rights();
    let fields = |given: &str| pb::RectifiedFields {
        name: Some(pb::PersonName {
            given: given.into(),
            middle: String::new(),
            family: "Okonkwo".into(),
        }),
        ..Default::default()
    };
    let denied = rights
        .rectify_customer(authed(
            "agent",
            rectify(&id, fields("Amelia"), &["name.family"]),
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let bad = rights
        .rectify_customer(authed("dpo", rectify(&id, fields(""), &["name.given"])))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&bad), ["customer.name.given"]);
    let bad = rights
        .rectify_customer(authed("dpo", rectify(&id, fields("Amelia"), &["nickname"])))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&bad), ["update_mask"]);
    let bad = rights
        .rectify_customer(authed("dpo", rectify(&id, fields("Amelia"), &[])))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&bad), ["update_mask"]);
    let bad_address = pb::RectifiedFields {
        address: Some(address("", "not a postcode")),
        ..Default::default()
    };
    let bad = rights
        .rectify_customer(authed("dpo", rectify(&id, bad_address, &["address"])))
        .await
        .unwrap_err();
    let mut named = violated_fields(&bad);
    named.sort();
    assert_eq!(
        named,
        ["customer.address.lines", "customer.address.postcode"]
    );
    let minor = pb::RectifiedFields {
        date_of_birth: born_years_ago(12),
        ..Default::default()
    };
    let refused = rights
        .rectify_customer(authed("dpo", rectify(&id, minor, &["date_of_birth"])))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert_eq!(
        error_reason(&refused).as_deref(),
        Some("MINOR_WITHOUT_LAWFUL_BASIS")
    );

    let customer = rights
        .rectify_customer(authed(
            "dpo",
            rectify(&id, fields("Amelia"), &["name.family"]),
        ))
        .await
        .unwrap()
        .into_inner()
        .customer
        .unwrap();
    let name = customer.name.unwrap();
    assert_eq!(
        (
            name.given.as_str(),
            name.middle.as_str(),
            name.family.as_str()
        ),
        ("Amelia", "Jane", "Okonkwo")
    );
    assert_eq!(
        customer.date_of_birth, "1984-06-02",
        "refused changes left nothing behind"
    );
    first_hit_once_indexed(&app, query("Amelia Okonkwo B15 3DH"), &id).await;
    app.stop().await;
}

#[tokio::test]
async fn an_address_sharing_objection_withholds_rectified_and_reported_moves() {
    let app = spawn_app().await;
    let id = submit_person(&app, "libraries", record("libraries", "L1")).await;
    submit_person(&app, "waste", record("waste", "W1")).await;
    submit_person(&app, "council-tax", record("council-tax", "C1")).await;
    let mut rights = app.subject_rights();
    // Consent for every linked system, given in an agent's call.
    let moved = app
        .records()
        .change_address(authed(
            "agent",
            pb::ChangeAddressRequest {
                customer_id: id.clone(),
                new_address: Some(address("1 New Street", "B2 4QA")),
                effective_date: "2026-01-15".into(),
                consent_to_share: Some(pb::ConsentToShare {
                    target: Some(pb::consent_to_share::Target::AllLinked(true)),
                }),
                evidence: Some(pb::ConsentEvidence {
                    channel: "phone".into(),
                    reference: "CALL-1".into(),
                    captured_by: "agent".into(),
                }),
                request_id: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.notified_count, 3);
    assert_eq!(address_events(&app, &id).await.len(), 3);

    let unspecified = rights
        .record_objection(authed(
            "dpo",
            objection(&id, pb::ObjectionScope::Unspecified),
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&unspecified), ["scope"]);
    assert_eq!(
        rights
            .record_objection(authed(
                "agent",
                objection(&id, pb::ObjectionScope::AddressSharing)
            ))
            .await
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );
    let recorded = rights
        .record_objection(authed(
            "dpo",
            objection(&id, pb::ObjectionScope::AddressSharing),
        ))
        .await
        .unwrap()
        .into_inner()
        .objection
        .unwrap();
    assert_eq!(recorded.recorded_by, "dpo");
    assert!(recorded.recorded_at.is_some_and(|t| t.seconds > 0));

    // Reported by an agent, rectified by the DPO, submitted by a department:
    // none goes out while the objection stands.
    let moved = app
        .records()
        .change_address(authed(
            "agent",
            pb::ChangeAddressRequest {
                customer_id: id.clone(),
                new_address: Some(address("2 New Street", "B2 4QA")),
                effective_date: "2026-02-15".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((moved.notified_count, moved.withheld_count), (0, 3));
    let fields = pb::RectifiedFields {
        address: Some(address("3 New Street", "B2 4QA")),
        ..Default::default()
    };
    let customer = rights
        .rectify_customer(authed("dpo", rectify(&id, fields, &["address"])))
        .await
        .unwrap()
        .into_inner()
        .customer
        .unwrap();
    assert_eq!(customer.address.unwrap().lines, ["3 New Street"]);
    assert_eq!(
        customer.previous_addresses[0]
            .address
            .as_ref()
            .unwrap()
            .lines,
        ["2 New Street"]
    );
    let mut moved_record = record("waste", "W1");
    moved_record.address = Some(address("4 New Street", "B2 4QA"));
    submit_person(&app, "waste", moved_record).await;
    assert_eq!(address_events(&app, &id).await.len(), 3, "all withheld");

    let withdrawn = rights
        .withdraw_objection(authed(
            "dpo",
            pb::WithdrawObjectionRequest {
                customer_id: id.clone(),
                scope: pb::ObjectionScope::AddressSharing.into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(withdrawn.withdrawn, 1);
    let fields = pb::RectifiedFields {
        address: Some(address("5 New Street", "B2 4QA")),
        ..Default::default()
    };
    rights
        .rectify_customer(authed("dpo", rectify(&id, fields, &["address"])))
        .await
        .unwrap();
    let mut told = address_events(&app, &id).await.split_off(3);
    told.sort();
    assert_eq!(
        told,
        ["council-tax", "libraries", "waste"],
        "rectified address told"
    );
    let out = export(&app, "dpo", &id).await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&out.data).unwrap();
    assert_eq!(doc["objections"][0]["scope"], "address_sharing");
    assert!(doc["objections"][0]["withdrawn_at"].is_string());
    app.stop().await;
}
