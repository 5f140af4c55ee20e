//! The audit trail over gRPC: reads are recorded with their purpose, the
//! DPO lists them, and tampering with the log is detected.

use crate::helpers::*;
use scr_hub::api::pb;
use tonic::Code;

#[tokio::test]
async fn reads_are_audited_and_tampering_is_detected() {
    let app = spawn_app().await;
    let id = app
        .records()
        .submit_record(authed("libraries", submit(record("libraries", "L1"), "")))
        .await
        .unwrap()
        .into_inner()
        .customer_id;
    app.records()
        .get_customer(authed(
            "agent",
            pb::GetCustomerRequest {
                customer_id: id.clone(),
                purpose: "caller asked about a missed bin collection".into(),
            },
        ))
        .await
        .unwrap();
    let mut audit = app.audit();
    let list = |token: &str| {
        authed(
            token,
            pb::ListAccessRecordsRequest {
                customer_id: id.clone(),
                ..Default::default()
            },
        )
    };
    assert_eq!(
        audit
            .list_access_records(list("agent"))
            .await
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );
    let records = audit
        .list_access_records(list("dpo"))
        .await
        .unwrap()
        .into_inner()
        .records;
    let seen: Vec<_> = records
        .iter()
        .map(|r| (r.caller.as_str(), r.operation.as_str(), r.purpose.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            ("libraries", "submit_record", ""),
            (
                "agent",
                "get_customer",
                "caller asked about a missed bin collection"
            ),
        ]
    );

    // Roles and times are typed.
    assert_eq!(records[1].role(), pb::Role::Agent);
    assert!(records[1].at.is_some_and(|t| t.seconds > 1_700_000_000));

    let verify = |token: &str| authed(token, pb::VerifyAuditLogRequest {});
    let ok = audit
        .verify_audit_log(verify("dpo"))
        .await
        .unwrap()
        .into_inner();
    assert!(ok.intact, "{ok:?}");
    // The key in use at start, the submission, the read and the listing.
    assert_eq!(
        (ok.checked, ok.keyed),
        (4, 4),
        "the listing itself was audited too"
    );
    assert_eq!(
        audit
            .verify_audit_log(verify("agent"))
            .await
            .unwrap_err()
            .code(),
        Code::PermissionDenied
    );

    // Someone with database access rewrites why they looked.
    let pool = app.sqlite().await;
    sqlx::query("UPDATE audit_log SET purpose = 'routine' WHERE operation = 'get_customer'")
        .execute(&pool)
        .await
        .unwrap();
    let broken = audit
        .verify_audit_log(verify("admin"))
        .await
        .unwrap()
        .into_inner();
    assert!(!broken.intact);
    assert_eq!(broken.broken_at_sequence, records[1].sequence);
    app.stop().await;
}

/// The access trail pages oldest first by sequence, each page at most
/// `page_size`, the last with an empty token; a made-up token is refused.
#[tokio::test]
async fn access_records_page_oldest_first() {
    let app = spawn_app().await;
    let id = app
        .records()
        .submit_record(authed("libraries", submit(record("libraries", "L1"), "")))
        .await
        .unwrap()
        .into_inner()
        .customer_id;
    for n in 0..4 {
        app.records()
            .get_customer(authed(
                "agent",
                pb::GetCustomerRequest {
                    customer_id: id.clone(),
                    purpose: format!("call {n}"),
                },
            ))
            .await
            .unwrap();
    }
    let mut audit = app.audit();
    let page = |token: String| {
        authed(
            "dpo",
            pb::ListAccessRecordsRequest {
                customer_id: id.clone(),
                page_size: 2,
                page_token: token,
            },
        )
    };
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let reply = audit
            .list_access_records(page(token))
            .await
            .unwrap()
            .into_inner();
        assert!(reply.records.len() <= 2);
        seen.extend(reply.records.into_iter().map(|r| (r.sequence, r.purpose)));
        pages += 1;
        if reply.next_page_token.is_empty() {
            break;
        }
        token = reply.next_page_token;
    }
    // The submission and four reads; each listing is audited after it reads.
    let purposes: Vec<&str> = seen.iter().map(|(_, p)| p.as_str()).take(5).collect();
    assert_eq!(purposes, ["", "call 0", "call 1", "call 2", "call 3"]);
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "oldest first");
    assert!(pages >= 3);
    let bad = audit
        .list_access_records(page("not-a-token".into()))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    let too_big = audit
        .list_access_records(authed(
            "dpo",
            pb::ListAccessRecordsRequest {
                customer_id: id.clone(),
                page_size: 5_000,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(too_big.code(), Code::InvalidArgument);
}
