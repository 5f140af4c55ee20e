//! Synthetic UK people for search tests and benchmarks: English given and
//! family names with rough frequencies, nicknames, a council's postcodes,
//! dates of birth, some maiden names and earlier addresses; and queries as
//! an agent might type them (typos, nicknames, swapped order, UK dates,
//! partial postcodes), each with the person it should find. Deterministic
//! for a seed.

use super::SearchDoc;
use crate::matching::nicknames;
use crate::record::{Address, BirthDate, CustomerId, Gender, Person, PersonName};
use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const FEMALE: &[&str] = &[
    "olivia",
    "amelia",
    "isla",
    "ava",
    "emily",
    "sophie",
    "grace",
    "mia",
    "poppy",
    "ella",
    "lily",
    "evie",
    "isabella",
    "jessica",
    "charlotte",
    "elizabeth",
    "margaret",
    "susan",
    "sarah",
    "patricia",
    "catherine",
    "katherine",
    "victoria",
    "rebecca",
    "rachel",
    "hannah",
    "laura",
    "emma",
    "lucy",
    "chloe",
    "megan",
    "amy",
    "jennifer",
    "helen",
    "karen",
    "linda",
    "barbara",
    "dorothy",
    "joan",
    "jean",
    "christine",
    "julie",
    "deborah",
    "alison",
    "nicola",
    "joanne",
    "claire",
    "samantha",
    "natalie",
    "zoe",
    "abigail",
    "eleanor",
    "florence",
    "alice",
    "ruby",
    "freya",
    "priya",
    "aisha",
    "fatima",
    "anne",
    "mary",
    "jane",
    "frances",
    "theresa",
    "josephine",
    "judith",
    "angela",
    "pamela",
    "sandra",
    "valerie",
];
const MALE: &[&str] = &[
    "oliver",
    "george",
    "harry",
    "noah",
    "jack",
    "charlie",
    "leo",
    "jacob",
    "freddie",
    "alfie",
    "james",
    "william",
    "thomas",
    "joshua",
    "daniel",
    "samuel",
    "joseph",
    "benjamin",
    "matthew",
    "david",
    "john",
    "michael",
    "robert",
    "richard",
    "peter",
    "paul",
    "mark",
    "andrew",
    "stephen",
    "christopher",
    "anthony",
    "kenneth",
    "edward",
    "ronald",
    "timothy",
    "gary",
    "steven",
    "jonathan",
    "nicholas",
    "alexander",
    "patrick",
    "raymond",
    "gerald",
    "frederick",
    "henry",
    "arthur",
    "albert",
    "alfred",
    "francis",
    "lawrence",
    "philip",
    "simon",
    "adam",
    "nathan",
    "ryan",
    "liam",
    "callum",
    "mohammed",
    "ahmed",
    "omar",
    "rajesh",
    "sanjay",
    "terence",
    "donald",
    "douglas",
    "graham",
    "keith",
    "trevor",
];
const FAMILY: &[&str] = &[
    "smith",
    "jones",
    "williams",
    "taylor",
    "brown",
    "davies",
    "evans",
    "wilson",
    "thomas",
    "johnson",
    "roberts",
    "robinson",
    "thompson",
    "wright",
    "walker",
    "white",
    "edwards",
    "hughes",
    "green",
    "hall",
    "lewis",
    "harris",
    "clarke",
    "patel",
    "jackson",
    "wood",
    "turner",
    "martin",
    "cooper",
    "hill",
    "ward",
    "morris",
    "moore",
    "clark",
    "lee",
    "king",
    "baker",
    "harrison",
    "morgan",
    "allen",
    "james",
    "scott",
    "phillips",
    "watson",
    "davis",
    "parker",
    "price",
    "bennett",
    "young",
    "griffiths",
    "mitchell",
    "kelly",
    "cook",
    "carter",
    "richardson",
    "bailey",
    "collins",
    "bell",
    "shaw",
    "murphy",
    "miller",
    "cox",
    "richards",
    "khan",
    "marshall",
    "anderson",
    "simpson",
    "ellis",
    "adams",
    "singh",
    "begum",
    "wilkinson",
    "foster",
    "chapman",
    "powell",
    "webb",
    "rogers",
    "gray",
    "mason",
    "ali",
    "hunt",
    "hussain",
    "campbell",
    "matthews",
    "owen",
    "palmer",
    "holmes",
    "mills",
    "barnes",
    "knight",
    "lloyd",
    "butler",
    "russell",
    "barker",
    "fisher",
    "stevens",
    "jenkins",
    "murray",
    "dixon",
    "harvey",
    "graham",
    "pearson",
    "ahmed",
    "fletcher",
    "walsh",
    "kaur",
    "gibson",
    "howard",
    "andrews",
    "stewart",
    "elliott",
    "reynolds",
    "saunders",
    "payne",
    "fox",
    "ford",
    "pearce",
    "day",
    "brooks",
    "west",
    "lawrence",
    "cole",
    "atkinson",
    "bradley",
    "spencer",
    "gill",
    "dawson",
    "ball",
    "burton",
    "obrien",
    "watts",
    "rose",
    "booth",
    "perry",
    "ryan",
    "grant",
    "wells",
    "armstrong",
    "francis",
    "rees",
    "hayes",
    "hart",
    "hudson",
    "newman",
    "barrett",
    "webster",
    "hunter",
    "gregory",
    "carr",
    "lowe",
    "page",
    "marsh",
    "riley",
    "dunn",
    "woods",
    "parsons",
    "berry",
    "stone",
    "reid",
    "holland",
    "hawkins",
    "harding",
    "porter",
    "robertson",
    "newton",
    "oliver",
    "reed",
    "kennedy",
    "williamson",
    "bird",
    "gardner",
    "shah",
    "dean",
    "lane",
    "cooke",
    "bates",
    "henderson",
    "parry",
    "burgess",
    "bishop",
    "walton",
    "burns",
    "nicholson",
    "shepherd",
    "ross",
    "cross",
    "long",
    "freeman",
    "warren",
    "nicholls",
    "hamilton",
    "byrne",
    "sutton",
    "mcdonald",
    "yates",
    "hodgson",
    "robson",
    "curtis",
    "hopkins",
    "oconnor",
    "harper",
    "coleman",
    "watkins",
    "moss",
    "mccarthy",
    "chambers",
    "okafor",
    "nowak",
    "kowalski",
    "mensah",
    "osei",
    "chowdhury",
    "rahman",
    "islam",
    "akhtar",
];
/// A long tail of rarer surnames, made of English place-name parts.
const STEMS: &[&str] = &[
    "ash", "brad", "brom", "cal", "dun", "el", "fair", "gold", "hal", "hather", "kings", "lang",
    "mar", "north", "oak", "pen", "rad", "shel", "south", "stan", "thorn", "wake", "west", "whit",
    "wood", "bur", "chad", "draw", "fen", "gar", "hol", "lock", "mel", "ned",
];
const ENDINGS: &[&str] = &[
    "worth", "ford", "ley", "ton", "by", "ham", "field", "well", "wood", "more", "dale", "bury",
    "combe", "stead", "wick", "shaw", "croft", "hurst", "land", "thorpe",
];
const STREETS: &[&str] = &[
    "harborne",
    "church",
    "station",
    "victoria",
    "park",
    "high",
    "london",
    "mill",
    "school",
    "queens",
    "kings",
    "albert",
    "grange",
    "manor",
    "chapel",
    "west",
    "north",
    "elm",
    "oak",
    "beech",
    "willow",
    "meadow",
    "bristol",
    "pershore",
    "hagley",
    "stratford",
    "coventry",
    "warwick",
    "alcester",
    "soho",
    "lozells",
    "moseley",
    "edgbaston",
    "selly",
    "bournville",
];
const STREET_TYPES: &[&str] = &[
    "Road", "Street", "Avenue", "Close", "Lane", "Drive", "Grove", "Way",
];
const UNIT_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
const OTHER_AREAS: &[&str] = &["CV", "WS", "WV", "DY", "LS", "M", "L", "S", "NG", "LE"];

/// One generated person with what the index is built from.
#[derive(Debug, Clone)]
pub struct SynthPerson {
    pub id: CustomerId,
    pub person: Person,
    /// A maiden name another department still holds.
    pub earlier_family: Option<String>,
    pub previous_address: Option<Address>,
}

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

/// `n` people from `seed`.
pub fn people(n: usize, seed: u64) -> Vec<SynthPerson> {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = NaiveDate::from_ymd_opt(1930, 1, 1).expect("valid date");
    (0..n)
        .map(|_| {
            let female = rng.random_bool(0.5);
            let given = zipf(&mut rng, if female { FEMALE } else { MALE });
            let middle = rng
                .random_bool(0.4)
                .then(|| title(zipf(&mut rng, if female { FEMALE } else { MALE })));
            let family = family_name(&mut rng);
            let dob = start + chrono::Duration::days(rng.random_range(0..365 * 77));
            let earlier_family =
                (female && rng.random_bool(0.15)).then(|| title(&family_name(&mut rng)));
            let previous_address = rng.random_bool(0.3).then(|| address(&mut rng));
            let id_bytes: [u8; 16] = rng.random();
            SynthPerson {
                id: CustomerId::parse(
                    &uuid::Builder::from_random_bytes(id_bytes)
                        .into_uuid()
                        .to_string(),
                )
                .expect("uuid"),
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
) -> anyhow::Result<()> {
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
) -> anyhow::Result<(Vec<Option<usize>>, Vec<std::time::Duration>)> {
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
