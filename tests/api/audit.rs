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
