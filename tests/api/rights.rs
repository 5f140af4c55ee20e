//! Subject rights over gRPC: restriction of processing, legal holds and
//! erasure with its tombstone.

use crate::helpers::*;
use scr_hub::api::pb;
use tonic::Code;

async fn read(app: &TestApp, token: &str, id: &str) -> Result<pb::Customer, tonic::Status> {
    app.records()
        .get_customer(authed(
            token,
            pb::GetCustomerRequest {
                customer_id: id.into(),
                purpose: "subject access request".into(),
            },
        ))
        .await
        .map(|r| r.into_inner().customer.unwrap())
}

async fn events(app: &TestApp, id: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT event_type, system FROM outbox WHERE customer_id = $1 AND system <> '' \
         ORDER BY seq",
    )
    .bind(id)
    .fetch_all(&app.sqlite().await)
    .await
    .unwrap()
}

#[tokio::test]
async fn restriction_holds_and_erasure() {
    let app = spawn_app().await;
    let mut records = app.records();
    let id = records
        .submit_record(authed("libraries", submit(record("libraries", "L1"), "")))
        .await
        .unwrap()
        .into_inner()
        .customer_id;
    records
        .submit_record(authed("waste", submit(record("waste", "W1"), "")))
        .await
        .unwrap();
    let mut rights = app.subject_rights();
    let restriction = |token: &str| {
        authed(
            token,
            pb::RestrictProcessingRequest {
                customer_id: id.clone(),
                reason: "accuracy contested by the citizen".into(),
            },
        )
    };
    assert_eq!(
        rights
            .restrict_processing(restriction("agent"))
            .await
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );
    let flags = rights
        .restrict_processing(restriction("dpo"))
        .await
        .unwrap()
        .into_inner()
        .flags
        .unwrap();
    assert!(flags.processing_restricted);
    assert_eq!(
        read(&app, "agent", &id).await.unwrap_err().code(),
        Code::NotFound
    );
    assert!(read(&app, "dpo", &id).await.is_ok());
    let told: Vec<_> = events(&app, &id)
        .await
        .into_iter()
        .filter(|(t, _)| t == "processing_restricted")
        .map(|(_, s)| s)
        .collect();
    assert_eq!(told, ["libraries", "waste"]);
    rights
        .lift_restriction(authed(
            "dpo",
            pb::LiftRestrictionRequest {
                customer_id: id.clone(),
                reason: "accuracy confirmed".into(),
            },
        ))
        .await
        .unwrap();
    assert!(read(&app, "agent", &id).await.is_ok());

    let hold = |reference: &str| {
        authed(
            "dpo",
            pb::PlaceLegalHoldRequest {
                customer_id: id.clone(),
                reference: reference.into(),
            },
        )
    };
    let erase = || {
        authed(
            "dpo",
            pb::EraseCustomerRequest {
                customer_id: id.clone(),
                reason: "erasure request 2026/114".into(),
            },
        )
    };
    rights
        .place_legal_hold(hold("Inquiries Act 2005 s.21 notice 7"))
        .await
        .unwrap();
    let held = rights.erase_customer(erase()).await.unwrap_err();
    assert_eq!(held.code(), Code::FailedPrecondition);
    assert_eq!(error_reason(&held).as_deref(), Some("LEGAL_HOLD"));
    assert!(read(&app, "agent", &id).await.is_ok(), "nothing was erased");
    rights
        .release_legal_hold(authed(
            "dpo",
            pb::ReleaseLegalHoldRequest {
                customer_id: id.clone(),
            },
        ))
        .await
        .unwrap();
    rights.erase_customer(erase()).await.unwrap();

    assert_eq!(
        read(&app, "dpo", &id).await.unwrap_err().code(),
        Code::NotFound
    );
    // Their values left the matcher's frequency counts too.
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM value_counts")
        .fetch_one(&app.sqlite().await)
        .await
        .unwrap();
    assert_eq!(left, 0, "no count of an erased person's values");
    let erased: Vec<_> = events(&app, &id)
        .await
        .into_iter()
        .filter(|(t, _)| t == "customer_erased")
        .map(|(_, s)| s)
        .collect();
    assert_eq!(erased, ["libraries", "waste"]);
    let pool = app.sqlite().await;
    for table in ["customers", "links", "link_keys", "previous_addresses"] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    let (data,): (String,) =
        sqlx::query_as("SELECT data FROM outbox WHERE event_type = 'record_linked' LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(data, "{}", "past events lose their data");

    // The next feed of an erased ID waits for the DPO.
    let again = records
        .submit_record(authed("libraries", submit(record("libraries", "L1"), "")))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::FailedPrecondition);
    assert_eq!(error_reason(&again).as_deref(), Some("CUSTOMER_ERASED"));
    let audit = app
        .audit()
        .verify_audit_log(authed("dpo", pb::VerifyAuditLogRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert!(audit.intact);
    app.stop().await;
}

/// The equalities table names genders by the API's enum, and marks its
/// totals across genders as such rather than by a made-up gender.
#[tokio::test]
async fn equalities_cells_carry_gender_as_an_enum() {
    let app = spawn_app().await;
    app.records()
        .submit_record(authed("libraries", submit(record("libraries", "L1"), "")))
        .await
        .unwrap();
    let cells = pb::statistics_client::StatisticsClient::new(app.channel.clone())
        .equalities_counts(authed(
            "dpo",
            pb::EqualitiesCountsRequest { by_system: false },
        ))
        .await
        .unwrap()
        .into_inner()
        .cells;
    let genders: std::collections::BTreeSet<(i32, bool)> =
        cells.iter().map(|c| (c.gender, c.all_genders)).collect();
    let want: std::collections::BTreeSet<(i32, bool)> = [
        (pb::Gender::Female as i32, false),
        (pb::Gender::Male as i32, false),
        (pb::Gender::Other as i32, false),
        (pb::Gender::Unspecified as i32, false),
        (pb::Gender::Unspecified as i32, true),
    ]
    .into_iter()
    .collect();
    assert_eq!(genders, want);
    // One adult: every count is small, so none is published.
    assert!(cells.iter().all(|c| c.suppressed && c.count == 0));
}
