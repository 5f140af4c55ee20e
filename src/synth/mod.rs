//! Synthetic UK people, deterministic for a seed: English given and family
//! names with rough frequencies, a council's postcodes, dates of birth, some
//! maiden names and earlier addresses. Search builds queries on them
//! (`search::synth`); record linkage builds departmental views with ground
//! truth and hard negatives (`views`); `city` makes a whole city's
//! households for tests and benchmarks at scale.

pub mod city;
mod names;
pub mod views;

use crate::record::{Address, BirthDate, CustomerId, Gender, Person, PersonName};
use chrono::NaiveDate;
use names::{
    ENDINGS, FAMILY, FEMALE, MALE, OTHER_AREAS, STEMS, STREET_TYPES, STREETS, UNIT_LETTERS,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One generated person.
#[derive(Debug, Clone)]
pub struct SynthPerson {
    pub id: CustomerId,
    pub person: Person,
    /// A maiden name another department still holds.
    pub earlier_family: Option<String>,
    pub previous_address: Option<Address>,
}

fn zipf<'a>(rng: &mut StdRng, items: &[&'a str]) -> &'a str {
    // Rank r is chosen with weight 1/(r+1)^0.8: a few very common names and a tail.
    let weights: f64 = (0..items.len())
        .map(|r| 1.0 / ((r + 1) as f64).powf(0.8))
        .sum();
    let mut x = rng.random::<f64>() * weights;
    for (r, item) in items.iter().enumerate() {
        x -= 1.0 / ((r + 1) as f64).powf(0.8);
        if x <= 0.0 {
            return item;
        }
    }
    items[items.len() - 1]
}

fn title(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn given_name(rng: &mut StdRng, female: bool) -> &'static str {
    zipf(rng, if female { FEMALE } else { MALE })
}

fn family_name(rng: &mut StdRng) -> String {
    if rng.random_bool(0.25) {
        let stem = STEMS[rng.random_range(0..STEMS.len())];
        let end = ENDINGS[rng.random_range(0..ENDINGS.len())];
        format!("{stem}{end}")
    } else {
        zipf(rng, FAMILY).to_owned()
    }
}

fn address(rng: &mut StdRng) -> Address {
    let (area, district) = if rng.random_bool(0.9) {
        ("B".to_owned(), rng.random_range(1..=76))
    } else {
        (
            OTHER_AREAS[rng.random_range(0..OTHER_AREAS.len())].to_owned(),
            rng.random_range(1..=30),
        )
    };
    let unit: String = (0..2)
        .map(|_| UNIT_LETTERS[rng.random_range(0..UNIT_LETTERS.len())] as char)
        .collect();
    let postcode = format!("{area}{district} {}{unit}", rng.random_range(0..10));
    let street = format!(
        "{} {} {}",
        rng.random_range(1..=250),
        title(STREETS[rng.random_range(0..STREETS.len())]),
        STREET_TYPES[rng.random_range(0..STREET_TYPES.len())]
    );
    Address::parse(&[street], "Birmingham", &postcode, "").expect("generated address is valid")
}

fn customer_id(rng: &mut StdRng) -> CustomerId {
    let id_bytes: [u8; 16] = rng.random();
    CustomerId::parse(
        &uuid::Builder::from_random_bytes(id_bytes)
            .into_uuid()
            .to_string(),
    )
    .expect("uuid")
}

/// `n` people from `seed`.
pub fn people(n: usize, seed: u64) -> Vec<SynthPerson> {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = NaiveDate::from_ymd_opt(1930, 1, 1).expect("valid date");
    (0..n)
        .map(|_| {
            let female = rng.random_bool(0.5);
            let given = given_name(&mut rng, female);
            let middle = rng
                .random_bool(0.4)
                .then(|| title(given_name(&mut rng, female)));
            let family = family_name(&mut rng);
            let dob = start + chrono::Duration::days(rng.random_range(0..365 * 77));
            let earlier_family =
                (female && rng.random_bool(0.15)).then(|| title(&family_name(&mut rng)));
            let previous_address = rng.random_bool(0.3).then(|| address(&mut rng));
            let id = customer_id(&mut rng);
            SynthPerson {
                id,
                person: Person {
                    name: PersonName {
                        given: title(given),
                        middle,
                        family: title(&family),
                    },
                    date_of_birth: BirthDate::from_stored(dob),
                    gender: if female { Gender::Female } else { Gender::Male },
                    address: address(&mut rng),
                },
                earlier_family,
                previous_address,
            }
        })
        .collect()
}

/// One keying slip: a letter substituted, dropped, doubled or two swapped.
pub fn typo(rng: &mut StdRng, word: &str) -> String {
    let mut c: Vec<char> = word.chars().collect();
    if c.len() < 4 {
        return word.to_owned();
    }
    let i = rng.random_range(1..c.len() - 1);
    match rng.random_range(0..4) {
        0 => c[i] = (b'a' + rng.random_range(0..26u8)) as char,
        1 => {
            c.remove(i);
        }
        2 => c.insert(i, c[i]),
        _ => c.swap(i, i + 1),
    }
    c.into_iter().collect()
}
