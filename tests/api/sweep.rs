//! The minors sweep over a real store with a fixed clock: a lapsed urgent
//! exception is disposed of (holders told), an 18th birthday lifts the
//! restriction, anything else is kept.

use chrono::{DateTime, Duration, Utc};
use scr_hub::auth::{Caller, Role};
use scr_hub::clock::FixedClock;
use scr_hub::hub::{Hub, SubmitRecord};
use scr_hub::policy::minors::BasisClaim;
use scr_hub::record::*;
use std::sync::Arc;

fn child(local_id: &str, born: &str) -> DepartmentalRecord {
    DepartmentalRecord {
        system: SystemCode::parse("housing").unwrap(),
        local_id: LocalId::parse(local_id).unwrap(),
        person: Person {
            name: PersonName::parse("Kit", "", "Marlowe").unwrap(),
            date_of_birth: BirthDate::from_stored(born.parse().unwrap()),
            gender: Gender::Other,
            address: Address::parse(&["2 Deptford Strand".into()], "London", "SE8 3JW", "")
                .unwrap(),
        },
    }
}

fn hub(store: &Arc<dyn scr_hub::store::Store>, at: DateTime<Utc>) -> Hub {
    Hub::new(store.clone(), Arc::new(FixedClock(at)), Vec::new())
}

#[tokio::test]
async fn the_sweep_disposes_of_lapsed_exceptions_and_lifts_at_eighteen() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("scr.db").display());
    let store = scr_hub::store::open(
        &url,
        std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
    )
    .await
    .unwrap();
    let t0: DateTime<Utc> = "2026-01-10T12:00:00Z".parse().unwrap();
    let housing = Caller::new(
        "housing".into(),
        Role::Department,
        Some(SystemCode::parse("housing").unwrap()),
    )
    .unwrap();
    let submit = |local_id: &str, born: &str, kind: BasisKind| SubmitRecord {
        record: child(local_id, born),
        request_id: None,
        minor_basis: Some(BasisClaim {
            kind,
            reference: "CASE-1".into(),
            expires_at: None,
        }),
    };
    let before = hub(&store, t0);
    let urgent = before
        .submit_record(
            &housing,
            submit("H1", "2014-05-01", BasisKind::UrgentMatter),
        )
        .await
        .unwrap()
        .customer_id;
    // Turns 18 on 2026-01-20 (UK).
    let nearly_adult = before
        .submit_record(
            &housing,
            submit("H2", "2008-01-20", BasisKind::TreatedAsAdult),
        )
        .await
        .unwrap()
        .customer_id;
    let consented = before
        .submit_record(
            &housing,
            submit("H3", "2012-03-03", BasisKind::ParentalConsent),
        )
        .await
        .unwrap()
        .customer_id;

    let nothing_yet = hub(&store, t0 + Duration::days(5))
        .sweep_minors()
        .await
        .unwrap();
    assert_eq!(nothing_yet.reviewed, 3);
    assert!(nothing_yet.disposed.is_empty() && nothing_yet.reached_adulthood.is_empty());

    let later = hub(&store, t0 + Duration::days(31))
        .sweep_minors()
        .await
        .unwrap();
    assert_eq!(later.disposed, std::slice::from_ref(&urgent));
    assert_eq!(later.reached_adulthood, std::slice::from_ref(&nearly_adult));
    assert!(store.load_customer(&urgent).await.unwrap().is_none());
    let adult = store.load_customer(&nearly_adult).await.unwrap().unwrap();
    assert!(!adult.flags.restricted());
    let kept = store.load_customer(&consented).await.unwrap().unwrap();
    assert!(kept.flags.restricted());
    let told = store.events_after(0, 100).await.unwrap();
    assert!(
        told.iter()
            .any(|e| e.customer_id == urgent && e.event_type == "customer_erased"),
        "the submitting system hears of the disposal"
    );
}
