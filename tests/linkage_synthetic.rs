//! Record linkage on synthetic UK departmental records (`scr_hub::synth`):
//! 5,000 people held by several of eight systems, keyed with realistic
//! noise, among them 200 pairs of twins and 200 of a parent and child
//! sharing a name; and 3,000 people of a generated city (households,
//! flats, moves, maiden names, Mohammed and his son Mohammed). Records go
//! through the hub's `Linker` one at a time, exactly as `scr-hub
//! evaluate` runs FEBRL.

use scr_hub::evaluate::{city, simulate, synthetic};
use scr_hub::hub::linkage::Linker;

#[test]
fn links_departmental_views_and_never_links_kin() {
    let s = synthetic::generate(5_000, synthetic::SEED);
    let run = simulate(&s.records, &Linker::default()).unwrap();
    let (p, r) = (run.auto.precision(), run.auto.recall());
    println!("synthetic auto: P {p:.4} R {r:.4} F1 {:.4}", run.auto.f1());
    // A wrong link shows one citizen another's data.
    assert!(p >= 0.995, "precision {p:.4}");
    // Measured 0.94 with the default weights (an initial, or a nickname two
    // names share, at one birthday and home goes to a steward: it may be
    // either twin); a floor, not a target.
    assert!(r >= 0.93, "recall {r:.4}");
    // No parent and child. A twin whose given name is the other's middle
    // name (or a nickname both names share), arriving before the hub has
    // met the other twin, reads as the one person known by that name, the
    // commoner story: 4 of these 200 pairs when last measured.
    let (twins, parent_child) = synthetic::kin_linked(&s, &run.customer_of);
    println!("synthetic kin linked: twins {twins}");
    assert_eq!(parent_child, 0);
    assert!(twins <= 5, "twins {twins}");
    // The steward's queue catches nearly all of the rest.
    assert!(run.with_review.recall() >= 0.99);
}

#[test]
fn links_a_citys_records_and_never_links_its_kin() {
    let (s, shape) = city::generate(3_000, city::SEED);
    assert!(shape.twins > 0 && shape.parent_child > 0, "{shape}");
    let run = simulate(&s.records, &Linker::default()).unwrap();
    let (p, r) = (run.auto.precision(), run.auto.recall());
    println!(
        "city auto: P {p:.4} R {r:.4} F1 {:.4}; {} review tasks for {} records; with review R {:.4}",
        run.auto.f1(),
        run.review_tasks,
        run.records,
        run.with_review.recall()
    );
    // Floors, not targets: the default weights measured P 0.9954, R 0.9533
    // (with review R 0.9977) when this test was written, and P 0.9892,
    // R 0.9184 (0.9976) with main's engine and larger nickname table of
    // that day (the generator draws its nicknames from the engine's
    // table, so the city changes with it). A city is harder than the
    // plain synthetic people above.
    assert!(p >= 0.985, "precision {p:.4}");
    assert!(r >= 0.91, "recall {r:.4}");
    assert!(run.with_review.recall() >= 0.99);
    // No parent and child who share a name are merged. Twins are not yet
    // asserted: one pair here is linked when a clerk keyed the house next
    // door (5 for 6), which the twins rule does not take for one home.
    let (twins, parent_child) = synthetic::kin_linked(&s, &run.customer_of);
    println!("city kin linked: twins {twins} of {}", shape.twins);
    assert_eq!(parent_child, 0);
}
