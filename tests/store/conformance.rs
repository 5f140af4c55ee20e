//! What every Store must do, whatever the database.

use chrono::{DateTime, Duration, TimeZone, Utc};
use scr_hub::auth::Role;
use scr_hub::record::*;
use scr_hub::review::*;
use scr_hub::store::{
    AuditEntry, Change, MatchIndex, NewEvent, Op, RegisteredCaller, Store, StoreError,
};
use std::sync::Arc;

crate::conformance!(
    customer_round_trip,
    one_link_per_departmental_id,
    stale_version_conflicts_and_changes_nothing,
    update_keeps_address_history,
    updating_a_link_record_rekeys_it,
    merge_moves_links_and_keeps_the_merged_row,
    review_tasks_queue_resolve_and_retarget,
    distinct_pairs_are_symmetric,
    lineage_and_weights_are_kept,
    match_records_page_through_every_link,
    requests_are_remembered_once,
    outbox_sequence_increases,
    callers_register_list_revoke,
    customer_changes_feed_the_indexer,
    customer_ids_page_in_order,
    verification_facts_attempts_and_locks,
    a_batched_change_applies_whole,
    bulk_reads_agree_with_single_reads,
    many_audit_entries_chain_in_one_change,
);

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_750_000_000 + secs, 0).unwrap()
}

fn person(postcode: &str) -> Person {
    Person {
        name: PersonName::parse("Zoë", "", "O'Brien").unwrap(),
        date_of_birth: BirthDate::from_stored(
            chrono::NaiveDate::from_ymd_opt(1970, 1, 31).unwrap(),
        ),
        gender: Gender::Other,
        address: Address::parse(
            &["Flat 2, 10 Broad St".into()],
            "Birmingham",
            postcode,
            "12",
        )
        .unwrap(),
    }
}

fn new_customer(postcode: &str) -> Customer {
    Customer {
        id: CustomerId::generate(),
        person: person(postcode),
        previous_addresses: vec![],
        links: vec![],
        version: 1,
        created_at: at(0),
        updated_at: at(0),
        merged_into: None,
        flags: Default::default(),
    }
}

fn link(system: &str, local_id: &str, secs: i64) -> Link {
    Link {
        system: SystemCode::parse(system).unwrap(),
        local_id: LocalId::parse(local_id).unwrap(),
        linked_at: at(secs),
        method: "exact".into(),
        confidence: 0.875,
    }
}

fn departmental(l: &Link, postcode: &str) -> DepartmentalRecord {
    DepartmentalRecord {
        system: l.system.clone(),
        local_id: l.local_id.clone(),
        person: person(postcode),
    }
}

fn index(normalised: &str, keys: &[&str]) -> MatchIndex {
    MatchIndex {
        normalised: normalised.into(),
        keys: keys.iter().map(|k| k.to_string()).collect(),
    }
}

/// The records holding any of `keys`, a key held by more than `limit`
/// skipped, as the hub's planner reads them: who holds each key, then
/// those records.
async fn candidates(
    store: &Arc<dyn Store>,
    keys: &[String],
    limit: i64,
) -> Result<Vec<scr_hub::store::CandidateRecord>, StoreError> {
    let members = store.key_members(keys, limit).await?;
    store.candidate_records(&members.links).await
}

async fn insert(store: &Arc<dyn Store>, customer: &Customer, links: &[Link], keys: &[&str]) {
    let mut change = Change::default();
    change.ops.push(Op::InsertCustomer {
        customer: customer.clone(),
    });
    for l in links {
        change.ops.push(Op::InsertLink {
            customer_id: customer.id.clone(),
            link: l.clone(),
            record: departmental(l, "B1 1AA"),
            matching: index(&format!("n:{}", l.local_id), keys),
        });
    }
    store.apply(change).await.unwrap();
}

async fn customer_round_trip(store: Arc<dyn Store>) {
    store.ping().await.unwrap();
    let customer = new_customer("B1 1AA");
    let links = [link("libraries", "L-1", 1), link("waste", "W-1", 2)];
    insert(&store, &customer, &links, &["k1", "k2"]).await;

    let loaded = store.load_customer(&customer.id).await.unwrap().unwrap();
    assert_eq!(loaded.person, customer.person);
    assert_eq!(loaded.links, links);
    assert_eq!(loaded.version, 1);
    assert_eq!(loaded.created_at, at(0));

    let found = store
        .find_link(&links[1].system, &links[1].local_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.customer_id, customer.id);
    assert_eq!(found.record, departmental(&links[1], "B1 1AA"));
    let found = candidates(&store, &["k2".into(), "nope".into()], 10)
        .await
        .unwrap();
    assert_eq!(found.len(), 2, "both records hold k2");
    assert!(found.iter().all(|c| c.customer_id == customer.id));
    let mut normalised: Vec<_> = found.iter().map(|c| c.normalised.as_str()).collect();
    normalised.sort();
    assert_eq!(normalised, ["n:L-1", "n:W-1"]);
    // A key held by more records than the limit is skipped as too common.
    assert!(
        candidates(&store, &["k2".into()], 1)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .load_customer(&CustomerId::generate())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .find_link(&links[0].system, &LocalId::parse("L-2").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

async fn one_link_per_departmental_id(store: Arc<dyn Store>) {
    let first = new_customer("B1 1AA");
    let l = link("libraries", "L-1", 1);
    insert(&store, &first, std::slice::from_ref(&l), &[]).await;

    // A second customer claiming the same departmental ID: the whole change fails.
    let second = new_customer("B2 2BB");
    let mut change = Change::default();
    change.ops.push(Op::InsertCustomer {
        customer: second.clone(),
    });
    change.ops.push(Op::InsertLink {
        customer_id: second.id.clone(),
        link: l.clone(),
        record: departmental(&l, "B2 2BB"),
        matching: index("n", &["k"]),
    });
    assert!(matches!(
        store.apply(change).await,
        Err(StoreError::Conflict)
    ));
    assert!(
        store.load_customer(&second.id).await.unwrap().is_none(),
        "rolled back"
    );
    let found = store
        .find_link(&l.system, &l.local_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.customer_id, first.id);
}

async fn stale_version_conflicts_and_changes_nothing(store: Arc<dyn Store>) {
    let customer = new_customer("B1 1AA");
    insert(&store, &customer, &[], &["old"]).await;
    let update = |version| Op::UpdateCustomer {
        id: customer.id.clone(),
        expected_version: version,
        person: person("B3 3DD"),
        archived_address: None,
        at: at(5),
    };
    let mut change = Change::default();
    change.ops.push(update(7));
    change.audit.push(audit(&customer.id));
    assert!(matches!(
        store.apply(change).await,
        Err(StoreError::Conflict)
    ));
    let loaded = store.load_customer(&customer.id).await.unwrap().unwrap();
    assert_eq!(loaded.person.address.postcode.as_str(), "B1 1AA");

    let mut change = Change::default();
    change.ops.push(update(1));
    store.apply(change).await.unwrap();
    let loaded = store.load_customer(&customer.id).await.unwrap().unwrap();
    assert_eq!(loaded.version, 2);
    assert_eq!(loaded.updated_at, at(5));
}

async fn update_keeps_address_history(store: Arc<dyn Store>) {
    let customer = new_customer("B1 1AA");
    insert(&store, &customer, &[], &["old"]).await;
    let mut change = Change::default();
    change.ops.push(Op::UpdateCustomer {
        id: customer.id.clone(),
        expected_version: 1,
        person: person("B3 3DD"),
        archived_address: Some(PreviousAddress {
            address: customer.person.address.clone(),
            until: at(9),
        }),
        at: at(9),
    });
    store.apply(change).await.unwrap();
    let loaded = store.load_customer(&customer.id).await.unwrap().unwrap();
    assert_eq!(loaded.person.address.postcode.as_str(), "B3 3DD");
    assert_eq!(loaded.previous_addresses.len(), 1);
    assert_eq!(
        loaded.previous_addresses[0].address,
        customer.person.address
    );
    assert_eq!(loaded.previous_addresses[0].until, at(9));
}

async fn updating_a_link_record_rekeys_it(store: Arc<dyn Store>) {
    let customer = new_customer("B1 1AA");
    let l = link("libraries", "L-1", 1);
    insert(&store, &customer, std::slice::from_ref(&l), &["old"]).await;
    let mut change = Change::default();
    change.ops.push(Op::UpdateLinkRecord {
        record: departmental(&l, "B3 3DD"),
        matching: index("n2", &["new"]),
        at: at(3),
    });
    store.apply(change).await.unwrap();
    assert!(
        candidates(&store, &["old".into()], 10)
            .await
            .unwrap()
            .is_empty()
    );
    let found = candidates(&store, &["new".into()], 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].normalised, "n2");
    let linked = store
        .find_link(&l.system, &l.local_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.record.person.address.postcode.as_str(), "B3 3DD");
}

async fn requests_are_remembered_once(store: Arc<dyn Store>) {
    let save = |response: &str| Op::SaveRequest {
        scope: "submit:libraries".into(),
        request_id: "r-1".into(),
        fingerprint: "f".into(),
        response: response.into(),
        at: at(1),
    };
    let mut change = Change::default();
    change.ops.push(save("first"));
    store.apply(change).await.unwrap();
    let mut change = Change::default();
    change.ops.push(save("second"));
    assert!(matches!(
        store.apply(change).await,
        Err(StoreError::Conflict)
    ));
    let found = store
        .find_request("submit:libraries", "r-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.response, "first");
    assert!(
        store
            .find_request("submit:waste", "r-1")
            .await
            .unwrap()
            .is_none()
    );
}

fn audit(id: &CustomerId) -> AuditEntry {
    AuditEntry {
        at: at(1),
        caller: "agent".into(),
        role: Role::Agent,
        operation: "get_customer".into(),
        customer_id: Some(id.clone()),
        purpose: Some("test".into()),
    }
}

async fn outbox_sequence_increases(store: Arc<dyn Store>) {
    let id = CustomerId::generate();
    let event = |n: i64| NewEvent {
        event_id: uuid::Uuid::new_v4().to_string(),
        system: SystemCode::parse("libraries").unwrap(),
        customer_id: id.clone(),
        event_type: "record_linked".into(),
        data: serde_json::json!({ "n": n }),
        at: at(n),
    };
    let first = Change {
        events: vec![event(1), event(2)],
        audit: vec![audit(&id)],
        ..Change::default()
    };
    let a = store.apply(first).await.unwrap().unwrap();
    let second = Change {
        events: vec![event(3)],
        ..Change::default()
    };
    let b = store.apply(second).await.unwrap().unwrap();
    assert!(b > a, "{b} > {a}");
    assert_eq!(store.apply(Change::default()).await.unwrap(), None);
}

async fn callers_register_list_revoke(store: Arc<dyn Store>) {
    let caller = RegisteredCaller {
        name: "leisure".into(),
        role: Role::Department,
        system: Some(SystemCode::parse("leisure").unwrap()),
        created_at: at(0),
    };
    let register = |hash: &str| Change {
        ops: vec![Op::InsertCaller {
            caller: caller.clone(),
            token_sha256: hash.into(),
        }],
        ..Change::default()
    };
    let revoke = |secs: i64| Change {
        ops: vec![Op::RevokeCaller {
            name: "leisure".into(),
            at: at(1) + Duration::seconds(secs),
        }],
        ..Change::default()
    };
    store.apply(register("h1")).await.unwrap();
    assert!(matches!(
        store.apply(register("h2")).await,
        Err(StoreError::Conflict)
    ));
    let found = store.caller_by_token_hash("h1").await.unwrap().unwrap();
    assert_eq!(found.role, Role::Department);
    assert_eq!(store.list_callers().await.unwrap().len(), 1);

    store.apply(revoke(1)).await.unwrap();
    assert!(matches!(
        store.apply(revoke(2)).await,
        Err(StoreError::Conflict)
    ));
    assert!(store.caller_by_token_hash("h1").await.unwrap().is_none());
    assert!(store.list_callers().await.unwrap().is_empty());
    // A revoked name is never registered again: audit entries under it
    // keep meaning one credential.
    assert!(matches!(
        store.apply(register("h3")).await,
        Err(StoreError::Conflict)
    ));
    assert!(store.caller_by_token_hash("h3").await.unwrap().is_none());
}

async fn merge_moves_links_and_keeps_the_merged_row(store: Arc<dyn Store>) {
    let survivor = new_customer("B1 1AA");
    let merged = new_customer("B2 2BB");
    let earlier = new_customer("B4 4EE");
    insert(&store, &survivor, &[link("libraries", "L-1", 1)], &["a"]).await;
    insert(&store, &merged, &[link("waste", "W-1", 2)], &["a"]).await;
    insert(&store, &earlier, &[], &[]).await;
    // `earlier` was merged into `merged` before.
    let mut change = Change::default();
    change.ops.push(Op::MarkMerged {
        id: earlier.id.clone(),
        into: merged.id.clone(),
        expected_version: 1,
        at: at(3),
    });
    store.apply(change).await.unwrap();

    let moved = vec![LinkRef {
        system: SystemCode::parse("waste").unwrap(),
        local_id: LocalId::parse("W-1").unwrap(),
    }];
    let mut change = Change::default();
    change.ops.push(Op::MoveLinks {
        from: merged.id.clone(),
        to: survivor.id.clone(),
        links: moved.clone(),
    });
    change.ops.push(Op::MarkMerged {
        id: merged.id.clone(),
        into: survivor.id.clone(),
        expected_version: 1,
        at: at(4),
    });
    change.ops.push(Op::TouchCustomer {
        id: survivor.id.clone(),
        expected_version: 1,
        at: at(4),
    });
    change.ops.push(Op::AddPreviousAddresses {
        id: survivor.id.clone(),
        addresses: vec![PreviousAddress {
            address: merged.person.address.clone(),
            until: at(4),
        }],
    });
    store.apply(change).await.unwrap();

    let s = store.load_customer(&survivor.id).await.unwrap().unwrap();
    assert_eq!(s.links.len(), 2);
    assert_eq!(s.version, 2);
    assert_eq!(s.previous_addresses[0].address, merged.person.address);
    let m = store.load_customer(&merged.id).await.unwrap().unwrap();
    assert_eq!(m.merged_into.as_ref(), Some(&survivor.id));
    assert!(m.links.is_empty());
    assert_eq!(m.person, merged.person, "the merged row keeps its facts");
    let e = store.load_customer(&earlier.id).await.unwrap().unwrap();
    assert_eq!(
        e.merged_into.as_ref(),
        Some(&survivor.id),
        "earlier merges re-pointed"
    );
    assert!(
        candidates(&store, &["a".into()], 10)
            .await
            .unwrap()
            .iter()
            .all(|c| c.customer_id == survivor.id)
    );

    // A merged customer cannot be merged or touched again; a link not on
    // `from` cannot be moved.
    let mut change = Change::default();
    change.ops.push(Op::MarkMerged {
        id: merged.id.clone(),
        into: survivor.id.clone(),
        expected_version: 2,
        at: at(5),
    });
    assert!(matches!(
        store.apply(change).await,
        Err(StoreError::Conflict)
    ));
    let mut change = Change::default();
    change.ops.push(Op::MoveLinks {
        from: merged.id.clone(),
        to: survivor.id.clone(),
        links: moved,
    });
    assert!(matches!(
        store.apply(change).await,
        Err(StoreError::Conflict)
    ));
}

fn task(customer: &CustomerId, candidate: &CustomerId) -> ReviewTask {
    ReviewTask {
        id: uuid::Uuid::new_v4().to_string(),
        seq: 0,
        customer_id: customer.clone(),
        candidate_id: candidate.clone(),
        score: 7.5,
        explanation: serde_json::json!({ "total": 7.5 }),
        status: ReviewStatus::Open,
        created_at: at(1),
        resolved_by: None,
        resolved_at: None,
    }
}

async fn review_tasks_queue_resolve_and_retarget(store: Arc<dyn Store>) {
    let (a, b, c) = (
        CustomerId::generate(),
        CustomerId::generate(),
        CustomerId::generate(),
    );
    let likelier = ReviewTask {
        score: 9.25,
        ..task(&c, &b)
    };
    let tasks = [task(&a, &b), likelier, task(&a, &c)];
    let mut change = Change::default();
    for t in &tasks {
        change.ops.push(Op::InsertReviewTask(t.clone()));
    }
    store.apply(change).await.unwrap();

    // The likeliest first, then in the order they were queued.
    let page = store.review_tasks(None, 2, false).await.unwrap();
    assert_eq!(
        page.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        [tasks[1].id.clone(), tasks[0].id.clone()]
    );
    let after = scr_hub::review::QueuePlace {
        score: page[1].score,
        seq: page[1].seq,
    };
    let rest = store.review_tasks(Some(after), 10, false).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].id, tasks[2].id);
    assert_eq!(rest[0].explanation, tasks[2].explanation);

    let resolve = |status| Op::ResolveReviewTask {
        id: tasks[0].id.clone(),
        status,
        by: "steward".into(),
        at: at(2),
    };
    let mut change = Change::default();
    change.ops.push(resolve(ReviewStatus::DifferentPeople));
    store.apply(change).await.unwrap();
    let mut change = Change::default();
    change.ops.push(resolve(ReviewStatus::SamePerson));
    assert!(
        matches!(store.apply(change).await, Err(StoreError::Conflict)),
        "only open tasks resolve"
    );
    let done = store.review_task(&tasks[0].id).await.unwrap().unwrap();
    assert_eq!(done.status, ReviewStatus::DifferentPeople);
    assert_eq!(done.resolved_by.as_deref(), Some("steward"));
    assert_eq!(store.review_tasks(None, 10, false).await.unwrap().len(), 2);
    assert_eq!(store.review_tasks(None, 10, true).await.unwrap().len(), 3);

    // c merged into b: (c, b) pairs b with itself and is obsolete; (a, c) becomes (a, b).
    let mut change = Change::default();
    change.ops.push(Op::RetargetReviewTasks {
        from: c.clone(),
        to: b.clone(),
        at: at(3),
    });
    store.apply(change).await.unwrap();
    assert_eq!(
        store
            .review_task(&tasks[1].id)
            .await
            .unwrap()
            .unwrap()
            .status,
        ReviewStatus::Obsolete
    );
    let retargeted = store.review_task(&tasks[2].id).await.unwrap().unwrap();
    assert_eq!((retargeted.customer_id, retargeted.candidate_id), (a, b));
    assert!(store.review_task("missing").await.unwrap().is_none());
}

async fn distinct_pairs_are_symmetric(store: Arc<dyn Store>) {
    let (a, b) = (CustomerId::generate(), CustomerId::generate());
    assert!(!store.known_distinct(&a, &b).await.unwrap());
    let mut change = Change::default();
    change.ops.push(Op::InsertDistinctPair {
        a: b.clone(),
        b: a.clone(),
        by: "steward".into(),
        at: at(1),
    });
    change.ops.push(Op::InsertDistinctPair {
        a: a.clone(),
        b: b.clone(),
        by: "steward".into(),
        at: at(1),
    });
    store.apply(change).await.unwrap();
    assert!(store.known_distinct(&a, &b).await.unwrap());
    assert!(store.known_distinct(&b, &a).await.unwrap());
    // Found among a set of customers, in either order, and only there.
    let c = CustomerId::generate();
    let among = store
        .distinct_pairs_among(&[c.clone(), b.clone(), a.clone()])
        .await
        .unwrap();
    assert_eq!(among.len(), 1);
    assert!(among[0] == (a.clone(), b.clone()) || among[0] == (b.clone(), a.clone()));
    assert!(
        store
            .distinct_pairs_among(&[a.clone(), c])
            .await
            .unwrap()
            .is_empty()
    );
    let mut change = Change::default();
    change.ops.push(Op::DeleteDistinctPair {
        a: a.clone(),
        b: b.clone(),
    });
    store.apply(change).await.unwrap();
    assert!(!store.known_distinct(&b, &a).await.unwrap());
}

async fn lineage_and_weights_are_kept(store: Arc<dyn Store>) {
    let (a, b) = (CustomerId::generate(), CustomerId::generate());
    let links = vec![LinkRef {
        system: SystemCode::parse("waste").unwrap(),
        local_id: LocalId::parse("W-1").unwrap(),
    }];
    let mut change = Change::default();
    for (kind, secs) in [(LineageKind::Merge, 1), (LineageKind::Split, 2)] {
        change.ops.push(Op::InsertLineage(Lineage {
            kind,
            customer_id: a.clone(),
            other_id: b.clone(),
            links: links.clone(),
            reason: "test".into(),
            decided_by: "steward".into(),
            at: at(secs),
        }));
    }
    change.ops.push(Op::SaveWeights {
        weights: "{\"v\":1}".into(),
        pairs: 10,
        at: at(1),
    });
    change.ops.push(Op::SaveWeights {
        weights: "{\"v\":2}".into(),
        pairs: 20,
        at: at(2),
    });
    store.apply(change).await.unwrap();
    let history = store.lineage(&b).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].kind, LineageKind::Merge);
    assert_eq!(history[1].links, links);
    assert_eq!(history[1].at, at(2));
    assert_eq!(
        store.latest_weights().await.unwrap().as_deref(),
        Some("{\"v\":2}")
    );
}

async fn match_records_page_through_every_link(store: Arc<dyn Store>) {
    assert!(store.match_records(None, 10).await.unwrap().is_empty());
    let customer = new_customer("B1 1AA");
    let links: Vec<_> = (0..5)
        .map(|i| link("libraries", &format!("L-{i}"), i))
        .collect();
    insert(&store, &customer, &links, &["k"]).await;
    insert(
        &store,
        &new_customer("B2 2BB"),
        &[link("council-tax", "C-1", 9)],
        &[],
    )
    .await;
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = store.match_records(after.as_ref(), 2).await.unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|c| c.link.clone());
        seen.extend(
            page.into_iter()
                .map(|c| format!("{}/{}", c.link.system, c.link.local_id)),
        );
    }
    assert_eq!(
        seen,
        [
            "council-tax/C-1",
            "libraries/L-0",
            "libraries/L-1",
            "libraries/L-2",
            "libraries/L-3",
            "libraries/L-4"
        ]
    );
}

async fn customer_changes_feed_the_indexer(store: Arc<dyn Store>) {
    assert_eq!(store.outbox_head().await.unwrap(), 0);
    let a = new_customer("B15 2TT");
    let b = new_customer("B15 2TT");
    let mut change = Change::default();
    change.ops.push(Op::InsertCustomer {
        customer: a.clone(),
    });
    change.ops.push(Op::InsertCustomer {
        customer: b.clone(),
    });
    // Internal rows only: apply reports no subscriber event.
    assert_eq!(store.apply(change).await.unwrap(), None);
    let changes = store.customer_changes_after(0, 10).await.unwrap();
    let ids: Vec<_> = changes.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(ids, [a.id.clone(), b.id.clone()]);
    assert!(changes[0].0 < changes[1].0);
    assert_eq!(store.outbox_head().await.unwrap(), changes[1].0);
    // Subscribers and dispatchers never see internal rows.
    assert!(store.events_after(0, 10).await.unwrap().is_empty());
    let after = store
        .customer_changes_after(changes[0].0, 10)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    // An audit-only change (a read) names no one.
    let mut read = Change::default();
    read.audit.push(AuditEntry {
        at: at(1),
        caller: "agent".into(),
        role: Role::Agent,
        operation: "get_customer".into(),
        customer_id: Some(a.id.clone()),
        purpose: Some("test".into()),
    });
    store.apply(read).await.unwrap();
    assert_eq!(store.customer_changes_after(0, 10).await.unwrap().len(), 2);
}

async fn customer_ids_page_in_order(store: Arc<dyn Store>) {
    let mut ids = Vec::new();
    for _ in 0..5 {
        let c = new_customer("B15 2TT");
        ids.push(c.id.clone());
        let mut change = Change::default();
        change.ops.push(Op::InsertCustomer { customer: c });
        store.apply(change).await.unwrap();
    }
    ids.sort();
    let first = store.customer_ids_after(None, 3).await.unwrap();
    assert_eq!(first, ids[..3]);
    let rest = store.customer_ids_after(first.last(), 3).await.unwrap();
    assert_eq!(rest, ids[3..]);
    assert!(
        store
            .customer_ids_after(rest.last(), 3)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn verification_facts_attempts_and_locks(store: Arc<dyn Store>) {
    use scr_hub::store::VerificationFact;
    let c = new_customer("B15 2TT");
    let fact = |hash: &str| VerificationFact {
        kind: "council_tax_account".into(),
        salt: "s".into(),
        hash: hash.into(),
    };
    let mut change = Change::default();
    change.ops.push(Op::InsertCustomer {
        customer: c.clone(),
    });
    change.ops.push(Op::SetVerificationFacts {
        customer_id: c.id.clone(),
        facts: vec![fact("h1")],
        by: "agent".into(),
        at: at(0),
    });
    store.apply(change).await.unwrap();
    let mut change = Change::default();
    change.ops.push(Op::SetVerificationFacts {
        customer_id: c.id.clone(),
        facts: vec![fact("h2")],
        by: "agent".into(),
        at: at(1),
    });
    for (secs, ok) in [(10, false), (20, true), (30, false)] {
        change.ops.push(Op::RecordVerificationAttempt {
            customer_id: c.id.clone(),
            succeeded: ok,
            at: at(secs),
        });
    }
    change.ops.push(Op::LockVerification {
        customer_id: c.id.clone(),
        until: at(100),
        at: at(30),
    });
    store.apply(change).await.unwrap();
    assert_eq!(store.verification_facts(&c.id).await.unwrap(), [fact("h2")]);
    assert_eq!(
        store
            .verification_failures_since(&c.id, at(0))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .verification_failures_since(&c.id, at(15))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store.verification_locked_until(&c.id).await.unwrap(),
        Some(at(100))
    );
    let other = CustomerId::generate();
    assert_eq!(store.verification_locked_until(&other).await.unwrap(), None);
}

/// A bulk load hands `apply` thousands of customers at once: every key,
/// link and indexer row must land (multi-row statements), or none.
async fn a_batched_change_applies_whole(store: Arc<dyn Store>) {
    let mut change = Change::default();
    let mut ids = Vec::new();
    for n in 0..600 {
        let customer = new_customer("B1 1AA");
        let l = link("libraries", &format!("L-{n}"), 1);
        ids.push(customer.id.clone());
        change.ops.push(Op::InsertCustomer { customer });
        change.ops.push(Op::InsertLink {
            customer_id: ids[n].clone(),
            link: l.clone(),
            record: departmental(&l, "B1 1AA"),
            matching: index(
                &format!("n:{n}"),
                &[&format!("own:{n}"), "shared", "shared"],
            ),
        });
    }
    store.apply(change).await.unwrap();
    let own = candidates(&store, &["own:417".into()], 10).await.unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].customer_id, ids[417]);
    assert_eq!(own[0].normalised, "n:417");
    let shared = candidates(&store, &["shared".into()], 1000).await.unwrap();
    assert_eq!(shared.len(), 600);
    let changes = store.customer_changes_after(0, 1000).await.unwrap();
    assert_eq!(changes.len(), 600);
    assert_eq!(changes[417].1, ids[417]);
    // A clash anywhere in the batch leaves nothing of it.
    let mut clash = Change::default();
    let fresh = new_customer("B1 1AA");
    let l = link("libraries", "L-3", 2);
    clash.ops.push(Op::InsertCustomer {
        customer: fresh.clone(),
    });
    clash.ops.push(Op::InsertLink {
        customer_id: fresh.id.clone(),
        link: l.clone(),
        record: departmental(&l, "B1 1AA"),
        matching: index("x", &["own:3"]),
    });
    assert!(matches!(
        store.apply(clash).await,
        Err(StoreError::Conflict)
    ));
    assert!(store.load_customer(&fresh.id).await.unwrap().is_none());
}

async fn bulk_reads_agree_with_single_reads(store: Arc<dyn Store>) {
    let a = new_customer("B1 1AA");
    let b = new_customer("B2 2BB");
    insert(
        &store,
        &a,
        &[link("libraries", "L-1", 1), link("waste", "W-1", 2)],
        &["k1", "k2"],
    )
    .await;
    insert(&store, &b, &[link("libraries", "L-2", 3)], &["k2", "k3"]).await;
    let refs = |ids: &[(&str, &str)]| -> Vec<LinkRef> {
        ids.iter()
            .map(|(s, l)| LinkRef {
                system: SystemCode::parse(s).unwrap(),
                local_id: LocalId::parse(l).unwrap(),
            })
            .collect()
    };
    let mut found: Vec<(String, String)> = store
        .find_links(&refs(&[
            ("libraries", "L-1"),
            ("libraries", "L-2"),
            ("libraries", "L-9"),
            ("waste", "W-1"),
            ("libraries", "L-1"),
        ]))
        .await
        .unwrap()
        .into_iter()
        .map(|l| {
            (
                l.link.local_id.as_str().to_owned(),
                l.customer_id.as_str().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("L-1".to_owned(), a.id.as_str().to_owned()),
            ("L-2".to_owned(), b.id.as_str().to_owned()),
            ("W-1".to_owned(), a.id.as_str().to_owned()),
        ]
    );

    let keys: Vec<String> = ["k1", "k2", "k3", "nope"].map(String::from).to_vec();
    // k2 is held by three records: over a limit of 2, counted no further
    // than 3 and its holders not listed; the others are.
    let within = store.key_members(&keys, 2).await.unwrap();
    assert_eq!(within.counts.get("k1"), Some(&2));
    assert_eq!(within.counts.get("k2"), Some(&3));
    assert_eq!(within.counts.get("nope").copied().unwrap_or(0), 0);
    assert!(!within.by_key.contains_key("k2"));
    assert_eq!(within.by_key["k1"].len(), 2);
    assert_eq!(within.by_key["k3"].len(), 1);
    assert_eq!(within.links.len(), 3);
    let all = store.key_members(&keys, 10).await.unwrap();
    assert_eq!(all.by_key["k2"].len(), 3);
    assert_eq!(all.links.len(), 3, "each record once, under three keys");
    let held = |key: &str| -> Vec<(String, String)> {
        let mut ids: Vec<(String, String)> = all.by_key[key]
            .iter()
            .map(|&i| {
                let l = &all.links[i];
                (l.system.as_str().to_owned(), l.local_id.as_str().to_owned())
            })
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        held("k1"),
        [
            ("libraries".to_owned(), "L-1".to_owned()),
            ("waste".to_owned(), "W-1".to_owned())
        ]
    );
    assert_eq!(held("k3"), [("libraries".to_owned(), "L-2".to_owned())]);
    // Read in full: each holder once, with its matching form.
    let read = store.candidate_records(&all.links).await.unwrap();
    let seen = |records: &[scr_hub::store::CandidateRecord]| -> Vec<(String, String, String)> {
        let mut ids: Vec<(String, String, String)> = records
            .iter()
            .map(|c| {
                (
                    c.link.local_id.as_str().to_owned(),
                    c.customer_id.as_str().to_owned(),
                    c.normalised.clone(),
                )
            })
            .collect();
        ids.sort();
        ids
    };
    let bulk = seen(&read);
    let local: Vec<&str> = bulk.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(local, ["L-1", "L-2", "W-1"]);
    assert!(bulk.iter().all(|t| !t.2.is_empty()));
    // Only what is asked for, and nothing for an unknown ID.
    let some = store
        .candidate_records(&refs(&[("waste", "W-1"), ("waste", "W-9")]))
        .await
        .unwrap();
    assert_eq!(some.len(), 1);
    assert_eq!(some[0].customer_id, a.id);

    let mut change = Change::default();
    for id in ["r-1", "r-2"] {
        change.ops.push(Op::SaveRequest {
            scope: "submit:libraries".into(),
            request_id: id.into(),
            fingerprint: format!("f-{id}"),
            response: format!("answer {id}"),
            at: at(4),
        });
    }
    change.ops.push(Op::EraseCustomer {
        id: b.id.clone(),
        link_hashes: vec!["h-1".into()],
        reason: "test".into(),
        by: "dpo".into(),
        at: at(5),
    });
    store.apply(change).await.unwrap();
    let mut requests = store
        .find_requests(
            "submit:libraries",
            &["r-1".into(), "r-2".into(), "r-3".into()],
        )
        .await
        .unwrap();
    requests.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].1.response, "answer r-2");
    assert!(
        store
            .find_requests("submit:waste", &["r-1".into()])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .erased_links(&["h-1".into(), "h-2".into()])
            .await
            .unwrap(),
        ["h-1"]
    );
    // More IDs than one statement's list, with repeats: each found once.
    let mut many: Vec<String> = (0..1200).map(|i| format!("h-{}", i % 700 + 2)).collect();
    many.insert(600, "h-1".into());
    many.insert(10, "h-1".into());
    assert_eq!(store.erased_links(&many).await.unwrap(), ["h-1"]);
}

async fn many_audit_entries_chain_in_one_change(store: Arc<dyn Store>) {
    let customer = new_customer("B1 1AA");
    insert(&store, &customer, &[link("libraries", "L-1", 1)], &["k"]).await;
    let mut change = Change::default();
    for i in 0..250 {
        change.audit.push(AuditEntry {
            at: at(10 + i),
            caller: "import:libraries".into(),
            role: Role::Department,
            operation: "submit_record".into(),
            customer_id: Some(customer.id.clone()),
            purpose: None,
        });
    }
    store.apply(change).await.unwrap();
    let head = store.audit_head().await.unwrap();
    assert_eq!(head.entries, 250);
    let verification = scr_hub::hub::verify_audit_log(store.as_ref())
        .await
        .unwrap();
    assert!(verification.intact(), "{verification:?}");
    assert_eq!(verification.checked, 250);
}
