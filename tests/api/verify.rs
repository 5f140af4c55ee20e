//! VerifyIdentity and SetVerificationFacts end to end.

use crate::helpers::*;
use crate::search::{person, submit_person};
use scr_hub::api::pb;
use tonic::Code;

fn claims(dob: &str, postcode: &str, line: &str, facts: &[(&str, &str)]) -> pb::IdentityClaims {
    pb::IdentityClaims {
        date_of_birth: dob.into(),
        postcode: postcode.into(),
        address_line: line.into(),
        facts: facts
            .iter()
            .map(|(kind, value)| pb::VerificationFact {
                kind: (*kind).into(),
                value: (*value).into(),
            })
            .collect(),
    }
}

async fn verify(
    app: &TestApp,
    id: &str,
    claims: pb::IdentityClaims,
) -> Result<pb::VerifyIdentityResponse, tonic::Status> {
    app.identity()
        .verify_identity(authed(
            "agent",
            pb::VerifyIdentityRequest {
                customer_id: id.into(),
                claims: Some(claims),
            },
        ))
        .await
        .map(|r| r.into_inner())
}

fn results(response: &pb::VerifyIdentityResponse) -> Vec<(String, pb::ClaimResult)> {
    response
        .claims
        .iter()
        .map(|c| (c.claim.clone(), c.result()))
        .collect()
}

async fn customer(app: &TestApp) -> String {
    submit_person(
        app,
        "council-tax",
        person(
            "council-tax",
            "CT1",
            ("Amelia", "Okafor"),
            "1984-06-02",
            "14 Harborne Road",
            "B15 3DH",
        ),
    )
    .await
}

async fn set_fact(app: &TestApp, token: &str, id: &str) -> Result<Vec<String>, tonic::Status> {
    app.identity()
        .set_verification_facts(authed(
            token,
            pb::SetVerificationFactsRequest {
                customer_id: id.into(),
                facts: vec![pb::VerificationFact {
                    kind: "council_tax_account".into(),
                    value: "CT-5521 907".into(),
                }],
            },
        ))
        .await
        .map(|r| r.into_inner().kinds)
}

#[tokio::test]
async fn claims_are_answered_matched_or_not_never_with_values() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    assert_eq!(
        set_fact(&app, "council-tax", &id).await.unwrap(),
        ["council_tax_account"]
    );
    // Another department holds no link to this customer: unknown to it.
    let status = set_fact(&app, "libraries", &id).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    let ok = verify(
        &app,
        &id,
        claims(
            "02/06/1984",
            "b15 3dh",
            "14 Harborne Rd",
            &[("council_tax_account", "ct5521907")],
        ),
    )
    .await
    .unwrap();
    assert!(ok.verified);
    assert!(!ok.locked);
    use pb::ClaimResult::*;
    assert_eq!(
        results(&ok),
        [
            ("date_of_birth".to_string(), Matched),
            ("postcode".to_string(), Matched),
            ("address_line".to_string(), Matched),
            ("fact:council_tax_account".to_string(), Matched),
        ]
    );

    let bad = verify(
        &app,
        &id,
        claims(
            "1984-06-03",
            "B15 3DH",
            "",
            &[
                ("council_tax_account", "CT-5521 908"),
                ("library_card", "X1"),
            ],
        ),
    )
    .await
    .unwrap();
    assert!(!bad.verified);
    assert_eq!(
        results(&bad),
        [
            ("date_of_birth".to_string(), NotMatched),
            ("postcode".to_string(), Matched),
            ("fact:council_tax_account".to_string(), NotMatched),
            ("fact:library_card".to_string(), NotHeld),
        ]
    );
    let text = format!("{bad:?}");
    assert!(!text.contains("1984-06-02") && !text.contains("5521907"));

    for token in ["libraries", "council-tax-feed", "admin"] {
        let status = app
            .identity()
            .verify_identity(authed(
                token,
                pb::VerifyIdentityRequest {
                    customer_id: id.clone(),
                    claims: Some(claims("1984-06-02", "", "", &[])),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{token}");
    }
    let status = verify(&app, &id, claims("", "", "", &[]))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["claims"]);
    let status = verify(
        &app,
        &id,
        claims("yesterday", "nowhere", "", &[("Bad Kind", "x")]),
    )
    .await
    .unwrap_err();
    assert_eq!(
        violated_fields(&status),
        [
            "claims.date_of_birth",
            "claims.postcode",
            "claims.facts[0].kind"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn five_failures_lock_verification() {
    let app = spawn_app().await;
    let id = customer(&app).await;
    for attempt in 1..=5 {
        let response = verify(&app, &id, claims("1990-01-01", "", "", &[]))
            .await
            .unwrap();
        assert!(!response.verified);
        assert_eq!(response.locked, attempt == 5, "attempt {attempt}");
    }
    // Locked: even the right answer is refused for the cooling-off period.
    let status = verify(&app, &id, claims("1984-06-02", "", "", &[]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    use tonic_types::StatusExt;
    assert_eq!(
        status.get_details_error_info().unwrap().reason,
        "VERIFICATION_LOCKED"
    );
    app.stop().await;
}

#[tokio::test]
async fn verification_on_postgres() {
    let Some(app) = spawn_app_on(Backend::Postgres).await else {
        return;
    };
    let id = customer(&app).await;
    set_fact(&app, "agent", &id).await.unwrap();
    let ok = verify(
        &app,
        &id,
        claims("", "", "", &[("council_tax_account", "CT5521907")]),
    )
    .await
    .unwrap();
    assert!(ok.verified);
    for _ in 0..5 {
        verify(&app, &id, claims("1990-01-01", "", "", &[]))
            .await
            .unwrap();
    }
    let status = verify(&app, &id, claims("1984-06-02", "", "", &[]))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    app.stop().await;
}

/// Two replicas on one PostgreSQL database, ten wrong answers at once (five
/// through each): exactly five failures are recorded, the fifth locks, and
/// the other five are refused as locked.
#[tokio::test]
async fn replicas_lock_after_exactly_five_failures_on_postgres() {
    use sqlx::Connection;
    let Some(url) = postgres::fresh_database().await else {
        return;
    };
    let mut replicas = Vec::new();
    // Replicas of one deployment share its audit key.
    let audit_keys = std::sync::Arc::new(scr_hub::audit::Keyring::generate());
    for _ in 0..2 {
        let data_dir = tempfile::tempdir().unwrap();
        let settings = scr_hub::config::Settings {
            audit_keys: audit_keys.clone().into(),
            listen: "127.0.0.1:0".parse().unwrap(),
            data_dir: data_dir.path().to_owned(),
            database_url: url.clone(),
            log_format: scr_hub::config::LogFormat::Pretty,
            nats: None,
            callers: configured_callers(),
            privacy: Default::default(),
            otlp_endpoint: None,
            tls: None,
            health_listen: None,
        };
        replicas.push(start(settings, data_dir).await);
    }
    let id = customer(&replicas[0]).await;
    let mut attempts = tokio::task::JoinSet::new();
    for n in 0..10 {
        let mut client = replicas[n % 2].identity();
        let request = authed(
            "agent",
            pb::VerifyIdentityRequest {
                customer_id: id.clone(),
                claims: Some(claims("1990-01-01", "", "", &[])),
            },
        );
        attempts.spawn(async move {
            client
                .verify_identity(request)
                .await
                .map(|r| r.into_inner())
        });
    }
    let outcomes = attempts.join_all().await;

    let (mut failed, mut locking, mut refused) = (0, 0, 0);
    for outcome in &outcomes {
        match outcome {
            Ok(response) => {
                assert!(!response.verified);
                failed += 1;
                locking += usize::from(response.locked);
            }
            Err(status) => {
                assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
                assert_eq!(error_reason(status).as_deref(), Some("VERIFICATION_LOCKED"));
                refused += 1;
            }
        }
    }
    assert_eq!((failed, locking, refused), (5, 1, 5));

    let mut db = sqlx::PgConnection::connect(&url).await.unwrap();
    let count = |sql: &'static str| sqlx::query_scalar::<_, i64>(sql);
    let recorded = count("SELECT COUNT(*) FROM verification_attempts WHERE NOT succeeded")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(recorded, 5, "no failure is recorded past the lock");
    let locks = count("SELECT COUNT(*) FROM verification_locks")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(locks, 1);
    for (operation, expected) in [
        ("verify_identity_failed", 5),
        ("verification_locked", 1),
        ("verify_identity_refused_locked", 5),
    ] {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE operation = $1")
            .bind(operation)
            .fetch_one(&mut db)
            .await
            .unwrap();
        assert_eq!(n, expected, "{operation}");
    }
    for replica in replicas {
        replica.stop().await;
    }
}
