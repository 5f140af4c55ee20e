//! Store conformance for value frequencies: count changes add up, a count
//! reaching zero goes (an erased rare name leaves nothing), and counting
//! afresh from the links agrees with the counts kept as they came.

use scr_hub::matching::{Field, Frequencies, Subject, SubjectInput, ValueDelta};
use scr_hub::store::{Change, Op, Store};
use std::sync::Arc;

crate::conformance!(counts_add_up_and_zeros_go,);

fn subject(given: &str, family: &str) -> Subject {
    Subject::new(&SubjectInput {
        given,
        family,
        address_lines: vec!["14 Harborne Road"],
        postcode: "B15 3DH",
        ..Default::default()
    })
}

async fn apply(store: &Arc<dyn Store>, deltas: Vec<ValueDelta>) {
    store
        .apply(Change {
            ops: vec![Op::CountValues(deltas)],
            ..Change::default()
        })
        .await
        .unwrap();
}

async fn counts_add_up_and_zeros_go(store: Arc<dyn Store>) {
    let smith = subject("John", "Smith");
    let rare = subject("Chidinma", "Okonkwo");
    for s in [&smith, &smith, &rare] {
        apply(&store, Frequencies::deltas(None, Some(s))).await;
    }
    let wanted = [
        (Field::Family, "smith".to_string()),
        (Field::Family, "okonkwo".to_string()),
        (Field::Given, "chidinma".to_string()),
    ];
    let f = store.value_counts(&wanted).await.unwrap();
    let family = f.field(Field::Family).unwrap();
    assert_eq!(family.counts["smith"], 2);
    assert_eq!(family.counts["okonkwo"], 1);
    assert_eq!(family.total, 3);
    assert_eq!(family.sum_squares, 5.0);
    let street = f.field(Field::Street).unwrap();
    assert_eq!(street.total, 3, "one street, counted thrice");
    assert_eq!(street.sum_squares, 9.0);

    // The rare person erased: their values leave no count behind.
    apply(&store, Frequencies::deltas(Some(&rare), None)).await;
    let f = store.value_counts(&wanted).await.unwrap();
    let family = f.field(Field::Family).unwrap();
    assert!(!family.counts.contains_key("okonkwo"));
    assert!(
        !f.field(Field::Given)
            .unwrap()
            .counts
            .contains_key("chidinma")
    );
    assert_eq!((family.total, family.sum_squares), (2, 4.0));
}
