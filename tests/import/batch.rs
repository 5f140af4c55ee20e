//! `Hub::submit_records` (what the import uses) against `submit_record` one
//! by one: the same decisions on the same rows, on both stores; records of
//! one person within one batch become one customer; refused rows in a batch
//! leave no trace and do not stop the others.

use crate::{both_stores, hub};
use rand::SeedableRng;
use rand::rngs::StdRng;
use scr_hub::auth::{Caller, Role};
use scr_hub::hub::{SubmitOutcome, SubmitRecord};
use scr_hub::record::{BirthDate, DepartmentalRecord, LocalId, Person, SystemCode};
use scr_hub::store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

both_stores!(
    batches_decide_as_one_by_one,
    refused_rows_leave_the_batch_whole
);

fn caller(system: &str) -> Caller {
    Caller::new(
        format!("test:{system}"),
        Role::Department,
        Some(SystemCode::parse(system).unwrap()),
    )
    .unwrap()
}

fn record(system: &str, local_id: &str, person: &Person) -> DepartmentalRecord {
    DepartmentalRecord {
        system: SystemCode::parse(system).unwrap(),
        local_id: LocalId::parse(local_id).unwrap(),
        person: person.clone(),
    }
}

/// Two systems' rows, each system's in order: every person once in
/// libraries, some twice (a second ID, sometimes with a slip) right after
/// the first, some again later under the same ID at a new address, and
/// some in waste with a maiden name or an old address.
fn workload() -> Vec<(&'static str, Vec<SubmitRecord>)> {
    let people = scr_hub::search::synth::people(120, 5);
    let mut rng = StdRng::seed_from_u64(9);
    let mut libraries = Vec::new();
    let mut waste = Vec::new();
    for (i, p) in people.iter().enumerate() {
        libraries.push(record("libraries", &format!("L{i}"), &p.person));
        if i % 3 == 0 {
            let mut copy = p.person.clone();
            if i % 2 == 0 {
                copy.name.given = scr_hub::search::synth::typo(&mut rng, &copy.name.given);
            }
            libraries.push(record("libraries", &format!("L{i}b"), &copy));
        }
        if i % 7 == 3
            && let Some(old) = &p.previous_address
        {
            let mut moved = p.person.clone();
            moved.address = old.clone();
            libraries.push(record("libraries", &format!("L{}", i / 2), &moved));
        }
        if i % 2 == 1 {
            let mut copy = p.person.clone();
            if let Some(earlier) = &p.earlier_family {
                copy.name.family = earlier.clone();
            } else if let Some(old) = &p.previous_address {
                copy.address = old.clone();
            }
            waste.push(record("waste", &format!("W{i}"), &copy));
        }
    }
    let commands = |records: Vec<DepartmentalRecord>, prefix: &str| {
        records
            .into_iter()
            .enumerate()
            .map(|(k, record)| SubmitRecord {
                record,
                request_id: Some(format!("{prefix}-{k}")),
                minor_basis: None,
            })
            .collect()
    };
    vec![
        ("libraries", commands(libraries, "lib")),
        ("waste", commands(waste, "waste")),
    ]
}

/// Each row's outcome and review-task count, and who is with whom.
type Decisions = (
    Vec<(SubmitOutcome, usize)>,
    BTreeSet<BTreeSet<(String, String)>>,
);

async fn decisions(
    store: &Arc<dyn Store>,
    answers: Vec<(SubmitOutcome, usize)>,
    rows: &[(&str, Vec<SubmitRecord>)],
) -> Decisions {
    let mut groups: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for (_, cmds) in rows {
        for cmd in cmds {
            let linked = store
                .find_link(&cmd.record.system, &cmd.record.local_id)
                .await
                .unwrap()
                .expect("every row linked");
            groups
                .entry(linked.customer_id.as_str().to_owned())
                .or_default()
                .insert((
                    cmd.record.system.as_str().to_owned(),
                    cmd.record.local_id.as_str().to_owned(),
                ));
        }
    }
    (answers, groups.into_values().collect())
}

async fn batches_decide_as_one_by_one(pg: bool) {
    let rows = workload();
    let dir = tempfile::tempdir().unwrap();
    let Some((single, single_store)) = hub(dir.path(), pg).await else {
        return;
    };
    let mut answers = Vec::new();
    for (system, cmds) in &rows {
        for cmd in cmds {
            let r = single.submit_record(&caller(system), cmd.clone()).await;
            let r = r.unwrap();
            answers.push((r.outcome, r.review_task_ids.len()));
        }
    }
    let one_by_one = decisions(&single_store, answers, &rows).await;

    let dir = tempfile::tempdir().unwrap();
    let (batched, batched_store) = hub(dir.path(), pg).await.unwrap();
    let mut answers = Vec::new();
    for (system, cmds) in &rows {
        for batch in cmds.chunks(64) {
            for r in batched
                .submit_records(&caller(system), batch.to_vec())
                .await
                .unwrap()
            {
                let r = r.unwrap();
                answers.push((r.outcome, r.review_task_ids.len()));
            }
        }
    }
    let in_batches = decisions(&batched_store, answers, &rows).await;
    assert_eq!(one_by_one.0, in_batches.0, "outcomes differ");
    assert_eq!(one_by_one.1, in_batches.1, "customers differ");
    let outcomes = &in_batches.0;
    for kind in [
        SubmitOutcome::Linked,
        SubmitOutcome::NewCustomer,
        SubmitOutcome::Updated,
    ] {
        assert!(outcomes.iter().any(|(o, _)| *o == kind), "no {kind:?} rows");
    }
    // A second ID of one person, submitted right after the first (same
    // batch), joined the customer the first made.
    let pairs = in_batches
        .1
        .iter()
        .filter(|g| g.contains(&("libraries".into(), "L0".into())))
        .count();
    assert_eq!(pairs, 1);
    assert!(in_batches.1.iter().any(|g| {
        g.contains(&("libraries".into(), "L0".into()))
            && g.contains(&("libraries".into(), "L0b".into()))
    }));
    // Resubmitting the batch replays its answers and links nothing twice.
    let (system, cmds) = &rows[0];
    let replayed = batched
        .submit_records(&caller(system), cmds[..64].to_vec())
        .await
        .unwrap();
    assert!(replayed.iter().all(|r| r.is_ok()));
    let again = decisions(&batched_store, in_batches.0.clone(), &rows).await;
    assert_eq!(again.1, in_batches.1);
    let verification = scr_hub::hub::verify_audit_log(batched_store.as_ref())
        .await
        .unwrap();
    assert!(verification.intact(), "{verification:?}");
    assert_eq!(verification.checked as usize, in_batches.0.len());
}

async fn refused_rows_leave_the_batch_whole(pg: bool) {
    let dir = tempfile::tempdir().unwrap();
    let Some((hub, store)) = hub(dir.path(), pg).await else {
        return;
    };
    let people = scr_hub::search::synth::people(3, 8);
    let mut minor = people[1].person.clone();
    minor.date_of_birth =
        BirthDate::from_stored(chrono::NaiveDate::from_ymd_opt(2016, 4, 1).unwrap());
    let cmd = |record: DepartmentalRecord| SubmitRecord {
        record,
        request_id: None,
        minor_basis: None,
    };
    let answers = hub
        .submit_records(
            &caller("libraries"),
            vec![
                cmd(record("libraries", "A1", &people[0].person)),
                cmd(record("libraries", "M1", &minor)),
                // Not this caller's system: refused.
                cmd(record("waste", "W1", &people[2].person)),
                cmd(record("libraries", "A2", &people[0].person)),
            ],
        )
        .await
        .unwrap();
    assert_eq!(answers.len(), 4);
    let first = answers[0].as_ref().unwrap();
    assert_eq!(first.outcome, SubmitOutcome::NewCustomer);
    assert!(matches!(
        &answers[1],
        Err(scr_hub::error::Error::FailedPrecondition { reason, .. }) if reason.starts_with("MINOR")
    ));
    assert!(matches!(
        &answers[2],
        Err(scr_hub::error::Error::PermissionDenied(_))
    ));
    let second = answers[3].as_ref().unwrap();
    assert_eq!(second.outcome, SubmitOutcome::Linked);
    assert_eq!(second.customer_id, first.customer_id);
    for (system, id) in [("libraries", "M1"), ("waste", "W1")] {
        let found = store
            .find_link(
                &SystemCode::parse(system).unwrap(),
                &LocalId::parse(id).unwrap(),
            )
            .await
            .unwrap();
        assert!(found.is_none(), "{system}/{id} was written");
    }
    // Two audit entries (the two written rows), nothing of the refused.
    assert_eq!(store.audit_head().await.unwrap().entries, 2);
}
