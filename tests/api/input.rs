//! Arbitrary text in every text field of SubmitRecord, ChangeAddress,
//! SearchCustomers and GrantConsent (control characters, huge strings,
//! characters beyond the BMP), on both stores: never INTERNAL, never a
//! panic, and nothing written when refused.

use crate::helpers::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use scr_hub::api::pb;
use tonic::Code;

/// Text as hostile as a caller can send.
fn wild() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[A-Za-z ]{0,6}[\\x00\\x07\\x1b][A-Za-z ]{0,6}",
        "[\\x00-\\x1f\\x7f\\u{80}-\\u{9f}\\u{202a}-\\u{202e}a-z 0-9]{0,12}",
        "[\\u{10000}-\\u{10FFFF}]{1,8}",
        (0usize..3).prop_map(|k| "x".repeat([101, 2_001, 70_000][k])),
        "\\PC{0,20}",
    ]
}

/// Rows that any write adds to, summed.
async fn rows_written(url: &str) -> i64 {
    use sqlx::Connection;
    let sql = "SELECT (SELECT COUNT(*) FROM customers) + (SELECT COUNT(*) FROM links) \
               + (SELECT COUNT(*) FROM audit_log) + (SELECT COUNT(*) FROM outbox) \
               + (SELECT COUNT(*) FROM consent_events) + (SELECT COUNT(*) FROM requests) \
               + (SELECT COUNT(*) FROM previous_addresses) + (SELECT COUNT(*) FROM verification_facts)";
    if url.starts_with("sqlite:") {
        let mut conn = sqlx::SqliteConnection::connect(url).await.unwrap();
        sqlx::query_as::<_, (i64,)>(sql)
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .0
    } else {
        let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
        sqlx::query_as::<_, (i64,)>(sql)
            .fetch_one(&mut conn)
            .await
            .unwrap()
            .0
    }
}

/// Makes the call; a refusal must be a client's error that wrote nothing.
async fn judge<T>(
    app: &TestApp,
    call: impl std::future::Future<Output = Result<T, tonic::Status>>,
) {
    let before = rows_written(&app.database_url).await;
    match call.await {
        Ok(_) => {}
        Err(status) => {
            assert!(
                matches!(
                    status.code(),
                    Code::InvalidArgument
                        | Code::FailedPrecondition
                        | Code::NotFound
                        | Code::PermissionDenied
                ),
                "a client's mistake must not be {status:?}"
            );
            if status.code() == Code::InvalidArgument
                && status.message() != "a request carries exactly one message"
            {
                assert!(!violated_fields(&status).is_empty(), "{status:?}");
            }
            assert_eq!(
                rows_written(&app.database_url).await,
                before,
                "a refusal wrote nothing: {status:?}"
            );
        }
    }
}

const SUBMIT_FIELDS: usize = 13;

fn submit_request(edits: &[(usize, String)]) -> pb::SubmitRecordRequest {
    let mut r = record("libraries", "L-PROP");
    let mut request_id = String::new();
    let mut basis: Option<pb::MinorBasis> = None;
    for (field, text) in edits {
        let t = text.clone();
        let name = r.name.as_mut().unwrap();
        let address = r.address.as_mut().unwrap();
        match field {
            0 => r.system = t,
            1 => r.local_id = t,
            2 => name.given = t,
            3 => name.middle = t,
            4 => name.family = t,
            5 => r.date_of_birth = t,
            6 => address.lines = vec![t],
            7 => address.lines.push(t),
            8 => address.town = t,
            9 => address.postcode = t,
            10 => address.uprn = t,
            11 => request_id = t,
            _ => {
                basis = Some(pb::MinorBasis {
                    kind: pb::MinorBasisKind::ParentalConsent.into(),
                    reference: t,
                    expires_at: None,
                })
            }
        }
    }
    pb::SubmitRecordRequest {
        record: Some(r),
        request_id,
        minor_basis: basis,
    }
}

fn change_request(id: &str, edits: &[(usize, String)]) -> pb::ChangeAddressRequest {
    let mut r = pb::ChangeAddressRequest {
        customer_id: id.into(),
        new_address: Some(pb::Address {
            lines: vec!["3 Selly Park Road".into()],
            town: "Birmingham".into(),
            postcode: "B29 7PN".into(),
            uprn: String::new(),
        }),
        effective_date: "2026-01-15".into(),
        consent_to_share: None,
        evidence: None,
        request_id: String::new(),
    };
    for (field, text) in edits {
        let t = text.clone();
        let address = r.new_address.as_mut().unwrap();
        match field {
            0 => r.customer_id = t,
            1 => address.lines = vec![t],
            2 => address.town = t,
            3 => address.postcode = t,
            4 => address.uprn = t,
            5 => r.effective_date = t,
            6 => {
                r.consent_to_share = Some(pb::ConsentToShare {
                    target: Some(pb::consent_to_share::Target::Systems(pb::SystemList {
                        systems: vec![t],
                    })),
                })
            }
            7..=9 => {
                let e = r.evidence.get_or_insert_with(|| pb::ConsentEvidence {
                    channel: "phone".into(),
                    ..Default::default()
                });
                match field {
                    7 => e.channel = t,
                    8 => e.reference = t,
                    _ => e.captured_by = t,
                }
            }
            _ => r.request_id = t,
        }
    }
    r
}

fn search_request(edits: &[(usize, String)]) -> pb::SearchCustomersRequest {
    let mut r = pb::SearchCustomersRequest {
        query: "amelia okafor".into(),
        purpose: "caller on the phone".into(),
        ..Default::default()
    };
    for (field, text) in edits {
        let t = text.clone();
        let s = r.structured.get_or_insert_with(Default::default);
        match field {
            0 => r.query = t,
            1 => s.name = t,
            2 => s.date_of_birth = t,
            3 => s.postcode = t,
            4 => s.address = t,
            5 => r.page_token = t,
            _ => r.purpose = t,
        }
    }
    r
}

fn consent_request(id: &str, edits: &[(usize, String)]) -> pb::GrantConsentRequest {
    let mut r = pb::GrantConsentRequest {
        customer_id: id.into(),
        system: "waste".into(),
        scope: pb::ConsentScope::AddressChanges.into(),
        evidence: Some(pb::ConsentEvidence {
            channel: "phone".into(),
            reference: "CALL-1".into(),
            captured_by: String::new(),
        }),
    };
    for (field, text) in edits {
        let t = text.clone();
        let e = r.evidence.as_mut().unwrap();
        match field {
            0 => r.customer_id = t,
            1 => r.system = t,
            2 => e.channel = t,
            3 => e.reference = t,
            _ => e.captured_by = t,
        }
    }
    r
}

fn edits(fields: usize) -> impl Strategy<Value = Vec<(usize, String)>> {
    prop::collection::vec((0..fields, wild()), 1..3)
}

fn hostile_text_is_refused_cleanly(backend: Backend) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(app) = runtime.block_on(spawn_app_on(backend)) else {
        return;
    };
    let id = runtime.block_on(async {
        app.records()
            .submit_record(authed("waste", submit(record("waste", "W-1"), "")))
            .await
            .unwrap()
            .into_inner()
            .customer_id
    });
    let mut runner = TestRunner::new(Config {
        cases: 128,
        failure_persistence: None,
        ..Config::default()
    });
    let app = &app;
    runner
        .run(&edits(SUBMIT_FIELDS), |e| {
            runtime.block_on(judge(
                app,
                app.records()
                    .submit_record(authed("libraries", submit_request(&e))),
            ));
            Ok(())
        })
        .unwrap();
    runner
        .run(&edits(11), |e| {
            runtime.block_on(judge(
                app,
                app.records()
                    .change_address(authed("agent", change_request(&id, &e))),
            ));
            Ok(())
        })
        .unwrap();
    runner
        .run(&edits(7), |e| {
            runtime.block_on(judge(
                app,
                app.search()
                    .search_customers(authed("agent", search_request(&e))),
            ));
            Ok(())
        })
        .unwrap();
    runner
        .run(&edits(5), |e| {
            runtime.block_on(judge(
                app,
                app.consents()
                    .grant_consent(authed("agent", consent_request(&id, &e))),
            ));
            Ok(())
        })
        .unwrap();
}

#[test]
fn hostile_text_is_refused_cleanly_on_sqlite() {
    hostile_text_is_refused_cleanly(Backend::Sqlite);
}

#[test]
fn hostile_text_is_refused_cleanly_on_postgres() {
    hostile_text_is_refused_cleanly(Backend::Postgres);
}

/// The screen names the field of a control character, wherever it is.
#[tokio::test]
async fn control_characters_name_their_field() {
    let app = spawn_app().await;
    for (field, edit) in [
        ("record.address.town", 8),
        ("request_id", 11),
        ("record.name.family", 4),
    ] {
        let status = app
            .records()
            .submit_record(authed(
                "libraries",
                submit_request(&[(edit, "Bir\u{0}ming\u{7}ham".into())]),
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(violated_fields(&status), [field]);
    }
    let status = app
        .search()
        .search_customers(authed(
            "agent",
            search_request(&[(6, "why\u{1b}[2J".into())]),
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["purpose"]);
    app.stop().await;
}
