//! What every Store must do, whatever the database.

use chrono::{DateTime, Duration, TimeZone, Utc};
use scr_hub::auth::Role;
use scr_hub::record::*;
use scr_hub::store::{AuditEntry, Change, NewEvent, Op, RegisteredCaller, Store, StoreError};
use std::sync::Arc;

crate::conformance!(
    customer_round_trip,
    one_link_per_departmental_id,
    stale_version_conflicts_and_changes_nothing,
    update_keeps_address_history_and_rekeys,
    requests_are_remembered_once,
    outbox_sequence_increases,
    callers_register_list_revoke,
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

async fn insert(store: &Arc<dyn Store>, customer: &Customer, links: &[Link], keys: &[&str]) {
    let mut change = Change::default();
    change.ops.push(Op::InsertCustomer {
        customer: customer.clone(),
        match_keys: keys.iter().map(|k| k.to_string()).collect(),
    });
    for l in links {
        change.ops.push(Op::InsertLink {
            customer_id: customer.id.clone(),
            link: l.clone(),
            record: departmental(l, "B1 1AA"),
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
    assert_eq!(
        store
            .customers_with_keys(&["k2".into(), "nope".into()])
            .await
            .unwrap(),
        std::slice::from_ref(&customer.id)
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
        match_keys: vec![],
    });
    change.ops.push(Op::InsertLink {
        customer_id: second.id.clone(),
        link: l.clone(),
        record: departmental(&l, "B2 2BB"),
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
        match_keys: vec!["new".into()],
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

async fn update_keeps_address_history_and_rekeys(store: Arc<dyn Store>) {
    let customer = new_customer("B1 1AA");
    insert(&store, &customer, &[], &["old"]).await;
    let mut change = Change::default();
    change.ops.push(Op::UpdateCustomer {
        id: customer.id.clone(),
        expected_version: 1,
        person: person("B3 3DD"),
        match_keys: vec!["new".into()],
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
    assert!(
        store
            .customers_with_keys(&["old".into()])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .customers_with_keys(&["new".into()])
            .await
            .unwrap()
            .len(),
        1
    );
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
    store.insert_caller(&caller, "h1").await.unwrap();
    assert!(matches!(
        store.insert_caller(&caller, "h2").await,
        Err(StoreError::Conflict)
    ));
    let found = store.caller_by_token_hash("h1").await.unwrap().unwrap();
    assert_eq!(found.role, Role::Department);
    assert_eq!(store.list_callers().await.unwrap().len(), 1);

    assert!(
        store
            .revoke_caller("leisure", at(1) + Duration::seconds(1))
            .await
            .unwrap()
    );
    assert!(!store.revoke_caller("leisure", at(2)).await.unwrap());
    assert!(store.caller_by_token_hash("h1").await.unwrap().is_none());
    assert!(store.list_callers().await.unwrap().is_empty());
    // The name can be registered again with a new token.
    store.insert_caller(&caller, "h3").await.unwrap();
    assert!(store.caller_by_token_hash("h3").await.unwrap().is_some());
}
