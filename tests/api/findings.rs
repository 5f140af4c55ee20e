//! The security review's findings, each as the case that showed it, on both
//! stores: what a department could learn, what unbounded input could do,
//! and what a subscriber could skip. (Control characters: `input.rs`;
//! caller administration: `admin.rs`; the keyed audit chain: the store's
//! conformance suite.)

use crate::helpers::*;
use scr_hub::api::pb;
use tonic::Code;

fn evidence() -> pb::ConsentEvidence {
    pb::ConsentEvidence {
        channel: "phone".into(),
        reference: "CALL-9".into(),
        captured_by: String::new(),
    }
}

fn new_address() -> pb::Address {
    pb::Address {
        lines: vec!["3 Selly Park Road".into()],
        town: "Birmingham".into(),
        postcode: "B29 7PN".into(),
        uprn: String::new(),
    }
}

async fn submit_as(app: &TestApp, r: pb::DepartmentalRecord) -> pb::SubmitRecordResponse {
    let token = r.system.clone();
    app.records()
        .submit_record(authed(&token, submit(r, "")))
        .await
        .unwrap()
        .into_inner()
}

async fn read(app: &TestApp, token: &str, id: &str) -> Result<pb::Customer, tonic::Status> {
    app.records()
        .get_customer(authed(
            token,
            pb::GetCustomerRequest {
                customer_id: id.into(),
                purpose: "service".into(),
            },
        ))
        .await
        .map(|r| r.into_inner().customer.unwrap())
}

/// Finding 1: council tax holds her; an agent records her move with no
/// consent to share. Leisure, which never held her, submits her name and
/// date of birth with her old address, or a made-up one: whatever the
/// matcher decides, leisure sees only what it supplied and its own link.
async fn a_made_up_record_learns_nothing(app: TestApp) {
    let id = submit_as(&app, record("council-tax", "C-1"))
        .await
        .customer_id;
    let moved = app
        .records()
        .change_address(authed(
            "agent",
            pb::ChangeAddressRequest {
                customer_id: id.clone(),
                new_address: Some(new_address()),
                effective_date: "2026-01-15".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(moved.withheld_systems, ["council-tax"]);
    for (n, line) in ["14 Harborne Road", "99 Nowhere Lane"].iter().enumerate() {
        let mut probe = record("leisure", &format!("PROBE-{n}"));
        probe.address.as_mut().unwrap().lines = vec![(*line).into()];
        let answer = submit_as(&app, probe).await;
        let seen = read(&app, "leisure", &answer.customer_id).await.unwrap();
        assert_eq!(
            seen.address.unwrap().lines,
            [*line],
            "only what it supplied"
        );
        assert!(seen.previous_addresses.is_empty());
        assert!(
            seen.links.iter().all(|l| l.system == "leisure"),
            "never another department's ID: {:?}",
            seen.links
        );
    }
    // The withheld department itself still sees the address it holds.
    let own = read(&app, "council-tax", &id).await.unwrap();
    assert_eq!(own.address.unwrap().lines, ["14 Harborne Road"]);
    app.stop().await;
}

#[tokio::test]
async fn a_made_up_record_learns_nothing_on_sqlite() {
    a_made_up_record_learns_nothing(spawn_app().await).await;
}

#[tokio::test]
async fn a_made_up_record_learns_nothing_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        a_made_up_record_learns_nothing(app).await;
    }
}

/// The status and message of a call, with the customer ID it names blanked.
fn answer<T>(result: Result<T, tonic::Status>, id: &str) -> (Code, String) {
    let status = result.err().expect("refused");
    (status.code(), status.message().replace(id, "<id>"))
}

/// Finding 5: a customer not linked to a department and one that does not
/// exist answer it alike, on every RPC that names a customer.
async fn not_linked_is_unknown(app: TestApp) {
    let held = submit_as(&app, record("council-tax", "C-1"))
        .await
        .customer_id;
    let unknown = "00000000-0000-4000-8000-000000000000".to_string();
    let mut answers = Vec::new();
    for id in [&held, &unknown] {
        let mut calls = vec![answer(read(&app, "leisure", id).await, id)];
        calls.push(answer(
            app.records()
                .change_address(authed(
                    "leisure",
                    pb::ChangeAddressRequest {
                        customer_id: id.clone(),
                        new_address: Some(new_address()),
                        effective_date: "2026-01-15".into(),
                        ..Default::default()
                    },
                ))
                .await,
            id,
        ));
        calls.push(answer(
            app.consents()
                .grant_consent(authed(
                    "leisure",
                    pb::GrantConsentRequest {
                        customer_id: id.clone(),
                        system: "leisure".into(),
                        scope: pb::ConsentScope::AddressChanges.into(),
                        evidence: Some(evidence()),
                    },
                ))
                .await,
            id,
        ));
        calls.push(answer(
            app.consents()
                .list_consents(authed(
                    "leisure",
                    pb::ListConsentsRequest {
                        customer_id: id.clone(),
                        ..Default::default()
                    },
                ))
                .await,
            id,
        ));
        calls.push(answer(
            app.identity()
                .set_verification_facts(authed(
                    "leisure",
                    pb::SetVerificationFactsRequest {
                        customer_id: id.clone(),
                        facts: vec![pb::VerificationFact {
                            kind: "card".into(),
                            value: "1".into(),
                        }],
                    },
                ))
                .await,
            id,
        ));
        answers.push(calls);
    }
    assert_eq!(answers[0], answers[1]);
    assert!(answers[0].iter().all(|(code, _)| *code == Code::NotFound));
    app.stop().await;
}

#[tokio::test]
async fn not_linked_is_unknown_on_sqlite() {
    not_linked_is_unknown(spawn_app().await).await;
}

#[tokio::test]
async fn not_linked_is_unknown_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        not_linked_is_unknown(app).await;
    }
}

/// Finding 7: consent names known department systems only, a bounded
/// number at a time, and a refusal records nothing.
async fn consent_names_known_systems(app: TestApp) {
    let id = submit_as(&app, record("council-tax", "C-1"))
        .await
        .customer_id;
    let change = |systems: Vec<String>| pb::ChangeAddressRequest {
        customer_id: id.clone(),
        new_address: Some(new_address()),
        effective_date: "2026-01-15".into(),
        consent_to_share: Some(pb::ConsentToShare {
            target: Some(pb::consent_to_share::Target::Systems(pb::SystemList {
                systems,
            })),
        }),
        evidence: Some(evidence()),
        request_id: String::new(),
    };
    let many: Vec<String> = (0..65).map(|n| format!("system-{n}")).collect();
    let status = app
        .records()
        .change_address(authed("agent", change(many)))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        ["consent_to_share.systems.systems"]
    );
    let status = app
        .records()
        .change_address(authed(
            "agent",
            change(vec!["waste".into(), "nosuch".into()]),
        ))
        .await
        .unwrap_err();
    assert_eq!(
        violated_fields(&status),
        ["consent_to_share.systems.systems[1]"]
    );
    let status = app
        .consents()
        .grant_consent(authed(
            "agent",
            pb::GrantConsentRequest {
                customer_id: id.clone(),
                system: "nosuch".into(),
                scope: pb::ConsentScope::AddressChanges.into(),
                evidence: Some(evidence()),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["system"]);
    let listed = app
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
    assert!(listed.history.is_empty(), "nothing recorded: {listed:?}");
    // Systems the hub knows (a configured department, named twice) are fine.
    app.records()
        .change_address(authed(
            "agent",
            change(vec!["waste".into(), "waste".into(), "leisure".into()]),
        ))
        .await
        .unwrap();
    let listed = app
        .consents()
        .list_consents(authed(
            "agent",
            pb::ListConsentsRequest {
                customer_id: id.clone(),
                page_size: 1,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(listed.in_force.len(), 2);
    assert_eq!(listed.history.len(), 1, "paged");
    assert!(!listed.next_page_token.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn consent_names_known_systems_on_sqlite() {
    consent_names_known_systems(spawn_app().await).await;
}

#[tokio::test]
async fn consent_names_known_systems_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        consent_names_known_systems(app).await;
    }
}

async fn acknowledge(app: &TestApp, sequence: i64) -> Result<(), tonic::Status> {
    app.events()
        .acknowledge(authed(
            "libraries-feed",
            pb::AcknowledgeRequest {
                system: "libraries".into(),
                sequence,
            },
        ))
        .await
        .map(|_| ())
}

/// Finding 8: a subscriber acknowledges only what it was sent, so it
/// cannot move its cursor past events it never saw.
async fn acknowledgements_stop_at_what_was_sent(app: TestApp) {
    submit_as(&app, record("libraries", "L-1")).await;
    let mut feed = app
        .events()
        .subscribe(authed(
            "libraries-feed",
            pb::SubscribeRequest {
                system: "libraries".into(),
                after_sequence: Some(0),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let first = feed.message().await.unwrap().unwrap().event.unwrap();
    let status = acknowledge(&app, first.sequence + 1_000_000)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
    assert_eq!(
        error_reason(&status).as_deref(),
        Some("SEQUENCE_NOT_DELIVERED")
    );
    // Another system's event is not this one's to acknowledge either.
    let waste = submit_as(&app, record("waste", "W-9")).await;
    let mut waste_feed = app
        .events()
        .subscribe(authed(
            "waste-feed",
            pb::SubscribeRequest {
                system: "waste".into(),
                after_sequence: Some(0),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let theirs = waste_feed.message().await.unwrap().unwrap().event.unwrap();
    assert_eq!(theirs.subject, waste.customer_id);
    assert!(acknowledge(&app, theirs.sequence).await.is_err());
    acknowledge(&app, first.sequence).await.unwrap();
    // The cursor stayed where it was sent: a resumed subscription gets the
    // next event.
    submit_as(&app, other(3)).await;
    let mut resumed = app
        .events()
        .subscribe(authed(
            "libraries-feed",
            pb::SubscribeRequest {
                system: "libraries".into(),
                after_sequence: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let next = resumed.message().await.unwrap().unwrap().event.unwrap();
    assert!(next.sequence > first.sequence);
    app.stop().await;
}

/// Someone else entirely, for libraries.
fn other(n: u32) -> pb::DepartmentalRecord {
    let mut r = record("libraries", &format!("L-OTHER-{n}"));
    r.name.as_mut().unwrap().given = "Tobias".into();
    r.name.as_mut().unwrap().family = "Whitfield".into();
    r.date_of_birth = "1950-11-30".into();
    r.address.as_mut().unwrap().postcode = "B5 7AA".into();
    r
}

#[tokio::test]
async fn acknowledgements_stop_at_what_was_sent_on_sqlite() {
    acknowledgements_stop_at_what_was_sent(spawn_app().await).await;
}

#[tokio::test]
async fn acknowledgements_stop_at_what_was_sent_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        acknowledgements_stop_at_what_was_sent(app).await;
    }
}
