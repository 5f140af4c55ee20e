//! SubmitRecord, GetCustomer and ResolveLink through the gRPC API.

use crate::helpers::*;
use scr_hub::api::pb;
use tonic::Code;

/// Two systems describe one person: one customer, both links, either local
/// ID resolves to it.
async fn two_systems_one_person(app: TestApp) {
    let mut client = app.records();
    let first = client
        .submit_record(authed(
            "libraries",
            submit(record("libraries", "LIB-001"), "r1"),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.outcome(), pb::MatchOutcome::NewCustomer);

    // Waste holds the same person, written differently.
    let mut waste = record("waste", "W/77");
    let name = waste.name.as_mut().unwrap();
    name.given = " AMELIA ".into();
    name.family = "okafor".into();
    name.middle = String::new();
    waste.address.as_mut().unwrap().postcode = "b153dh".into();
    let second = client
        .submit_record(authed("waste", submit(waste, "r2")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.outcome(), pb::MatchOutcome::Linked);
    assert_eq!(second.customer_id, first.customer_id);

    let customer = client
        .get_customer(authed(
            "agent",
            pb::GetCustomerRequest {
                customer_id: first.customer_id.clone(),
                purpose: "caller asked about a missed bin collection".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .customer
        .unwrap();
    let links: Vec<_> = customer
        .links
        .iter()
        .map(|l| (l.system.as_str(), l.local_id.as_str()))
        .collect();
    assert_eq!(links.len(), 2);
    assert!(links.contains(&("libraries", "LIB-001")));
    assert!(links.contains(&("waste", "W/77")));
    assert_eq!(customer.date_of_birth, "1984-06-02");
    assert_eq!(customer.address.unwrap().postcode, "B15 3DH");

    for (token, system, local_id) in [
        ("libraries", "libraries", "LIB-001"),
        ("waste", "waste", "W/77"),
    ] {
        let resolved = client
            .resolve_link(authed(
                token,
                pb::ResolveLinkRequest {
                    system: system.into(),
                    local_id: local_id.into(),
                    purpose: "update our record".into(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(resolved.customer_id, first.customer_id);
        // A department sees its own link, never another department's.
        let systems: Vec<&str> = resolved.links.iter().map(|l| l.system.as_str()).collect();
        assert_eq!(systems, [system]);
    }
    app.stop().await;
}

#[tokio::test]
async fn two_systems_one_person_on_sqlite() {
    two_systems_one_person(spawn_app().await).await;
}

#[tokio::test]
async fn two_systems_one_person_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        two_systems_one_person(app).await;
    }
}

#[tokio::test]
async fn different_people_get_different_customers() {
    let app = spawn_app().await;
    let mut client = app.records();
    let a = client
        .submit_record(authed("libraries", submit(record("libraries", "A"), "")))
        .await
        .unwrap()
        .into_inner();
    // Her mother: same name, same home, born a generation earlier.
    let mut other = record("libraries", "B");
    other.date_of_birth = "1958-01-01".into();
    let b = client
        .submit_record(authed("libraries", submit(other, "")))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(b.outcome(), pb::MatchOutcome::Linked);
    assert_ne!(a.customer_id, b.customer_id);
    for explained in steward_explanations(&app, &b.customer_id).await {
        assert!(explained.note.contains("parent and child"), "{explained:?}");
    }
}

/// The explanations of the open review tasks naming `customer`, as the
/// steward's queue shows them.
async fn steward_explanations(app: &TestApp, customer: &str) -> Vec<pb::CandidateScore> {
    let tasks = MatchReviewClient::new(app.channel.clone())
        .list_review_tasks(authed(
            "steward",
            pb::ListReviewTasksRequest {
                page_size: 500,
                page_token: String::new(),
                include_resolved: false,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .tasks;
    tasks
        .into_iter()
        .filter(|t| t.customer_id == customer)
        .filter_map(|t| t.explanation)
        .collect()
}

/// A second system keys the same person with a nickname, a typo in the
/// family name and an abbreviated street: still one customer (the field
/// levels are the matcher's own tests, `matching::decide`).
#[tokio::test]
async fn a_nicknamed_misspelt_record_links() {
    let app = spawn_app().await;
    let mut client = app.records();
    let mut first = record("libraries", "L-42");
    first.name.as_mut().unwrap().given = "Elizabeth".into();
    let a = client
        .submit_record(authed("libraries", submit(first, "")))
        .await
        .unwrap()
        .into_inner();
    let mut second = record("waste", "W-42");
    let name = second.name.as_mut().unwrap();
    name.given = "Liz".into();
    name.family = "Okafur".into();
    name.middle = String::new();
    let address = second.address.as_mut().unwrap();
    address.lines = vec!["14 Harborne Rd".into()];
    address.uprn = String::new();
    let b = client
        .submit_record(authed("waste", submit(second, "")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(b.outcome(), pb::MatchOutcome::Linked);
    assert_eq!(b.customer_id, a.customer_id);
}

/// Twins: same family name, birthday and home, different given names.
/// Never linked, whatever the score; a steward may be asked.
#[tokio::test]
async fn twins_are_not_linked() {
    let app = spawn_app().await;
    let mut client = app.records();
    let a = client
        .submit_record(authed("libraries", submit(record("libraries", "T-1"), "")))
        .await
        .unwrap()
        .into_inner();
    let mut twin = record("waste", "T-2");
    twin.name.as_mut().unwrap().given = "Chioma".into();
    let b = client
        .submit_record(authed("waste", submit(twin, "")))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(b.outcome(), pb::MatchOutcome::Linked);
    assert_ne!(b.customer_id, a.customer_id);
    let explained = steward_explanations(&app, &b.customer_id).await;
    assert!(!explained.is_empty(), "a steward is asked");
    for e in explained {
        assert!(e.note.contains("twins"), "{e:?}");
    }
}

#[tokio::test]
async fn resubmitting_a_linked_id_updates_its_record() {
    let app = spawn_app().await;
    let mut client = app.records();
    let first = client
        .submit_record(authed(
            "libraries",
            submit(record("libraries", "LIB-9"), ""),
        ))
        .await
        .unwrap()
        .into_inner();
    let mut moved = record("libraries", "LIB-9");
    moved.address = Some(pb::Address {
        lines: vec!["2 Bristol Street".into()],
        town: "Birmingham".into(),
        postcode: "B5 7AA".into(),
        uprn: String::new(),
    });
    let second = client
        .submit_record(authed("libraries", submit(moved, "")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.outcome(), pb::MatchOutcome::Updated);
    assert_eq!(second.customer_id, first.customer_id);

    let customer = client
        .get_customer(authed(
            "libraries",
            pb::GetCustomerRequest {
                customer_id: first.customer_id,
                purpose: "check address".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .customer
        .unwrap();
    assert_eq!(customer.address.unwrap().postcode, "B5 7AA");
    assert_eq!(customer.links.len(), 1);
    // The history is the council's: an agent sees it.
    let customer = client
        .get_customer(authed(
            "agent",
            pb::GetCustomerRequest {
                customer_id: customer.customer_id,
                purpose: "check address".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .customer
        .unwrap();
    assert_eq!(customer.previous_addresses.len(), 1);
    let old = customer.previous_addresses[0].address.as_ref().unwrap();
    assert_eq!(old.postcode, "B15 3DH");
}

#[tokio::test]
async fn request_id_makes_submission_idempotent() {
    let app = spawn_app().await;
    let mut client = app.records();
    let request = submit(record("libraries", "L1"), "req-42");
    let first = client
        .submit_record(authed("libraries", request.clone()))
        .await
        .unwrap()
        .into_inner();
    let replay = client
        .submit_record(authed("libraries", request))
        .await
        .unwrap()
        .into_inner();
    // The replay returns the first answer, not "updated".
    assert_eq!(replay, first);

    let mut changed = record("libraries", "L1");
    changed.date_of_birth = "1984-06-03".into();
    let status = client
        .submit_record(authed("libraries", submit(changed, "req-42")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);
}

#[tokio::test]
async fn invalid_records_name_each_field_and_write_nothing() {
    let app = spawn_app().await;
    let mut client = app.records();
    let mut bad = record("libraries", "BAD-1");
    bad.name.as_mut().unwrap().given = "  ".into();
    bad.date_of_birth = "2999-01-01".into();
    let address = bad.address.as_mut().unwrap();
    address.postcode = "B15 3D".into();
    address.uprn = "1234567890123".into();
    bad.gender = 17;
    let status = client
        .submit_record(authed("libraries", submit(bad, "")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let mut fields = violated_fields(&status);
    fields.sort();
    assert_eq!(
        fields,
        [
            "record.address.postcode",
            "record.address.uprn",
            "record.date_of_birth",
            "record.gender",
            "record.name.given",
        ]
    );

    for (mutate, field) in [
        (
            Box::new(|r: &mut pb::DepartmentalRecord| r.date_of_birth = "02/06/1984".into())
                as Box<dyn Fn(&mut pb::DepartmentalRecord)>,
            "record.date_of_birth",
        ),
        (
            Box::new(|r: &mut pb::DepartmentalRecord| r.address = None),
            "record.address",
        ),
        (
            Box::new(|r: &mut pb::DepartmentalRecord| r.local_id = String::new()),
            "record.local_id",
        ),
        (
            Box::new(|r: &mut pb::DepartmentalRecord| r.name = None),
            "record.name.given",
        ),
    ] {
        let mut r = record("libraries", "BAD-1");
        mutate(&mut r);
        let status = client
            .submit_record(authed("libraries", submit(r, "")))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}");
        assert!(
            violated_fields(&status).contains(&field.to_string()),
            "{field}: {status:?}"
        );
    }
    let status = client
        .submit_record(authed("libraries", pb::SubmitRecordRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["record"]);

    let status = client
        .resolve_link(authed(
            "libraries",
            pb::ResolveLinkRequest {
                system: "libraries".into(),
                local_id: "BAD-1".into(),
                purpose: "check".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "nothing was written");
}

#[tokio::test]
async fn departments_submit_only_for_their_own_system() {
    let app = spawn_app().await;
    let mut client = app.records();
    let status = client
        .submit_record(authed("libraries", submit(record("waste", "W1"), "")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let status = client
        .resolve_link(authed(
            "waste",
            pb::ResolveLinkRequest {
                system: "waste".into(),
                local_id: "W1".into(),
                purpose: "check".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "nothing was written");
}

#[tokio::test]
async fn reads_need_a_purpose_and_a_link_for_departments() {
    let app = spawn_app().await;
    let mut client = app.records();
    let created = client
        .submit_record(authed("libraries", submit(record("libraries", "P1"), "")))
        .await
        .unwrap()
        .into_inner();
    let get = |token: &str, purpose: &str| {
        authed(
            token,
            pb::GetCustomerRequest {
                customer_id: created.customer_id.clone(),
                purpose: purpose.into(),
            },
        )
    };
    let status = client.get_customer(get("agent", "  ")).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&status), ["purpose"]);

    let status = client
        .get_customer(get("waste", "curious"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound, "waste is not linked");
    assert!(
        client
            .get_customer(get("libraries", "service"))
            .await
            .is_ok()
    );

    let status = client
        .get_customer(authed(
            "agent",
            pb::GetCustomerRequest {
                customer_id: "not-a-uuid".into(),
                purpose: "x".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["customer_id"]);
    let status = client
        .get_customer(authed(
            "agent",
            pb::GetCustomerRequest {
                customer_id: uuid::Uuid::new_v4().to_string(),
                purpose: "x".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

/// Many concurrent submissions of one departmental ID: one link, one customer.
async fn concurrent_submissions_link_once(app: TestApp) {
    let mut tasks = Vec::new();
    for i in 0..16 {
        let mut client = app.records();
        tasks.push(tokio::spawn(async move {
            let mut r = record("libraries", "SAME");
            if i % 2 == 1 {
                r.address.as_mut().unwrap().lines = vec![format!("{i} Harborne Road")];
            }
            client
                .submit_record(authed("libraries", submit(r, "")))
                .await
                .map(|r| r.into_inner().customer_id)
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().expect("every submission succeeds"));
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one customer: {ids:?}");
    let resolved = app
        .records()
        .resolve_link(authed(
            "libraries",
            pb::ResolveLinkRequest {
                system: "libraries".into(),
                local_id: "SAME".into(),
                purpose: "check".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resolved.customer_id, ids[0]);
    assert_eq!(resolved.links.len(), 1);
}

#[tokio::test]
async fn concurrent_submissions_link_once_on_sqlite() {
    concurrent_submissions_link_once(spawn_app().await).await;
}

#[tokio::test]
async fn concurrent_submissions_link_once_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        concurrent_submissions_link_once(app).await;
    }
}

/// One new person submitted by several departments at the same moment,
/// many times over: never two customers for one person without a link or
/// a review task between them.
async fn simultaneous_departments_make_one_customer(app: TestApp) {
    let systems = ["libraries", "waste", "council-tax", "leisure"];
    #[allow(clippy::needless_range_loop)] // each round's index names its person
    for round in 0..12 {
        let mut tasks = Vec::new();
        for system in systems {
            let mut client = app.records();
            tasks.push(tokio::spawn(async move {
                let mut r = record(system, &format!("{system}-{round}"));
                const PEOPLE: [(&str, &str, &str); 12] = [
                    ("Aoife", "Brennan", "B5 7AA"),
                    ("Bartosz", "Nowak", "B6 4BB"),
                    ("Chiara", "Ferrari", "B7 5DD"),
                    ("Dmitri", "Volkov", "B8 1EE"),
                    ("Efua", "Mensah", "B9 4FF"),
                    ("Farid", "Haddad", "B10 0GG"),
                    ("Greta", "Lindqvist", "B11 1HH"),
                    ("Hiroshi", "Tanaka", "B12 8JJ"),
                    ("Ingrid", "Solberg", "B13 9LL"),
                    ("Jamal", "Oyelaran", "B14 7NN"),
                    ("Keziah", "Pemberton", "B16 8PP"),
                    ("Lorcan", "Fitzgerald", "B17 0QQ"),
                ];
                let (given, family, postcode) = PEOPLE[round];
                let name = r.name.as_mut().unwrap();
                name.given = given.into();
                name.middle = String::new();
                name.family = family.into();
                r.date_of_birth = format!("19{}-02-1{}", 50 + round, round % 10);
                r.address = Some(pb::Address {
                    lines: vec![format!("{} {family} Street", round + 1)],
                    town: "Birmingham".into(),
                    postcode: postcode.into(),
                    uprn: String::new(),
                });
                client
                    .submit_record(authed(system, submit(r, "")))
                    .await
                    .map(|r| r.into_inner())
            }));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap().expect("every submission succeeds"));
        }
        let mut customers: Vec<&str> = answers.iter().map(|a| a.customer_id.as_str()).collect();
        customers.sort_unstable();
        customers.dedup();
        let new = answers
            .iter()
            .filter(|a| a.outcome() != pb::MatchOutcome::Linked)
            .count();
        assert!(
            customers.len() == 1 && new == 1,
            "round {round}: {answers:?}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn simultaneous_departments_make_one_customer_on_sqlite() {
    simultaneous_departments_make_one_customer(spawn_app().await).await;
}

#[tokio::test]
async fn simultaneous_departments_make_one_customer_on_postgres() {
    if let Some(app) = spawn_app_on(Backend::Postgres).await {
        simultaneous_departments_make_one_customer(app).await;
    }
}

/// The same across two replicas of one PostgreSQL, where in-process locks
/// cannot serialise the writers: a person submitted through both at once
/// is one customer, or two with a review task between them.
#[tokio::test]
async fn simultaneous_departments_on_two_replicas_leave_no_silent_duplicate() {
    let Some(url) = postgres::fresh_database().await else {
        return;
    };
    let keys = std::sync::Arc::new(scr_hub::audit::Keyring::generate());
    let mut replicas = Vec::new();
    for _ in 0..2 {
        let data_dir = tempfile::tempdir().unwrap();
        let settings = scr_hub::config::Settings {
            audit_keys: keys.clone().into(),
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
    let mut pairs = Vec::new();
    for round in 0..10 {
        let mut tasks = Vec::new();
        for (n, system) in ["libraries", "waste"].into_iter().enumerate() {
            let mut client = replicas[n].records();
            tasks.push(tokio::spawn(async move {
                let mut r = record(system, &format!("{system}-{round}"));
                r.name.as_mut().unwrap().family = [
                    "Adeyemi",
                    "Brennan",
                    "Castellano",
                    "Dąbrowski",
                    "Eriksen",
                    "Fonseca",
                    "Gallagher",
                    "Haddad",
                    "Ishikawa",
                    "Jovanović",
                ][round]
                    .into();
                r.date_of_birth = format!("19{}-05-2{}", 60 + round, round % 10);
                r.address.as_mut().unwrap().postcode = format!("B{} 4TT", 20 + round);
                r.address.as_mut().unwrap().uprn = String::new();
                client
                    .submit_record(authed(system, submit(r, "")))
                    .await
                    .unwrap()
                    .into_inner()
                    .customer_id
            }));
        }
        let mut ids = Vec::new();
        for t in tasks {
            ids.push(t.await.unwrap());
        }
        if ids[0] != ids[1] {
            pairs.push((ids[0].clone(), ids[1].clone()));
        }
    }
    let tasks = crate::match_review::steward(&replicas[0])
        .list_review_tasks(authed(
            "steward",
            pb::ListReviewTasksRequest {
                page_size: 500,
                page_token: String::new(),
                include_resolved: false,
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .tasks;
    for (a, b) in pairs {
        assert!(
            tasks
                .iter()
                .any(|t| (t.customer_id == a && t.candidate_id == b)
                    || (t.customer_id == b && t.candidate_id == a)),
            "two customers for one person without a review task: {a} {b}"
        );
    }
}
