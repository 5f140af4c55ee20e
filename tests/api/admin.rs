//! The Admin service and the first-start admin token.

use crate::helpers::*;
use scr_hub::api::pb;
use scr_hub::config::{LogFormat, Settings};
use tonic::Code;

#[tokio::test]
async fn registered_callers_work_until_revoked() {
    let app = spawn_app().await;
    let mut admin = app.admin();
    let registered = admin
        .register_caller(authed(
            "admin",
            pb::RegisterCallerRequest {
                name: "leisure-system".into(),
                role: pb::Role::Department.into(),
                system: "leisure".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(registered.token.len(), 64);

    let mut records = app.records();
    let created = records
        .submit_record(authed(
            &registered.token,
            submit(record("leisure", "M-1"), ""),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.outcome(), pb::MatchOutcome::NewCustomer);

    let listed = admin
        .list_callers(authed("admin", pb::ListCallersRequest {}))
        .await
        .unwrap()
        .into_inner();
    let entry = listed
        .callers
        .iter()
        .find(|c| c.name == "leisure-system")
        .unwrap();
    assert_eq!(entry.source, "registered");
    assert_eq!(entry.system, "leisure");
    assert!(
        listed
            .callers
            .iter()
            .any(|c| c.name == "libraries" && c.source == "config")
    );

    let duplicate = admin
        .register_caller(authed(
            "admin",
            pb::RegisterCallerRequest {
                name: "leisure-system".into(),
                role: pb::Role::Agent.into(),
                system: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), Code::AlreadyExists);

    admin
        .revoke_caller(authed(
            "admin",
            pb::RevokeCallerRequest {
                name: "leisure-system".into(),
            },
        ))
        .await
        .unwrap();
    let status = records
        .submit_record(authed(
            &registered.token,
            submit(record("leisure", "M-2"), ""),
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);

    // A revoked name stays taken, so audit entries under it mean one credential.
    let again = admin
        .register_caller(authed(
            "admin",
            pb::RegisterCallerRequest {
                name: "leisure-system".into(),
                role: pb::Role::Department.into(),
                system: "leisure".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Code::AlreadyExists);
    // Both acts are in the audit trail, by the admin who did them.
    let audited: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT caller, operation, purpose FROM audit_log \
         WHERE operation IN ('register_caller', 'revoke_caller') ORDER BY seq",
    )
    .fetch_all(&app.sqlite().await)
    .await
    .unwrap();
    assert_eq!(
        audited,
        [
            (
                "admin".into(),
                "register_caller".into(),
                Some("caller leisure-system (department)".into())
            ),
            (
                "admin".into(),
                "revoke_caller".into(),
                Some("caller leisure-system".into())
            ),
        ]
    );

    let status = admin
        .revoke_caller(authed(
            "admin",
            pb::RevokeCallerRequest {
                name: "libraries".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(
        status.code(),
        Code::FailedPrecondition,
        "configured callers live in the file"
    );
}

#[tokio::test]
async fn register_caller_validates_role_and_system() {
    let app = spawn_app().await;
    let mut admin = app.admin();
    let register = |name: &str, role: pb::Role, system: &str| {
        authed(
            "admin",
            pb::RegisterCallerRequest {
                name: name.into(),
                role: role.into(),
                system: system.into(),
            },
        )
    };
    for (request, field) in [
        (register("d", pb::Role::Department, ""), "system"),
        (register("a", pb::Role::Agent, "libraries"), "system"),
        (register("x", pb::Role::Unspecified, ""), "role"),
        (register("bad name!", pb::Role::Agent, ""), "name"),
        (register("s", pb::Role::Subscriber, "Not Valid"), "system"),
    ] {
        let status = admin.register_caller(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(violated_fields(&status), [field]);
    }
}

#[tokio::test]
async fn first_start_writes_a_private_admin_token() {
    let data_dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        audit_keys: std::sync::Arc::new(scr_hub::audit::Keyring::generate()).into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: data_dir.path().to_owned(),
        database_url: format!("sqlite://{}", data_dir.path().join("scr.db").display()),
        log_format: LogFormat::Pretty,
        nats: None,
        callers: Vec::new(),
        privacy: Default::default(),
        otlp_endpoint: None,
        tls: None,
        health_listen: None,
    };
    let path = data_dir.path().join("admin.token");
    let app = start(settings.clone(), data_dir).await;
    let token = std::fs::read_to_string(&path).unwrap().trim().to_owned();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let listed = app
        .admin()
        .list_callers(authed(&token, pb::ListCallersRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.callers[0].name, "admin");
    let data_dir = app.data_dir;
    // A restart keeps the same token.
    let again = scr_hub::app::App::build(settings).await.unwrap();
    drop(again);
    assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), token);
    drop(data_dir);
}
