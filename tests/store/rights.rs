//! Store conformance for the subject-rights features: objections, the
//! retention run (through the hub, on a fixed clock) and the equalities
//! counts.

use chrono::{DateTime, Duration, TimeZone, Utc};
use scr_hub::auth::{Caller, Role};
use scr_hub::clock::FixedClock;
use scr_hub::hub::{Hub, SubmitRecord};
use scr_hub::record::*;
use scr_hub::store::{Change, Op, Store};
use std::sync::Arc;

crate::conformance!(
    objections_round_trip,
    retention_disposes_of_the_inactive_except_under_a_hold,
    equalities_counts_only_current_customers,
);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

fn caller(name: &str, role: Role, system: Option<&str>) -> Caller {
    Caller::new(
        name.into(),
        role,
        system.map(|s| SystemCode::parse(s).unwrap()),
    )
    .unwrap()
}

fn record(
    system: &str,
    local_id: &str,
    given: &str,
    family: &str,
    dob: &str,
    gender: Gender,
) -> DepartmentalRecord {
    DepartmentalRecord {
        system: SystemCode::parse(system).unwrap(),
        local_id: LocalId::parse(local_id).unwrap(),
        person: Person {
            name: PersonName::parse(given, "", family).unwrap(),
            date_of_birth: BirthDate::from_stored(
                chrono::NaiveDate::parse_from_str(dob, "%Y-%m-%d").unwrap(),
            ),
            gender,
            address: Address::parse(
                &[format!("{} {family} Road", local_id.len())],
                "Birmingham",
                "B15 3DH",
                "",
            )
            .unwrap(),
        },
    }
}

async fn submit(hub: &Hub, r: DepartmentalRecord) -> CustomerId {
    let system = r.system.as_str().to_owned();
    hub.submit_record(
        &caller(&system, Role::Department, Some(&system)),
        SubmitRecord {
            record: r,
            request_id: None,
            minor_basis: None,
        },
    )
    .await
    .unwrap()
    .customer_id
}

fn hub_at(store: &Arc<dyn Store>, at: DateTime<Utc>) -> Hub {
    Hub::new(store.clone(), Arc::new(FixedClock(at)), Vec::new())
}

async fn objections_round_trip(store: Arc<dyn Store>) {
    let hub = hub_at(&store, t0());
    let id = submit(
        &hub,
        record(
            "libraries",
            "L1",
            "Ada",
            "Lovelace",
            "1980-01-01",
            Gender::Female,
        ),
    )
    .await;
    let objection = Objection {
        customer_id: id.clone(),
        scope: ObjectionScope::AddressSharing,
        grounds: "personal safety".into(),
        recorded_by: "dpo".into(),
        at: t0(),
        withdrawn_at: None,
        withdrawn_by: None,
    };
    let mut change = Change::default();
    change.ops.push(Op::InsertObjection(objection.clone()));
    change.ops.push(Op::InsertObjection(Objection {
        scope: ObjectionScope::AllProcessing,
        ..objection.clone()
    }));
    store.apply(change).await.unwrap();
    assert_eq!(store.objections(&id).await.unwrap()[0], objection);
    let later = t0() + Duration::days(1);
    let mut change = Change::default();
    change.ops.push(Op::WithdrawObjections {
        customer_id: id.clone(),
        scope: ObjectionScope::AddressSharing,
        by: "dpo".into(),
        at: later,
    });
    store.apply(change).await.unwrap();
    let held = store.objections(&id).await.unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[0].withdrawn_at, Some(later));
    assert_eq!(held[0].withdrawn_by.as_deref(), Some("dpo"));
    assert!(held[1].active(), "only the scope named is withdrawn");
}

async fn retention_disposes_of_the_inactive_except_under_a_hold(store: Arc<dyn Store>) {
    let hub = hub_at(&store, t0());
    let idle = submit(
        &hub,
        record(
            "libraries",
            "L1",
            "Ada",
            "Lovelace",
            "1980-01-01",
            Gender::Female,
        ),
    )
    .await;
    let read = submit(
        &hub,
        record(
            "libraries",
            "L2",
            "Brendan",
            "Quayle",
            "1961-07-04",
            Gender::Male,
        ),
    )
    .await;
    let held = submit(
        &hub,
        record(
            "waste",
            "W3",
            "Cerys",
            "Pryce",
            "1990-11-23",
            Gender::Female,
        ),
    )
    .await;
    let dpo = caller("dpo", Role::Dpo, None);
    hub.set_legal_hold(&dpo, &held, Some("Inquiries Act notice 4"))
        .await
        .unwrap();
    // A read three years on is activity: the council still deals with them.
    let agent = caller("agent", Role::Agent, None);
    hub_at(&store, t0() + Duration::days(3 * 365))
        .get_customer(&agent, &read, "caller about council tax")
        .await
        .unwrap();
    let ids = store.customer_activity(None, 10).await.unwrap();
    assert_eq!(ids.len(), 3);
    let activity = ids.iter().find(|a| a.customer_id == read).unwrap();
    assert!(activity.last_audit_at.unwrap() > t0() + Duration::days(1000));
    assert_eq!(activity.last_link_at, Some(t0()));

    let later = hub_at(&store, t0() + Duration::days(6 * 365 + 3));
    let dry = later.run_retention(true).await.unwrap();
    assert_eq!(dry.reviewed, 3);
    assert_eq!(dry.disposed, std::slice::from_ref(&idle));
    assert_eq!(dry.held, std::slice::from_ref(&held));
    assert!(
        store.load_customer(&idle).await.unwrap().is_some(),
        "a dry run changes nothing"
    );

    let report = later.run_retention(false).await.unwrap();
    assert_eq!(report, dry);
    assert!(store.load_customer(&idle).await.unwrap().is_none());
    assert!(store.load_customer(&held).await.unwrap().is_some());
    assert!(store.load_customer(&read).await.unwrap().is_some());
    let hash = scr_hub::hub::link_hash(
        &SystemCode::parse("libraries").unwrap(),
        &LocalId::parse("L1").unwrap(),
    );
    assert_eq!(store.erased_link(&hash).await.unwrap(), Some(idle.clone()));
    let trail = store.access_records(&idle, 0, i64::MAX).await.unwrap();
    let last = &trail.last().unwrap().entry;
    assert_eq!(last.operation, "dispose_retention_elapsed");
    assert_eq!(last.purpose.as_deref(), Some("retention period elapsed"));
    let libraries = SystemCode::parse("libraries").unwrap();
    let events = store.events_for(&libraries, 0, 100).await.unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.customer_id == idle && e.event_type == "customer_erased")
    );
}

async fn equalities_counts_only_current_customers(store: Arc<dyn Store>) {
    let hub = hub_at(&store, t0());
    let a = submit(
        &hub,
        record(
            "libraries",
            "L1",
            "Ada",
            "Lovelace",
            "1980-01-01",
            Gender::Female,
        ),
    )
    .await;
    submit(
        &hub,
        record(
            "libraries",
            "L2",
            "Brendan",
            "Quayle",
            "1980-01-01",
            Gender::Male,
        ),
    )
    .await;
    let c = submit(
        &hub,
        record(
            "waste",
            "W3",
            "Cerys",
            "Pryce",
            "1980-01-01",
            Gender::Female,
        ),
    )
    .await;
    // The same Ada again, through waste: one customer, two systems.
    assert_eq!(
        submit(
            &hub,
            record(
                "waste",
                "W1",
                "Ada",
                "Lovelace",
                "1980-01-01",
                Gender::Female
            )
        )
        .await,
        a
    );
    let restricted = submit(
        &hub,
        record("waste", "W4", "Dai", "Rees", "1970-05-05", Gender::Male),
    )
    .await;
    let dpo = caller("dpo", Role::Dpo, None);
    hub.set_processing_restriction(&dpo, &restricted, true, "accuracy contested")
        .await
        .unwrap();
    let _ = c;
    let dob = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
    let rows = store.equalities_counts(false).await.unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.system.as_str(),
                r.gender.as_str(),
                r.date_of_birth,
                r.count,
            )
        })
        .collect();
    assert_eq!(got, [("", "female", dob, 2), ("", "male", dob, 1)]);
    let rows = store.equalities_counts(true).await.unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.system.as_str(), r.gender.as_str(), r.count))
        .collect();
    assert_eq!(
        got,
        [
            ("libraries", "female", 1),
            ("libraries", "male", 1),
            ("waste", "female", 2)
        ]
    );
}
