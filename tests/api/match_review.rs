//! MatchReview: merges, splits and the review queue through the gRPC API.

use crate::helpers::*;
use scr_hub::api::pb;
use tonic::Code;

pub fn steward(app: &TestApp) -> MatchReviewClient<tonic::transport::Channel> {
    MatchReviewClient::new(app.channel.clone())
}

/// Submits a record of a distinct person and returns its customer ID.
async fn person(app: &TestApp, system: &str, local_id: &str, given: &str, dob: &str) -> String {
    let mut r = record(system, local_id);
    r.name.as_mut().unwrap().given = given.into();
    r.date_of_birth = dob.into();
    // Each at a home of their own: people sharing a family name and an
    // address are what the matcher is built to link.
    r.address = Some(pb::Address {
        lines: vec![format!("1 {given} Road")],
        town: format!("{given}ton"),
        postcode: format!("M{} 1AE", given.len()),
        uprn: String::new(),
    });
    app.records()
        .submit_record(authed(system, submit(r, "")))
        .await
        .unwrap()
        .into_inner()
        .customer_id
}

async fn get(app: &TestApp, id: &str) -> pb::Customer {
    app.records()
        .get_customer(authed(
            "steward",
            pb::GetCustomerRequest {
                customer_id: id.into(),
                purpose: "data quality review".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .customer
        .unwrap()
}

fn link_set(c: &pb::Customer) -> Vec<(String, String)> {
    let mut links: Vec<_> = c
        .links
        .iter()
        .map(|l| (l.system.clone(), l.local_id.clone()))
        .collect();
    links.sort();
    links
}

#[tokio::test]
async fn merge_keeps_the_merged_id_resolving_and_split_undoes_it() {
    let app = spawn_app().await;
    let a = person(&app, "libraries", "L-1", "Margaret", "1950-04-01").await;
    let b = person(&app, "waste", "W-1", "Beryl", "1950-04-01").await;
    assert_ne!(a, b);

    let merged = steward(&app)
        .merge_customers(authed(
            "steward",
            pb::MergeCustomersRequest {
                survivor_id: a.clone(),
                merged_id: b.clone(),
                reason: "Maisie is Margaret".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .survivor
        .unwrap();
    assert_eq!(merged.customer_id, a);
    assert_eq!(merged.links.len(), 2);

    // The merged ID keeps resolving, to the survivor, and says so.
    let via_old = get(&app, &b).await;
    assert_eq!(via_old.customer_id, a);
    assert_eq!(via_old.merged_from, b);
    let resolved = app
        .records()
        .resolve_link(authed(
            "waste",
            pb::ResolveLinkRequest {
                system: "waste".into(),
                local_id: "W-1".into(),
                purpose: "check".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(resolved.customer_id, a);

    // Merging again is refused: b is gone.
    let status = steward(&app)
        .merge_customers(authed(
            "steward",
            pb::MergeCustomersRequest {
                survivor_id: a.clone(),
                merged_id: b.clone(),
                reason: "again".into(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::FailedPrecondition);

    // Split the waste link back out: a new customer with Beryl's own facts.
    let split = steward(&app)
        .split_customer(authed(
            "steward",
            pb::SplitCustomerRequest {
                customer_id: a.clone(),
                links: vec![pb::LinkRef {
                    system: "waste".into(),
                    local_id: "W-1".into(),
                }],
                reason: "not the same person after all".into(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let remaining = split.remaining.unwrap();
    let off = split.split_off.unwrap();
    assert_eq!(
        link_set(&remaining),
        [("libraries".to_string(), "L-1".to_string())]
    );
    assert_eq!(link_set(&off), [("waste".to_string(), "W-1".to_string())]);
    assert_eq!(off.name.unwrap().given, "Beryl");
    assert_eq!(remaining.name.unwrap().given, "Margaret");
    assert_ne!(off.customer_id, a);
}

#[tokio::test]
async fn merge_and_split_validate_their_input() {
    let app = spawn_app().await;
    let a = person(&app, "libraries", "L-1", "Ann", "1960-01-01").await;
    let mut client = steward(&app);
    let merge = |survivor: &str, merged: &str, reason: &str| {
        authed(
            "steward",
            pb::MergeCustomersRequest {
                survivor_id: survivor.into(),
                merged_id: merged.into(),
                reason: reason.into(),
            },
        )
    };
    let status = client
        .merge_customers(merge(&a, &a, "x"))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["merged_id"]);
    let status = client
        .merge_customers(merge(&a, "nope", "x"))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["merged_id"]);
    let status = client
        .merge_customers(merge(&a, &uuid::Uuid::new_v4().to_string(), "x"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let b = person(&app, "waste", "W-1", "Bea", "1961-01-01").await;
    let status = client
        .merge_customers(merge(&a, &b, " "))
        .await
        .unwrap_err();
    assert_eq!(violated_fields(&status), ["reason"]);

    // A split must leave a link behind and name only the customer's links.
    let split = |links: Vec<(&str, &str)>| {
        authed(
            "steward",
            pb::SplitCustomerRequest {
                customer_id: a.clone(),
                links: links
                    .into_iter()
                    .map(|(s, l)| pb::LinkRef {
                        system: s.into(),
                        local_id: l.into(),
                    })
                    .collect(),
                reason: "test".into(),
            },
        )
    };
    for links in [vec![], vec![("libraries", "L-1")], vec![("waste", "W-1")]] {
        let status = client.split_customer(split(links)).await.unwrap_err();
        assert_eq!(violated_fields(&status), ["links"]);
    }
    // Nothing changed.
    assert_eq!(get(&app, &a).await.links.len(), 1);
    assert_eq!(get(&app, &b).await.links.len(), 1);

    // Only stewards work matches.
    for token in ["agent", "dpo", "libraries", "admin"] {
        let status = client
            .merge_customers(authed(
                token,
                pb::MergeCustomersRequest {
                    survivor_id: a.clone(),
                    merged_id: b.clone(),
                    reason: "x".into(),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied, "{token}");
    }
}

async fn queue(app: &TestApp) -> Vec<pb::ReviewTask> {
    let mut tasks = Vec::new();
    let mut token = String::new();
    loop {
        let page = steward(app)
            .list_review_tasks(authed(
                "steward",
                pb::ListReviewTasksRequest {
                    page_size: 1,
                    page_token: token,
                    include_resolved: false,
                },
            ))
            .await
            .unwrap()
            .into_inner();
        tasks.extend(page.tasks);
        if page.next_page_token.is_empty() {
            return tasks;
        }
        token = page.next_page_token;
    }
}

/// Two records a steward split apart, then a third matching both: it goes
/// to the steward, not to either automatically; and the queue shows the
/// likeliest task first, both customers side by side.
#[tokio::test]
async fn a_record_matching_two_customers_split_apart_goes_to_review() {
    let app = spawn_app().await;
    let first = app
        .records()
        .submit_record(authed("libraries", submit(record("libraries", "L-1"), "")))
        .await
        .unwrap()
        .into_inner();
    let second = app
        .records()
        .submit_record(authed("waste", submit(record("waste", "W-1"), "")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(second.customer_id, first.customer_id, "linked at first");
    steward(&app)
        .split_customer(authed(
            "steward",
            pb::SplitCustomerRequest {
                customer_id: first.customer_id.clone(),
                links: vec![pb::LinkRef {
                    system: "waste".into(),
                    local_id: "W-1".into(),
                }],
                reason: "two people: confirmed with both".into(),
            },
        ))
        .await
        .unwrap();
    let third = app
        .records()
        .submit_record(authed(
            "council-tax",
            submit(record("council-tax", "C-1"), ""),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(third.outcome(), pb::MatchOutcome::PossibleMatch);
    let tasks = queue(&app).await;
    assert_eq!(tasks.len(), 2, "one task for each of the two: {tasks:?}");
    for t in &tasks {
        assert_eq!(t.customer_id, third.customer_id);
        let (mine, theirs) = (t.customer.as_ref().unwrap(), t.candidate.as_ref().unwrap());
        assert_eq!(mine.customer_id, t.customer_id);
        assert_eq!(theirs.customer_id, t.candidate_id);
        assert_eq!(mine.name.as_ref().unwrap().family, "Okafor");
        assert_eq!(theirs.links.len(), 1, "the steward sees every link");
    }
    assert!(tasks[0].score >= tasks[1].score, "likeliest first");
}
