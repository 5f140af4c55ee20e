//! A store whose blocking keys were made by an older scheme is re-keyed from
//! its links' matching forms when it opens.

use crate::RawSql;
use chrono::{TimeZone, Utc};
use scr_hub::matching::{Subject, SubjectInput, blocking, phonetic};
use scr_hub::record::*;
use scr_hub::store::{Change, MatchIndex, Op, Store};
use std::sync::Arc;

crate::conformance_with_sql!(old_keys_are_remade_when_the_store_opens);

fn robert() -> Subject {
    Subject::new(&SubjectInput {
        given: "Robert",
        family: "Okafor",
        dob: "1984-06-02",
        address_lines: vec!["14 Harborne Road"],
        town: "Birmingham",
        postcode: "B15 3DH",
        ..Default::default()
    })
}

/// A customer with one link whose keys are `keys`, whatever its form says.
async fn insert(store: &Arc<dyn Store>, local_id: &str, subject: &Subject, keys: &[&str]) {
    let at = Utc.timestamp_opt(1_750_000_000, 0).unwrap();
    let person = Person {
        name: PersonName::parse("Robert", "", "Okafor").unwrap(),
        date_of_birth: BirthDate::from_stored(chrono::NaiveDate::from_ymd_opt(1984, 6, 2).unwrap()),
        gender: Gender::Male,
        address: Address::parse(&["14 Harborne Road".into()], "Birmingham", "B15 3DH", "").unwrap(),
    };
    let customer = Customer {
        id: CustomerId::generate(),
        person: person.clone(),
        previous_addresses: vec![],
        links: vec![],
        version: 1,
        created_at: at,
        updated_at: at,
        merged_into: None,
        flags: Default::default(),
    };
    let link = Link {
        system: SystemCode::parse("libraries").unwrap(),
        local_id: LocalId::parse(local_id).unwrap(),
        linked_at: at,
        method: "matched".into(),
        confidence: 1.0,
    };
    let mut change = Change::default();
    change.ops.push(Op::InsertCustomer {
        customer: customer.clone(),
    });
    change.ops.push(Op::InsertLink {
        customer_id: customer.id.clone(),
        record: DepartmentalRecord {
            system: link.system.clone(),
            local_id: link.local_id.clone(),
            person,
        },
        link,
        matching: MatchIndex {
            normalised: subject.to_stored(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
        },
    });
    store.apply(change).await.unwrap();
}

async fn held(store: &Arc<dyn Store>, keys: &[String]) -> Vec<i64> {
    let members = store.key_members(keys, 200).await.unwrap();
    keys.iter()
        .map(|k| members.counts.get(k).copied().unwrap_or(0))
        .collect()
}

async fn old_keys_are_remade_when_the_store_opens(store: Arc<dyn Store>, sql: RawSql) {
    let subject = robert();
    let new = blocking::keys(&subject);
    // Keys of the first scheme: each name sound alone with the birth year.
    let old = vec![
        format!("ny:{}|1984", phonetic::code("okafor")),
        format!("ny:{}|1984", phonetic::code("robert")),
    ];
    assert!(old.iter().all(|k| !new.contains(k)), "{new:?}");
    let old_refs: Vec<&str> = old.iter().map(String::as_str).collect();
    insert(&store, "L1", &subject, &old_refs).await;
    // A record in no matching form (the earlier exact matcher's) keeps none.
    insert(&store, "L2", &Subject::default(), &["x:l2"]).await;
    sql.run("UPDATE key_scheme SET version = 1").await;
    drop(store);

    let store = scr_hub::store::open(
        &sql.0,
        std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
    )
    .await
    .unwrap();
    assert_eq!(held(&store, &new).await, vec![1; new.len()], "{new:?}");
    assert_eq!(held(&store, &old).await, vec![0; old.len()]);
    assert_eq!(held(&store, &["x:l2".to_owned()]).await, [0]);

    // The scheme is recorded: opening again leaves the keys alone.
    sql.run(
        "INSERT INTO link_keys (match_key, system, local_id) VALUES ('x:kept', 'libraries', 'L1')",
    )
    .await;
    drop(store);
    let store = scr_hub::store::open(
        &sql.0,
        std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
    )
    .await
    .unwrap();
    assert_eq!(held(&store, &["x:kept".to_owned()]).await, [1]);
    assert_eq!(held(&store, &new).await, vec![1; new.len()]);
}
