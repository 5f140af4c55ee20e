//! Store conformance for the privacy features: flags, need-to-know grants
//! and the audit hash chain (tampering through SQL is detected).

use chrono::{DateTime, Duration, SubsecRound, TimeZone, Utc};
use scr_hub::auth::Role;
use scr_hub::hub::verify_audit_log;
use scr_hub::record::*;
use scr_hub::store::{AuditEntry, Change, Op, Store};
use std::sync::Arc;

crate::conformance!(
    flags_and_grants_round_trip,
    concurrent_appends_keep_one_chain,
    erasure_leaves_only_the_tombstone,
);
crate::conformance_with_sql!(
    audit_tampering_is_detected,
    audit_deletion_is_detected,
    audit_tail_deletion_is_detected,
    audit_rewrite_without_the_key_is_detected,
    a_log_from_before_audit_keys_is_sealed_once,
);

fn at(secs: i64) -> DateTime<Utc> {
    // Nanoseconds on purpose: both stores keep microseconds.
    Utc.timestamp_opt(1_750_000_000 + secs, 123_456_789)
        .unwrap()
}

fn customer(flags: Flags) -> Customer {
    Customer {
        id: CustomerId::generate(),
        person: Person {
            name: PersonName::parse("Ada", "", "Lovelace").unwrap(),
            date_of_birth: BirthDate::from_stored(
                chrono::NaiveDate::from_ymd_opt(2012, 12, 10).unwrap(),
            ),
            gender: Gender::Female,
            address: Address::parse(&["1 St James's Square".into()], "London", "SW1Y 4JH", "")
                .unwrap(),
        },
        previous_addresses: vec![],
        links: vec![],
        version: 1,
        created_at: at(0).trunc_subsecs(6),
        updated_at: at(0).trunc_subsecs(6),
        merged_into: None,
        flags,
    }
}

fn basis() -> MinorBasis {
    MinorBasis {
        kind: BasisKind::UrgentMatter,
        reference: "CASE-1".into(),
        system: SystemCode::parse("housing").unwrap(),
        recorded_at: at(0),
        expires_at: Some(at(86_400)),
    }
}

async fn flags_and_grants_round_trip(store: Arc<dyn Store>) {
    let restricted = customer(Flags {
        minor_basis: Some(basis()),
        ..Flags::default()
    });
    let plain = customer(Flags::default());
    let mut change = Change::default();
    for c in [&restricted, &plain] {
        change.ops.push(Op::InsertCustomer {
            customer: c.clone(),
        });
    }
    store.apply(change).await.unwrap();
    let loaded = store.load_customer(&restricted.id).await.unwrap().unwrap();
    assert_eq!(loaded.flags, restricted.flags);
    assert_eq!(
        store.restricted_customers().await.unwrap(),
        std::slice::from_ref(&restricted.id)
    );

    let flags = Flags {
        minor_basis: None,
        processing_restricted: true,
        legal_hold: Some(LegalHold {
            reference: "Inquiries Act 2005 s.21 notice 4".into(),
            placed_by: "dpo".into(),
            placed_at: at(5),
        }),
    };
    let mut change = Change::default();
    change.ops.push(Op::SetFlags {
        id: restricted.id.clone(),
        flags: flags.clone(),
    });
    store.apply(change).await.unwrap();
    let loaded = store.load_customer(&restricted.id).await.unwrap().unwrap();
    assert_eq!(loaded.flags, flags);
    assert!(store.restricted_customers().await.unwrap().is_empty());

    let grant = NeedToKnowGrant {
        customer_id: restricted.id.clone(),
        grantee: "agent".into(),
        reason: "referral".into(),
        granted_by: "dpo".into(),
        granted_at: at(1).trunc_subsecs(6),
        expires_at: (at(1) + Duration::days(1)).trunc_subsecs(6),
        revoked_at: None,
    };
    let mut change = Change::default();
    change.ops.push(Op::InsertGrant(grant.clone()));
    store.apply(change).await.unwrap();
    assert_eq!(
        store.need_to_know_grants(&restricted.id).await.unwrap(),
        std::slice::from_ref(&grant)
    );
    let mut change = Change::default();
    change.ops.push(Op::RevokeGrants {
        customer_id: restricted.id.clone(),
        grantee: "agent".into(),
        at: at(2).trunc_subsecs(6),
    });
    store.apply(change).await.unwrap();
    let grants = store.need_to_know_grants(&restricted.id).await.unwrap();
    assert_eq!(grants[0].revoked_at, Some(at(2).trunc_subsecs(6)));
    assert!(
        store
            .need_to_know_grants(&plain.id)
            .await
            .unwrap()
            .is_empty()
    );
}

fn entry(n: i64, customer: &CustomerId) -> AuditEntry {
    AuditEntry {
        at: at(n),
        caller: "agent".into(),
        role: Role::Agent,
        operation: "get_customer".into(),
        customer_id: Some(customer.clone()),
        purpose: Some(format!("call {n}")),
    }
}

/// Appends five entries (two in one change) and checks the chain.
async fn chained_log(store: &Arc<dyn Store>) -> CustomerId {
    let id = CustomerId::generate();
    for batch in [vec![1, 2], vec![3], vec![4], vec![5]] {
        let change = Change {
            audit: batch.into_iter().map(|n| entry(n, &id)).collect(),
            ..Change::default()
        };
        store.apply(change).await.unwrap();
    }
    let v = verify_audit_log(store.as_ref()).await.unwrap();
    assert!(v.intact(), "{v:?}");
    assert_eq!(v.checked, 5);
    let listed = store.access_records(&id, 0, i64::MAX).await.unwrap();
    assert_eq!(listed.len(), 5);
    assert_eq!(listed[2].entry.purpose.as_deref(), Some("call 3"));
    id
}

/// Tampering by SQL, as someone with database access might.
async fn audit_tampering_is_detected(store: Arc<dyn Store>, sql: crate::RawSql) {
    chained_log(&store).await;
    let seqs: Vec<i64> = store
        .audit_entries(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    sql.run(&format!(
        "UPDATE audit_log SET caller = 'someone else' WHERE seq = {}",
        seqs[1]
    ))
    .await;
    let v = verify_audit_log(store.as_ref()).await.unwrap();
    assert_eq!(v.problem.unwrap().seq, seqs[1], "an altered entry");
}

async fn audit_deletion_is_detected(store: Arc<dyn Store>, sql: crate::RawSql) {
    chained_log(&store).await;
    let seqs: Vec<i64> = store
        .audit_entries(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    sql.run(&format!("DELETE FROM audit_log WHERE seq = {}", seqs[2]))
        .await;
    let v = verify_audit_log(store.as_ref()).await.unwrap();
    assert_eq!(v.problem.unwrap().seq, seqs[3], "a deleted middle entry");
}

async fn audit_tail_deletion_is_detected(store: Arc<dyn Store>, sql: crate::RawSql) {
    chained_log(&store).await;
    sql.run("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
        .await;
    let v = verify_audit_log(store.as_ref()).await.unwrap();
    assert_eq!(v.problem.unwrap().seq, 0, "a deleted last entry");
}

/// Rewrites every entry from `from` (an index) as a plain SHA-256 chain
/// entry, as someone with database access but without the audit key
/// could, after `alter`ing the first; the head follows, unsealed when
/// `unseal`. This is also the form of a log written before audit keys.
async fn rewrite_plain(
    store: &Arc<dyn Store>,
    sql: &crate::RawSql,
    from: usize,
    alter: Option<&str>,
    unseal: bool,
) {
    let rows = store.audit_entries(0, 100).await.unwrap();
    let mut prev = if from == 0 {
        String::new()
    } else {
        rows[from - 1].hash.clone().unwrap()
    };
    for (i, row) in rows.iter().enumerate().skip(from) {
        let mut entry = row.entry.clone();
        if i == from
            && let Some(caller) = alter
        {
            entry.caller = caller.into();
        }
        let hash = scr_hub::audit::entry_hash(&prev, &entry);
        sql.run(&format!(
            "UPDATE audit_log SET caller = '{}', prev_hash = '{prev}', hash = '{hash}', \
             key_id = NULL WHERE seq = {}",
            entry.caller, row.seq
        ))
        .await;
        prev = hash;
    }
    sql.run(&format!(
        "UPDATE audit_head SET hash = '{prev}' WHERE id = 1"
    ))
    .await;
    if unseal {
        sql.run("UPDATE audit_head SET key_id = NULL, mac = NULL, keyed_from = 0 WHERE id = 1")
            .await;
    }
}

/// An entry altered and every later hash and the head recomputed, by
/// someone without the key: caught, and the chain is not extended from
/// the forged head (which would seal the rewrite).
async fn audit_rewrite_without_the_key_is_detected(store: Arc<dyn Store>, sql: crate::RawSql) {
    chained_log(&store).await;
    let seqs: Vec<i64> = store
        .audit_entries(0, 100)
        .await
        .unwrap()
        .iter()
        .map(|r| r.seq)
        .collect();
    rewrite_plain(&store, &sql, 1, Some("someone else"), false).await;
    let v = verify_audit_log(store.as_ref()).await.unwrap();
    assert_eq!(v.problem.as_ref().unwrap().seq, seqs[1], "{v:?}");
    let append = Change {
        audit: vec![entry(9, &CustomerId::generate())],
        ..Change::default()
    };
    assert!(
        store.apply(append).await.is_err(),
        "no append onto a forged head"
    );

    // The whole log rewritten in the form from before audit keys, head
    // unsealed: still not intact, and not extended either.
    rewrite_plain(&store, &sql, 0, None, true).await;
    let v = verify_audit_log(store.as_ref()).await.unwrap();
    assert!(!v.intact(), "{v:?}");
    let append = Change {
        audit: vec![entry(9, &CustomerId::generate())],
        ..Change::default()
    };
    assert!(store.apply(append).await.is_err());
}

/// A store upgraded from before audit keys: the service will not start on
/// it until the operator seals the log once, after which entries are keyed
/// and the older ones still verify where they stand.
async fn a_log_from_before_audit_keys_is_sealed_once(store: Arc<dyn Store>, sql: crate::RawSql) {
    chained_log(&store).await;
    rewrite_plain(&store, &sql, 0, None, true).await;
    let v = verify_audit_log(store.as_ref()).await.unwrap();
    assert!(v.unsealed && v.keyed == 0, "{v:?}");
    let hub = scr_hub::hub::Hub::new(
        store.clone(),
        Arc::new(scr_hub::clock::SystemClock),
        Vec::new(),
    );
    let refused = hub.note_audit_key().await.unwrap_err();
    assert!(
        refused.to_string().contains("scr-hub audit seal"),
        "{refused}"
    );

    let sealed = hub.seal_audit_log().await.unwrap();
    assert!(sealed.intact(), "{sealed:?}");
    assert_eq!((sealed.checked, sealed.keyed), (6, 1));
    hub.note_audit_key().await.unwrap();
    store
        .apply(Change {
            audit: vec![entry(7, &CustomerId::generate())],
            ..Change::default()
        })
        .await
        .unwrap();
    let v = verify_audit_log(store.as_ref()).await.unwrap();
    assert!(v.intact(), "{v:?}");
    assert_eq!((v.checked, v.keyed), (7, 2));
    assert!(hub.seal_audit_log().await.is_err(), "sealed once only");
}

/// Writers racing to append still form one unbroken chain.
async fn concurrent_appends_keep_one_chain(store: Arc<dyn Store>) {
    let id = CustomerId::generate();
    let writers: Vec<_> = (0..16)
        .map(|n| {
            let store = store.clone();
            let id = id.clone();
            tokio::spawn(async move {
                let change = Change {
                    audit: vec![entry(n, &id), entry(n + 100, &id)],
                    ..Change::default()
                };
                store.apply(change).await.unwrap();
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    let v = verify_audit_log(store.as_ref()).await.unwrap();
    assert!(v.intact(), "{v:?}");
    assert_eq!(v.checked, 32);
}

/// Erasing a survivor takes the customer merged into it too.
async fn erasure_leaves_only_the_tombstone(store: Arc<dyn Store>) {
    let survivor = customer(Flags::default());
    let merged = customer(Flags::default());
    let link = Link {
        system: SystemCode::parse("libraries").unwrap(),
        local_id: LocalId::parse("L-1").unwrap(),
        linked_at: at(0).trunc_subsecs(6),
        method: "new_customer".into(),
        confidence: 1.0,
    };
    let mut change = Change::default();
    for c in [&survivor, &merged] {
        change.ops.push(Op::InsertCustomer {
            customer: c.clone(),
        });
    }
    change.ops.push(Op::InsertLink {
        customer_id: survivor.id.clone(),
        link: link.clone(),
        record: DepartmentalRecord {
            system: link.system.clone(),
            local_id: link.local_id.clone(),
            person: survivor.person.clone(),
        },
        matching: scr_hub::store::MatchIndex {
            normalised: "{}".into(),
            keys: vec!["k".into()],
        },
    });
    change.ops.push(Op::MarkMerged {
        id: merged.id.clone(),
        into: survivor.id.clone(),
        expected_version: 1,
        at: at(1),
    });
    store.apply(change).await.unwrap();
    let mut change = Change::default();
    change.ops.push(Op::EraseCustomer {
        id: survivor.id.clone(),
        link_hashes: vec!["h-1".into()],
        reason: "erasure request".into(),
        by: "dpo".into(),
        at: at(2),
    });
    store.apply(change).await.unwrap();
    for id in [&survivor.id, &merged.id] {
        assert!(store.load_customer(id).await.unwrap().is_none());
    }
    assert!(
        store
            .find_link(&link.system, &link.local_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .key_members(&["k".into()], 10)
            .await
            .unwrap()
            .links
            .is_empty()
    );
    assert_eq!(
        store.erased_link("h-1").await.unwrap(),
        Some(survivor.id.clone())
    );
    assert_eq!(store.erased_link("h-2").await.unwrap(), None);
}
