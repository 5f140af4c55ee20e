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
    // Another department holds no link to this customer.
    let status = set_fact(&app, "libraries", &id).await.unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);

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
