//! Search queries on synthetic UK people (`crate::synth`), as an agent
//! might type them (typos, nicknames, swapped order, UK dates, partial
//! postcodes), each with the person it should find. Deterministic for a
//! seed.

use super::SearchDoc;
use crate::matching::nicknames;
use crate::record::{Address, Person, PersonName};
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub use crate::synth::{SynthPerson, people, typo};

impl SynthPerson {
    pub fn search_doc(&self) -> SearchDoc {
        let previous: Vec<&Address> = self.previous_address.iter().collect();
        let other = self.earlier_family.as_ref().map(|f| Person {
            name: PersonName {
                given: self.person.name.given.clone(),
                middle: None,
                family: f.clone(),
            },
            ..self.person.clone()
        });
        let others: Vec<&Person> = other.iter().collect();
        SearchDoc::new(&self.id, &self.person, &previous, &others)
    }
}

/// A query as typed by an agent, and the index of the person it is for.
#[derive(Debug, Clone)]
pub struct SynthQuery {
    pub text: String,
    pub truth: usize,
}

fn uk_date(rng: &mut StdRng, d: NaiveDate) -> String {
    match rng.random_range(0..4) {
        0 => d.format("%d/%m/%Y").to_string(),
        1 => d.format("%-d %b %Y").to_string(),
        2 => d.format("%Y-%m-%d").to_string(),
        _ => d.format("%-d %B %Y").to_string(),
    }
}

/// `n` queries over `people`: every one has a name with at least one of a
/// typo, a nickname, swapped order or an earlier name, and a date of birth
/// and/or a (full or partial) postcode, as a caller would give them.
pub fn queries(people: &[SynthPerson], n: usize, seed: u64) -> Vec<SynthQuery> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let truth = rng.random_range(0..people.len());
            let p = &people[truth];
            let mut given = p.person.name.given.to_lowercase();
            let mut family = match &p.earlier_family {
                Some(earlier) if rng.random_bool(0.5) => earlier.to_lowercase(),
                _ => p.person.name.family.to_lowercase(),
            };
            let nicks = nicknames::nicknames_of(&given);
            let mut varied = false;
            if !nicks.is_empty() && rng.random_bool(0.4) {
                given = nicks[rng.random_range(0..nicks.len())].to_owned();
                varied = true;
            }
            if !varied || rng.random_bool(0.3) {
                if rng.random_bool(0.6) {
                    family = typo(&mut rng, &family);
                } else {
                    given = typo(&mut rng, &given);
                }
            }
            let name = if rng.random_bool(0.4) {
                format!("{family} {given}")
            } else {
                format!("{given} {family}")
            };
            let postcode = p.person.address.postcode.as_str();
            let dob = p.person.date_of_birth.date();
            let text = match rng.random_range(0..4) {
                0 | 1 => format!("{name} {}", uk_date(&mut rng, dob)),
                2 => format!("{name} {postcode}"),
                _ => format!(
                    "{name} {} {}",
                    p.person.address.postcode.outward(),
                    uk_date(&mut rng, dob)
                ),
            };
            SynthQuery { text, truth }
        })
        .collect()
}

/// Builds `index` from `people` with one writer of `threads` threads.
pub fn index_people(
    index: &super::SearchIndex,
    people: &[SynthPerson],
    threads: usize,
    memory_bytes: usize,
) -> crate::error::SetupResult<()> {
    let mut writer = index.writer(threads, memory_bytes)?;
    for p in people {
        index.upsert_new(&writer, &p.search_doc())?;
    }
    index.commit(&mut writer, 0)?;
    writer.wait_merging_threads()?;
    Ok(())
}

/// Where each query's person ranked (1-based; `None` when not in the top
/// `depth`), and how long each query took end to end (parse, search,
/// explain).
pub fn run_queries(
    index: &super::SearchIndex,
    people: &[SynthPerson],
    queries: &[SynthQuery],
    depth: usize,
) -> crate::error::SetupResult<(Vec<Option<usize>>, Vec<std::time::Duration>)> {
    let today = chrono::Utc::now().date_naive();
    let mut ranks = Vec::with_capacity(queries.len());
    let mut times = Vec::with_capacity(queries.len());
    for q in queries {
        let start = std::time::Instant::now();
        let mut parsed = super::ParsedQuery::default();
        parsed.add_free_text(&q.text, today);
        let hits = index.search(&parsed, 0, depth)?;
        let reasons: usize = hits
            .iter()
            .map(|h| super::explain::reasons(&h.doc, &parsed).len())
            .sum();
        times.push(start.elapsed());
        std::hint::black_box(reasons);
        let truth = people[q.truth].id.as_str();
        ranks.push(hits.iter().position(|h| h.doc.id == truth).map(|p| p + 1));
    }
    Ok((ranks, times))
}
