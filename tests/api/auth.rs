//! Authentication and the role table for the RPCs that exist.

use crate::helpers::*;
use scr_hub::api::pb;
use scr_hub::auth::Role;
use tonic::Code;

#[tokio::test]
async fn missing_or_unknown_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    let mut client = app.records();
    let status = client
        .submit_record(submit(record("libraries", "X"), ""))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = client
        .submit_record(authed("not-a-token", submit(record("libraries", "X"), "")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let mut request = tonic::Request::new(submit(record("libraries", "X"), ""));
    request
        .metadata_mut()
        .insert("authorization", "Basic bGlicmFyaWVzOg==".parse().unwrap());
    assert_eq!(
        client.submit_record(request).await.unwrap_err().code(),
        Code::Unauthenticated
    );
}

/// Every configured role against every RPC of CustomerRecords and Admin.
#[tokio::test]
async fn role_table() {
    let app = spawn_app().await;
    let mut records = app.records();
    let mut admin = app.admin();
    let linked = records
        .submit_record(authed(
            "libraries",
            submit(record("libraries", "ROLE-1"), ""),
        ))
        .await
        .unwrap()
        .into_inner()
        .customer_id;

    for (name, role, _) in CALLERS {
        // SubmitRecord for the libraries system.
        let allowed = *name == "libraries";
        let got = records
            .submit_record(authed(name, submit(record("libraries", "ROLE-1"), "")))
            .await;
        check(name, "SubmitRecord", allowed, got.err());

        // GetCustomer of a customer linked to libraries only: other
        // departments may read customers, but this one is unknown to them.
        let allowed =
            matches!(role, Role::Agent | Role::Steward | Role::Dpo) || *name == "libraries";
        let got = records
            .get_customer(authed(
                name,
                pb::GetCustomerRequest {
                    customer_id: linked.clone(),
                    purpose: "role table".into(),
                },
            ))
            .await;
        match (role, got) {
            (Role::Department, Err(s)) if !allowed => assert_eq!(s.code(), Code::NotFound),
            (_, got) => check(name, "GetCustomer", allowed, got.err()),
        }

        // ResolveLink of a libraries ID.
        let got = records
            .resolve_link(authed(
                name,
                pb::ResolveLinkRequest {
                    system: "libraries".into(),
                    local_id: "ROLE-1".into(),
                    purpose: "role table".into(),
                },
            ))
            .await;
        check(name, "ResolveLink", allowed, got.err());

        // Admin.ListCallers.
        let got = admin
            .list_callers(authed(name, pb::ListCallersRequest {}))
            .await;
        check(name, "ListCallers", *role == Role::Admin, got.err());
    }
}

fn check(caller: &str, rpc: &str, allowed: bool, error: Option<tonic::Status>) {
    match (allowed, error) {
        (true, None) => {}
        (false, Some(s)) if s.code() == Code::PermissionDenied => {}
        (allowed, got) => panic!("{caller} {rpc}: expected allowed={allowed}, got {got:?}"),
    }
}
