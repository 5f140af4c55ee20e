//! SearchCustomers honours restriction: a minor's record held on an
//! exception and a record whose processing is restricted are hidden from
//! agents, shown to the DPO, and (the minor's) to an agent holding a
//! need-to-know grant.

use crate::helpers::*;
use crate::search::{INDEXED_WITHIN, query};
use scr_hub::api::pb;
use std::time::{Duration, Instant};

async fn ids_found(app: &TestApp, token: &str, text: &str) -> Vec<String> {
    app.search()
        .search_customers(authed(token, query(text)))
        .await
        .unwrap()
        .into_inner()
        .hits
        .into_iter()
        .map(|h| h.customer_id)
        .collect()
}

/// Polls (up to `INDEXED_WITHIN`) until `token`'s search for `text` does
/// (or does not) show `id`.
async fn shown_once_indexed(app: &TestApp, token: &str, text: &str, id: &str, shown: bool) {
    let start = Instant::now();
    loop {
        let found = ids_found(app, token, text).await;
        if found.iter().any(|f| f == id) == shown {
            return;
        }
        assert!(
            start.elapsed() < INDEXED_WITHIN,
            "{token} searching {text:?}: shown should be {shown}, got {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn restricted_records_are_found_only_by_those_who_may_see_them() {
    let app = spawn_app().await;
    let child = app
        .records()
        .submit_record(authed(
            "libraries",
            pb::SubmitRecordRequest {
                record: Some(child("libraries", "L-CHILD")),
                request_id: String::new(),
                minor_basis: Some(pb::MinorBasis {
                    kind: pb::MinorBasisKind::ParentalConsent.into(),
                    reference: "GUARDIAN-42".into(),
                    expires_at: None,
                }),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .customer_id;
    let adult = app
        .records()
        .submit_record(authed("libraries", submit(record("libraries", "L1"), "")))
        .await
        .unwrap()
        .into_inner()
        .customer_id;
    let child_query = "Tobiasz Wojciechowski B29 7QW";
    let adult_query = "Amelia Okafor B15 3DH";

    // Indexed (the DPO sees it), yet hidden from an agent.
    shown_once_indexed(&app, "dpo", child_query, &child, true).await;
    assert!(!ids_found(&app, "agent", child_query).await.contains(&child));
    shown_once_indexed(&app, "agent", adult_query, &adult, true).await;

    // A need-to-know grant lets that agent (and only that caller) find it.
    app.subject_rights()
        .grant_need_to_know(authed(
            "dpo",
            pb::GrantNeedToKnowRequest {
                customer_id: child.clone(),
                grantee: "agent".into(),
                reason: "safeguarding case 12".into(),
                expires_at: Some(prost_types::Timestamp {
                    seconds: 4_070_908_800,
                    nanos: 0,
                }),
            },
        ))
        .await
        .unwrap();
    assert!(ids_found(&app, "agent", child_query).await.contains(&child));
    assert!(
        !ids_found(&app, "steward", child_query)
            .await
            .contains(&child)
    );

    // Processing restricted: the DPO alone.
    app.subject_rights()
        .restrict_processing(authed(
            "dpo",
            pb::RestrictProcessingRequest {
                customer_id: adult.clone(),
                reason: "accuracy contested".into(),
            },
        ))
        .await
        .unwrap();
    shown_once_indexed(&app, "agent", adult_query, &adult, false).await;
    assert!(
        !ids_found(&app, "steward", adult_query)
            .await
            .contains(&adult)
    );
    assert!(ids_found(&app, "dpo", adult_query).await.contains(&adult));
    app.stop().await;
}
