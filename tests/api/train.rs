//! train-weights over a hub's records: EM runs on blocked pairs and the
//! weights are stored for the next start-up.

use crate::helpers::*;
use scr_hub::matching::Weights;

#[tokio::test]
async fn trains_and_stores_weights_from_the_records_held() {
    let app = spawn_app().await;
    let mut client = app.records();
    let people = [
        ("Amelia", "Okafor", "1984-06-02"),
        ("Robert", "Jones", "1950-11-30"),
        ("Priya", "Shah", "1991-02-14"),
    ];
    for (i, (given, family, dob)) in people.iter().enumerate() {
        for (system, variant) in [("libraries", *given), ("waste", &given[..3])] {
            let mut r = record(system, &format!("{system}-{i}"));
            let name = r.name.as_mut().unwrap();
            name.given = variant.into();
            name.family = (*family).into();
            r.date_of_birth = (*dob).into();
            r.address.as_mut().unwrap().uprn = String::new();
            client
                .submit_record(authed(system, submit(r, "")))
                .await
                .unwrap();
        }
    }
    let url = format!("sqlite://{}", app.data_dir.path().join("scr.db").display());
    let store = scr_hub::store::open(
        &url,
        std::sync::Arc::new(scr_hub::audit::Keyring::generate()),
    )
    .await
    .unwrap();
    assert_eq!(store.latest_weights().await.unwrap(), None);
    // The value counts kept as records came agree with counting afresh.
    use scr_hub::matching::Field;
    let wanted: Vec<(Field, String)> = [
        (Field::Family, "okafor"),
        (Field::Family, "jones"),
        (Field::Given, "amelia"),
        (Field::Given, "ame"),
        (Field::Postcode, "B153DH"),
    ]
    .into_iter()
    .map(|(f, v)| (f, v.to_string()))
    .collect();
    let kept = store.value_counts(&wanted).await.unwrap();
    assert_eq!(kept.field(Field::Family).unwrap().counts["okafor"], 2);
    assert_eq!(kept.field(Field::Postcode).unwrap().counts["B153DH"], 6);
    let summary = scr_hub::hub::train_weights(store.as_ref(), chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(summary.records, 6);
    assert_eq!(store.value_counts(&wanted).await.unwrap(), kept);
    assert!(summary.pairs > 0);
    assert!(!summary.render().contains("Okafor"));
    let stored = store
        .latest_weights()
        .await
        .unwrap()
        .expect("weights saved");
    let weights = Weights::from_json(&stored).unwrap();
    let close = |a: &[Vec<f64>], b: &[Vec<f64>]| {
        a.iter()
            .flatten()
            .zip(b.iter().flatten())
            .all(|(x, y)| (x - y).abs() < 1e-9)
    };
    assert!(close(&weights.m, &summary.weights.m));
    assert!(close(&weights.u, &summary.weights.u));
    // Six records cannot overturn the defaults: agreement still counts for.
    for f in scr_hub::matching::Field::ALL {
        assert!(weights.weight(f, 0) > 0.0, "{f:?}");
    }
    app.stop().await;
}
