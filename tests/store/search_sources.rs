//! The search indexer's bulk read gives the same documents as reading
//! customer by customer, through merges, erasure, restrictions, several
//! links and address history, by ID list and by keyset page.

use chrono::{DateTime, TimeZone, Utc};
use scr_hub::record::*;
use scr_hub::search::SearchDoc;
use scr_hub::search::indexer::doc_of;
use scr_hub::store::{Change, CustomerPage, MatchIndex, Op, Store, StoreResult};
use std::collections::HashMap;
use std::sync::Arc;

crate::conformance!(search_sources_match_the_per_customer_documents);

fn at(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_750_000_000 + secs, 0).unwrap()
}

fn person(given: &str, family: &str, line: &str, postcode: &str) -> Person {
    Person {
        name: PersonName::parse(given, "", family).unwrap(),
        date_of_birth: BirthDate::from_stored(chrono::NaiveDate::from_ymd_opt(1981, 4, 9).unwrap()),
        gender: Gender::Female,
        address: Address::parse(&[line.into()], "Birmingham", postcode, "").unwrap(),
    }
}

fn customer(p: Person, flags: Flags) -> Customer {
    Customer::new(CustomerId::generate(), p, flags, at(0))
}

/// Links `records` to the customer, the first linked first.
fn link_ops(change: &mut Change, id: &CustomerId, records: &[(&str, &str, Person)]) {
    for (n, (system, local_id, p)) in records.iter().enumerate() {
        let record = DepartmentalRecord {
            system: SystemCode::parse(system).unwrap(),
            local_id: LocalId::parse(local_id).unwrap(),
            person: p.clone(),
        };
        change.ops.push(Op::InsertLink {
            customer_id: id.clone(),
            link: Link {
                system: record.system.clone(),
                local_id: record.local_id.clone(),
                linked_at: at(10 - n as i64),
                method: "exact".into(),
                // Needs all 17 digits to come back exactly.
                confidence: 1.0 / (n as f64 + 3.0),
            },
            record,
            matching: MatchIndex::default(),
        });
    }
}

fn earlier(line: &str, postcode: &str, secs: i64) -> PreviousAddress {
    PreviousAddress {
        address: Address::parse(&[line.into()], "Birmingham", postcode, "").unwrap(),
        until: at(secs),
    }
}

async fn search_sources_match_the_per_customer_documents(store: Arc<dyn Store>) {
    let amelia = person("Amelia", "Okafor", "14 Harborne Road", "B15 3DH");
    let maiden = person("Amelia", "Smith", "2 Mill Lane", "B30 2AB");
    let moved = person("Amy", "Okafor", "9 Hagley Road", "B16 8TP");
    let plain = customer(amelia.clone(), Flags::default());
    let merged = customer(maiden.clone(), Flags::default());
    let minor = customer(
        person("Ada", "Jones", "1 High Street", "B1 1AA"),
        Flags {
            minor_basis: Some(MinorBasis {
                kind: BasisKind::UrgentMatter,
                reference: "CASE-1".into(),
                system: SystemCode::parse("housing").unwrap(),
                recorded_at: at(0),
                expires_at: None,
            }),
            ..Flags::default()
        },
    );
    let objector = customer(
        person("Ben", "Khan", "3 Bristol Road", "B29 6BD"),
        Flags {
            processing_restricted: true,
            ..Flags::default()
        },
    );
    let erased = customer(
        person("Cal", "Reed", "5 Pershore Road", "B5 7RL"),
        Flags::default(),
    );
    let unlinked = customer(
        person("Dee", "Ward", "8 Stratford Road", "B11 1AR"),
        Flags::default(),
    );

    let mut change = Change::default();
    for c in [&plain, &merged, &minor, &objector, &erased, &unlinked] {
        change.ops.push(Op::InsertCustomer {
            customer: c.clone(),
        });
    }
    // Same person (adds nothing), a maiden name, and an earlier address.
    link_ops(
        &mut change,
        &plain.id,
        &[
            ("council-tax", "CT-1", amelia.clone()),
            ("libraries", "L-1", maiden.clone()),
            ("waste", "W-1", moved.clone()),
        ],
    );
    change.ops.push(Op::AddPreviousAddresses {
        id: plain.id.clone(),
        addresses: vec![
            earlier("7 Bath Row", "B15 1NE", 100),
            earlier("22 Bull Street", "B4 6AF", 200),
        ],
    });
    link_ops(
        &mut change,
        &merged.id,
        &[("housing", "H-9", maiden.clone())],
    );
    link_ops(&mut change, &minor.id, &[("housing", "H-1", moved.clone())]);
    link_ops(
        &mut change,
        &objector.id,
        &[("waste", "W-2", objector.person.clone())],
    );
    link_ops(
        &mut change,
        &erased.id,
        &[("libraries", "L-2", erased.person.clone())],
    );
    change.ops.push(Op::MarkMerged {
        id: merged.id.clone(),
        into: plain.id.clone(),
        expected_version: 1,
        at: at(50),
    });
    store.apply(change).await.unwrap();
    let mut change = Change::default();
    change.ops.push(Op::EraseCustomer {
        id: erased.id.clone(),
        link_hashes: vec![],
        reason: "erasure request".into(),
        by: "dpo".into(),
        at: at(60),
    });
    store.apply(change).await.unwrap();

    let all = [&plain, &merged, &minor, &objector, &erased, &unlinked];
    let mut expected: HashMap<CustomerId, Option<SearchDoc>> = HashMap::new();
    for c in all {
        expected.insert(c.id.clone(), load_doc(store.as_ref(), &c.id).await.unwrap());
    }
    // What the old path gives, so the comparison is not vacuous.
    let doc = expected[&plain.id].as_ref().unwrap();
    assert_eq!(doc.earlier_family, vec!["smith".to_string()]);
    assert!(doc.previous_postcodes.contains(&"B46AF".to_string()));
    assert!(expected[&merged.id].is_none() && expected[&erased.id].is_none());
    assert!(expected[&minor.id].as_ref().unwrap().restricted);
    assert!(expected[&objector.id].as_ref().unwrap().restricted);
    assert!(!expected[&unlinked.id].as_ref().unwrap().restricted);

    // By ID list, in any order: the erased one is left out.
    let ids: Vec<CustomerId> = all.iter().rev().map(|c| c.id.clone()).collect();
    let sources = store.search_sources(CustomerPage::Ids(&ids)).await.unwrap();
    assert_eq!(sources.len(), 5);
    assert!(
        sources
            .windows(2)
            .all(|w| w[0].customer.id < w[1].customer.id)
    );
    for source in &sources {
        assert_eq!(doc_of(source), expected[&source.customer.id], "by id list");
        // The whole record, as the per-customer read gives it.
        let stored = store.load_customer(&source.customer.id).await.unwrap();
        assert_eq!(Some(&source.customer), stored.as_ref(), "by id list");
    }
    assert!(!sources.iter().any(|s| s.customer.id == erased.id));
    let linked = &sources
        .iter()
        .find(|s| s.customer.id == plain.id)
        .unwrap()
        .linked;
    assert_eq!(linked, &vec![moved.clone(), maiden.clone(), amelia.clone()]);

    // By keyset pages of two: every stored customer once, in ID order.
    let mut after: Option<CustomerId> = None;
    let mut seen = Vec::new();
    loop {
        let page = CustomerPage::After {
            after: after.as_ref(),
            until: None,
            limit: 2,
        };
        let sources = store.search_sources(page).await.unwrap();
        let Some(last) = sources.last() else { break };
        assert!(sources.len() <= 2);
        after = Some(last.customer.id.clone());
        for source in &sources {
            assert_eq!(doc_of(source), expected[&source.customer.id], "by page");
            seen.push(source.customer.id.clone());
        }
    }
    let stored = store.customer_ids_after(None, 100).await.unwrap();
    assert_eq!(seen, stored);
    assert_eq!(seen.len(), 5);
    // A slice ends where it is told to.
    let page = CustomerPage::After {
        after: Some(&seen[0]),
        until: Some(&seen[2]),
        limit: 10,
    };
    let slice: Vec<CustomerId> = store
        .search_sources(page)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.customer.id)
        .collect();
    assert_eq!(slice, seen[1..3]);
    assert!(
        store
            .search_sources(CustomerPage::Ids(&[]))
            .await
            .unwrap()
            .is_empty()
    );
}

/// One customer's search document read customer by customer (a load and a
/// link lookup per link): the reference `search_sources` + `doc_of` are
/// held to. `None` when it should not be found.
async fn load_doc(store: &dyn Store, id: &CustomerId) -> StoreResult<Option<SearchDoc>> {
    let Some(customer) = store.load_customer(id).await? else {
        return Ok(None);
    };
    if customer.merged_into.is_some() {
        return Ok(None);
    }
    let mut others: Vec<Person> = Vec::new();
    for link in &customer.links {
        if let Some(linked) = store.find_link(&link.system, &link.local_id).await?
            && linked.customer_id == customer.id
            && linked.record.person != customer.person
        {
            others.push(linked.record.person);
        }
    }
    let previous: Vec<&Address> = customer
        .previous_addresses
        .iter()
        .map(|p| &p.address)
        .collect();
    let others: Vec<&Person> = others.iter().collect();
    let mut doc = SearchDoc::new(&customer.id, &customer.person, &previous, &others);
    doc.restricted = !scr_hub::policy::view::open_to_all_staff(&customer.flags);
    Ok(Some(doc))
}
