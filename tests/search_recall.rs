//! Search recall on synthetic UK people: queries with typos, nicknames,
//! swapped names and earlier names, with a date of birth and/or a full or
//! partial postcode, must find the right person in the top 5 at least 98%
//! of the time.

use scr_hub::search::SearchIndex;
use scr_hub::search::synth;

#[test]
fn the_right_person_is_in_the_top_five() {
    let people = synth::people(5_000, 7);
    let queries = synth::queries(&people, 500, 11);
    let dir = tempfile::tempdir().unwrap();
    let index = SearchIndex::open(dir.path()).unwrap();
    synth::index_people(&index, &people, 1, 50_000_000).unwrap();
    assert_eq!(index.num_docs(), 5_000);
    let (ranks, _) = synth::run_queries(&index, &people, &queries, 5).unwrap();
    let found = ranks.iter().filter(|r| r.is_some()).count();
    let recall = found as f64 / queries.len() as f64;
    let missed: Vec<_> = ranks
        .iter()
        .zip(&queries)
        .filter(|(r, _)| r.is_none())
        .take(10)
        .map(|(_, q)| q.text.clone())
        .collect();
    assert!(
        recall >= 0.98,
        "top-5 recall {recall:.3}; missed e.g. {missed:?}"
    );
}
