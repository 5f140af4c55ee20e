//! Minors: refused without a lawful exception, leaving no trace; held on an
//! exception as a restricted, need-to-know record that is never matched
//! into or propagated.

use crate::helpers::*;
use scr_hub::api::pb;
use tonic::Code;

fn with_basis(
    record: pb::DepartmentalRecord,
    kind: pb::MinorBasisKind,
    reference: &str,
) -> pb::SubmitRecordRequest {
    pb::SubmitRecordRequest {
        record: Some(record),
        request_id: String::new(),
        minor_basis: Some(pb::MinorBasis {
            kind: kind.into(),
            reference: reference.into(),
            expires_at: None,
        }),
    }
}

#[tokio::test]
async fn bad_exceptions_name_the_field() {
    let app = spawn_app().await;
    let mut client = app.records();
    for (kind, reference, field) in [
        (
            pb::MinorBasisKind::ParentalConsent,
            " ",
            "minor_basis.reference",
        ),
        (pb::MinorBasisKind::Unspecified, "G-1", "minor_basis.kind"),
    ] {
        let status = client
            .submit_record(authed(
                "libraries",
                with_basis(child("libraries", "C1"), kind, reference),
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(violated_fields(&status), [field]);
    }
    app.stop().await;
}

async fn get(app: &TestApp, token: &str, id: &str) -> Result<pb::Customer, tonic::Status> {
    app.records()
        .get_customer(authed(
            token,
            pb::GetCustomerRequest {
                customer_id: id.into(),
                purpose: "safeguarding follow-up".into(),
            },
        ))
        .await
        .map(|r| r.into_inner().customer.unwrap())
}

#[tokio::test]
async fn an_exception_holds_a_restricted_need_to_know_record() {
    let app = spawn_app().await;
    let mut client = app.records();
    let held = client
        .submit_record(authed(
            "libraries",
            with_basis(
                child("libraries", "LIB-C1"),
                pb::MinorBasisKind::ParentalConsent,
                "GUARDIAN-77",
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(held.outcome(), pb::MatchOutcome::NewCustomer);
    let id = held.customer_id.clone();

    // The submitting system and the DPO see it; nobody else learns it exists.
    assert!(get(&app, "libraries", &id).await.is_ok());
    assert!(get(&app, "dpo", &id).await.is_ok());
    for token in ["agent", "steward", "waste"] {
        let status = get(&app, token, &id).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{token}");
    }
    let status = client
        .resolve_link(authed(
            "agent",
            pb::ResolveLinkRequest {
                system: "libraries".into(),
                local_id: "LIB-C1".into(),
                purpose: "safeguarding follow-up".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    // A need-to-know grant opens it to one named caller until revoked.
    let mut rights = app.subject_rights();
    let grant = |token: &str, expires_at: Option<prost_types::Timestamp>| {
        authed(
            token,
            pb::GrantNeedToKnowRequest {
                customer_id: id.clone(),
                grantee: "agent".into(),
                reason: "safeguarding referral 2231".into(),
                expires_at,
            },
        )
    };
    let tomorrow = timestamp(chrono::Utc::now() + chrono::Duration::days(1));
    let yesterday = timestamp(chrono::Utc::now() - chrono::Duration::days(1));
    let denied = rights
        .grant_need_to_know(grant("agent", tomorrow))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::PermissionDenied);
    let past = rights
        .grant_need_to_know(grant("dpo", yesterday))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&past), ["expires_at"]);
    rights
        .grant_need_to_know(grant("dpo", tomorrow))
        .await
        .unwrap();
    assert!(get(&app, "agent", &id).await.is_ok());
    assert_eq!(
        get(&app, "steward", &id).await.unwrap_err().code(),
        Code::NotFound
    );
    let revoked = rights
        .revoke_need_to_know(authed(
            "dpo",
            pb::RevokeNeedToKnowRequest {
                customer_id: id.clone(),
                grantee: "agent".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(revoked.revoked, 1);
    assert_eq!(
        get(&app, "agent", &id).await.unwrap_err().code(),
        Code::NotFound
    );

    // The same child from another system is never matched into it.
    let other = client
        .submit_record(authed(
            "waste",
            with_basis(
                child("waste", "W-C1"),
                pb::MinorBasisKind::UrgentMatter,
                "CASE-5",
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(other.outcome(), pb::MatchOutcome::NewCustomer);
    assert_ne!(other.customer_id, id);

    // No event about either record went to any system (the internal rows
    // with no system only wake the search indexer).
    let pool = app.sqlite().await;
    let (events,): (i64,) = sqlx::query_as("SELECT count(*) FROM outbox WHERE system <> ''")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(events, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_department_update_to_a_minor_needs_an_exception_too() {
    let app = spawn_app().await;
    let mut client = app.records();
    let adult = client
        .submit_record(authed("libraries", submit(record("libraries", "L9"), "")))
        .await
        .unwrap()
        .into_inner();
    // The date of birth is corrected to a child's.
    let mut corrected = record("libraries", "L9");
    corrected.date_of_birth = born_years_ago(16);
    let status = client
        .submit_record(authed("libraries", submit(corrected.clone(), "")))
        .await
        .unwrap_err();
    assert_eq!(
        error_reason(&status).as_deref(),
        Some("MINOR_WITHOUT_LAWFUL_BASIS")
    );
    let updated = client
        .submit_record(authed(
            "libraries",
            with_basis(corrected, pb::MinorBasisKind::TreatedAsAdult, "HOUSING-9"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.customer_id, adult.customer_id);
    assert_eq!(
        get(&app, "agent", &adult.customer_id)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound,
        "the record is restricted from now on"
    );
    app.stop().await;
}
