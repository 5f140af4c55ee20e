//! Consented address-change propagation and subscriber event streams,
//! through the gRPC API on both stores.

use crate::helpers::*;
use scr_hub::api::pb;
use std::time::Duration;
use tonic::Code;
use tonic::codec::Streaming;

type Stream = Streaming<pb::SubscribeResponse>;

/// A person unlike the default test person in every field.
fn other_person(system: &str, local_id: &str, n: u32) -> pb::DepartmentalRecord {
    let n = n % 30;
    let mut r = record(system, local_id);
    let name = r.name.as_mut().unwrap();
    name.given = ["Oliver", "Priya", "Tomasz", "Grace", "Kwame"][n as usize % 5].into();
    name.middle = String::new();
    name.family =
        ["Hargreaves", "Nakamura", "Wojcik", "Fitzgerald", "Mensah"][n as usize % 5].into();
    r.date_of_birth = format!("19{}-0{}-1{}", 60 + n, 1 + n % 9, n % 10);
    r.gender = pb::Gender::Unspecified.into();
    let address = r.address.as_mut().unwrap();
    address.lines = vec![format!("{} Bristol Road", 100 + n)];
    address.postcode = format!("B29 {}AA", n % 10);
    address.uprn = String::new();
    r
}

fn new_address(line: &str, postcode: &str) -> pb::Address {
    pb::Address {
        lines: vec![line.into()],
        town: "Birmingham".into(),
        postcode: postcode.into(),
        uprn: String::new(),
    }
}

fn evidence() -> pb::ConsentEvidence {
    pb::ConsentEvidence {
        channel: "phone".into(),
        reference: "CALL-1001".into(),
        captured_by: "agent".into(),
    }
}

async fn submit_as(app: &TestApp, r: pb::DepartmentalRecord) -> String {
    let system = r.system.clone();
    app.records()
        .submit_record(authed(&system, submit(r, "")))
        .await
        .unwrap()
        .into_inner()
        .customer_id
}

async fn subscribe(app: &TestApp, token: &str, system: &str, after: Option<i64>) -> Stream {
    app.events()
        .subscribe(authed(
            token,
            pb::SubscribeRequest {
                system: system.into(),
                after_sequence: after,
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn next(stream: &mut Stream) -> pb::Event {
    tokio::time::timeout(Duration::from_secs(10), stream.message())
        .await
        .expect("an event arrives")
        .unwrap()
        .expect("the stream stays open")
        .event
        .expect("a response carries its event")
}

fn data(event: &pb::Event) -> serde_json::Value {
    serde_json::from_str(&event.data).unwrap()
}

/// Proves `stream` got nothing before a later marker event: submits a new
/// person for `system` and checks that the very next event is its link.
async fn assert_nothing_before_marker(app: &TestApp, stream: &mut Stream, system: &str, id: &str) {
    submit_as(
        app,
        other_person(system, id, id.bytes().map(u32::from).sum()),
    )
    .await;
    let event = next(stream).await;
    assert_eq!(event.r#type, "record_linked", "{event:?}");
    assert_eq!(data(&event)["local_ids"], serde_json::json!([id]));
}

async fn change_address(
    app: &TestApp,
    token: &str,
    customer_id: &str,
    address: pb::Address,
    share: Option<pb::consent_to_share::Target>,
) -> pb::ChangeAddressResponse {
    let with_consent = share.is_some();
    app.records()
        .change_address(authed(
            token,
            pb::ChangeAddressRequest {
                customer_id: customer_id.into(),
                new_address: Some(address),
                effective_date: "2026-01-15".into(),
                consent_to_share: share.map(|target| pb::ConsentToShare {
                    target: Some(target),
                }),
                evidence: with_consent.then(evidence),
                request_id: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

fn systems(names: &[&str]) -> pb::consent_to_share::Target {
    pb::consent_to_share::Target::Systems(pb::SystemList {
        systems: names.iter().map(|s| (*s).to_owned()).collect(),
    })
}

async fn moves_reach_only_consenting_systems(app: TestApp) {
    let id = submit_as(&app, record("libraries", "L-1")).await;
    assert_eq!(submit_as(&app, record("waste", "W-1")).await, id);
    assert_eq!(submit_as(&app, record("council-tax", "C-1")).await, id);

    let mut waste = subscribe(&app, "waste-feed", "waste", Some(0)).await;
    let mut tax = subscribe(&app, "council-tax-feed", "council-tax", Some(0)).await;
    for (stream, local_id) in [(&mut waste, "W-1"), (&mut tax, "C-1")] {
        let linked = next(stream).await;
        assert_eq!(linked.r#type, "record_linked");
        assert_eq!(linked.subject, id);
        assert_eq!(data(&linked)["local_ids"], serde_json::json!([local_id]));
    }

    // An agent records the move with consent for waste only.
    let answer = change_address(
        &app,
        "agent",
        &id,
        new_address("3 Selly Park Road", "b29 7pn"),
        Some(systems(&["waste"])),
    )
    .await;
    assert_eq!(answer.notified_systems, ["waste"]);
    assert_eq!(answer.withheld_systems, ["council-tax", "libraries"]);

    let moved = next(&mut waste).await;
    assert_eq!(moved.r#type, "address_changed");
    assert_eq!(moved.subject, id);
    assert_eq!(moved.source, "/scr-hub");
    assert_eq!(moved.specversion, "1.0");
    let body = data(&moved);
    assert_eq!(body["address"]["postcode"], "B29 7PN");
    assert_eq!(body["effective_date"], "2026-01-15");
    assert_eq!(body["local_ids"], serde_json::json!(["W-1"]));
    assert!(body.get("name").is_none(), "only the changed fields");
    assert_nothing_before_marker(&app, &mut tax, "council-tax", "C-marker-1").await;

    // The old address went to history.
    let customer = app
        .records()
        .get_customer(authed(
            "agent",
            pb::GetCustomerRequest {
                customer_id: id.clone(),
                purpose: "caller reported a move".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .customer
        .unwrap();
    assert_eq!(customer.address.unwrap().postcode, "B29 7PN");
    assert_eq!(customer.previous_addresses.len(), 1);

    // A department reporting a move: the standing consent still decides.
    let mut moved_again = record("libraries", "L-1");
    moved_again.address = Some(new_address("8 Pershore Road", "B5 7RL"));
    assert_eq!(submit_as(&app, moved_again).await, id);
    let moved = next(&mut waste).await;
    assert_eq!(moved.r#type, "address_changed");
    assert_eq!(data(&moved)["address"]["postcode"], "B5 7RL");
    assert_nothing_before_marker(&app, &mut tax, "council-tax", "C-marker-2").await;

    // Withdrawal takes effect for every later change.
    app.consents()
        .withdraw_consent(authed(
            "agent",
            pb::WithdrawConsentRequest {
                customer_id: id.clone(),
                system: "waste".into(),
                scope: pb::ConsentScope::AddressChanges.into(),
                evidence: Some(evidence()),
            },
        ))
        .await
        .unwrap();
    let answer = change_address(
        &app,
        "agent",
        &id,
        new_address("1 Bristol Street", "B5 7AA"),
        None,
    )
    .await;
    assert!(answer.notified_systems.is_empty());
    assert_eq!(
        answer.withheld_systems,
        ["council-tax", "libraries", "waste"]
    );
    assert_nothing_before_marker(&app, &mut waste, "waste", "W-marker-1").await;

    let consents = app
        .consents()
        .list_consents(authed(
            "agent",
            pb::ListConsentsRequest {
                customer_id: id.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(consents.in_force.is_empty());
    let history: Vec<(String, bool)> = consents
        .history
        .iter()
        .map(|c| (c.system.clone(), c.granted))
        .collect();
    assert_eq!(
        history,
        [("waste".to_owned(), true), ("waste".to_owned(), false)]
    );
    assert_eq!(
        consents.history[0].evidence.as_ref().unwrap().reference,
        "CALL-1001"
    );
    app.stop().await;
}

#[tokio::test]
async fn moves_reach_only_consenting_systems_on_sqlite() {
    moves_reach_only_consenting_systems(spawn_app().await).await;
}

#[tokio::test]
async fn moves_reach_only_consenting_systems_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        moves_reach_only_consenting_systems(app).await;
    }
}

#[tokio::test]
async fn a_department_learns_nothing_of_other_services_and_a_standing_grant_counts() {
    let app = spawn_app().await;
    let id = submit_as(&app, record("libraries", "L-1")).await;
    submit_as(&app, record("waste", "W-1")).await;
    submit_as(&app, record("council-tax", "C-1")).await;
    app.consents()
        .grant_consent(authed(
            "libraries",
            pb::GrantConsentRequest {
                customer_id: id.clone(),
                system: "council-tax".into(),
                scope: pb::ConsentScope::AddressChanges.into(),
                evidence: Some(evidence()),
            },
        ))
        .await
        .unwrap();
    let answer = change_address(
        &app,
        "libraries",
        &id,
        new_address("3 Selly Park Road", "B29 7PN"),
        None,
    )
    .await;
    // The reporting department is not told of its own change, and learns
    // neither which nor how many other departments hold the person.
    assert!(answer.notified_systems.is_empty() && answer.withheld_systems.is_empty());
    assert_eq!((answer.notified_count, answer.withheld_count), (0, 0));
    // The consent it recorded earlier still counts: council tax hears of it.
    let mut feed = subscribe(&app, "council-tax-feed", "council-tax", Some(0)).await;
    let told = loop {
        let event = next(&mut feed).await;
        if event.r#type == "address_changed" {
            break event;
        }
    };
    assert_eq!(told.subject, id);

    // A department not linked to the customer may do neither.
    let other = submit_as(&app, other_person("waste", "W-9", 3)).await;
    let denied = app
        .records()
        .change_address(authed(
            "libraries",
            pb::ChangeAddressRequest {
                customer_id: other,
                new_address: Some(new_address("1 New Street", "B2 4QA")),
                effective_date: "2026-01-15".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(denied.code(), Code::NotFound, "as for an unknown ID");
    app.stop().await;
}

#[tokio::test]
async fn bad_address_changes_name_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let id = submit_as(&app, record("libraries", "L-1")).await;
    let mut bad = pb::ChangeAddressRequest {
        customer_id: id.clone(),
        new_address: Some(new_address("3 Selly Park Road", "not a postcode")),
        effective_date: "2026-01-15".into(),
        ..Default::default()
    };
    let status = app
        .records()
        .change_address(authed("agent", bad.clone()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["new_address.postcode"]);

    bad.new_address = Some(new_address("3 Selly Park Road", "B29 7PN"));
    bad.effective_date = "15/01/2026".into();
    let status = app
        .records()
        .change_address(authed("agent", bad.clone()))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["effective_date"]);

    // Consent named without its evidence is refused, not half-recorded.
    bad.effective_date = "2026-01-15".into();
    bad.consent_to_share = Some(pb::ConsentToShare {
        target: Some(systems(&["waste"])),
    });
    let status = app
        .records()
        .change_address(authed("agent", bad))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);

    let customer = app
        .records()
        .get_customer(authed(
            "agent",
            pb::GetCustomerRequest {
                customer_id: id,
                purpose: "check".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .customer
        .unwrap();
    assert_eq!(customer.address.unwrap().postcode, "B15 3DH");
    assert!(customer.previous_addresses.is_empty());
    app.stop().await;
}

async fn subscribers_resume_after_their_cursor(app: TestApp) {
    for n in 1..=3 {
        submit_as(&app, other_person("waste", &format!("W-{n}"), n)).await;
    }
    let mut stream = subscribe(&app, "waste-feed", "waste", None).await;
    let mut seqs = Vec::new();
    for n in 1..=3 {
        let event = next(&mut stream).await;
        assert_eq!(
            data(&event)["local_ids"],
            serde_json::json!([format!("W-{n}")])
        );
        seqs.push(event.sequence);
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    app.events()
        .acknowledge(authed(
            "waste-feed",
            pb::AcknowledgeRequest {
                system: "waste".into(),
                sequence: seqs[1],
            },
        ))
        .await
        .unwrap();
    drop(stream);

    // Reconnecting without a cursor resumes after the acknowledged event,
    // then follows live commits.
    let mut stream = subscribe(&app, "waste-feed", "waste", None).await;
    let event = next(&mut stream).await;
    assert_eq!(event.sequence, seqs[2]);
    submit_as(&app, other_person("waste", "W-4", 4)).await;
    let live = next(&mut stream).await;
    assert_eq!(data(&live)["local_ids"], serde_json::json!(["W-4"]));

    // An explicit cursor replays from there (at least once delivery).
    let mut replay = subscribe(&app, "waste-feed", "waste", Some(0)).await;
    assert_eq!(next(&mut replay).await.sequence, seqs[0]);
    app.stop().await;
}

#[tokio::test]
async fn subscribers_resume_after_their_cursor_on_sqlite() {
    subscribers_resume_after_their_cursor(spawn_app().await).await;
}

#[tokio::test]
async fn subscribers_resume_after_their_cursor_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        subscribers_resume_after_their_cursor(app).await;
    }
}

#[tokio::test]
async fn a_subscriber_hears_only_its_own_system() {
    let app = spawn_app().await;
    for (token, system) in [
        ("waste-feed", "libraries"),
        ("libraries", "libraries"),
        ("agent", "waste"),
    ] {
        let status = app
            .events()
            .subscribe(authed(
                token,
                pb::SubscribeRequest {
                    system: system.into(),
                    after_sequence: None,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{token} as {system}");
        let status = app
            .events()
            .acknowledge(authed(
                token,
                pb::AcknowledgeRequest {
                    system: system.into(),
                    sequence: 1,
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{token} as {system}");
    }
    let status = app
        .events()
        .subscribe(authed(
            "waste-feed",
            pb::SubscribeRequest {
                system: "waste".into(),
                after_sequence: Some(-1),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["after_sequence"]);

    // Libraries' link is not news to waste.
    let mut waste = subscribe(&app, "waste-feed", "waste", Some(0)).await;
    submit_as(&app, record("libraries", "L-1")).await;
    assert_nothing_before_marker(&app, &mut waste, "waste", "W-1").await;
    app.stop().await;
}

#[tokio::test]
async fn a_processing_restriction_silences_every_later_change() {
    let app = spawn_app().await;
    let id = submit_as(&app, record("libraries", "L-1")).await;
    submit_as(&app, record("waste", "W-1")).await;
    app.consents()
        .grant_consent(authed(
            "agent",
            pb::GrantConsentRequest {
                customer_id: id.clone(),
                system: "waste".into(),
                scope: pb::ConsentScope::AddressChanges.into(),
                evidence: Some(evidence()),
            },
        ))
        .await
        .unwrap();
    let mut waste = subscribe(&app, "waste-feed", "waste", Some(0)).await;
    assert_eq!(next(&mut waste).await.r#type, "record_linked");

    app.subject_rights()
        .restrict_processing(authed(
            "dpo",
            pb::RestrictProcessingRequest {
                customer_id: id.clone(),
                reason: "accuracy contested".into(),
            },
        ))
        .await
        .unwrap();
    let restricted = next(&mut waste).await;
    assert_eq!(restricted.r#type, "processing_restricted");
    assert_eq!(restricted.subject, id);

    // Libraries reports a move: consent stands, but nothing is passed on.
    let mut moved = record("libraries", "L-1");
    moved.address = Some(new_address("3 Selly Park Road", "B29 7PN"));
    submit_as(&app, moved).await;
    assert_nothing_before_marker(&app, &mut waste, "waste", "W-marker").await;
    app.stop().await;
}
