//! The city's name tables, built once from `given.txt` and `surnames.txt`
//! plus a procedural tail of rarer family names. Every name is a number
//! (its index in one word list), so a resident costs a few bytes whatever
//! the population's size, and frequencies are cumulative tables sampled by
//! binary search.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::LazyLock;

/// A name: its index in [`Tables::word`]'s list.
pub type Name = u32;

/// Birth years the given-name tables cover; later and earlier years use
/// the nearest.
pub const FIRST_YEAR: i32 = 1920;
pub const LAST_YEAR: i32 = 2008;

/// How far (in years) a naming fashion reaches from its era's centre.
const FASHION_SPREAD: f64 = 9.0;

/// Weight of a timeless ("any") block beside a block at its centre.
const TIMELESS: f64 = 0.35;

const GIVEN: &str = include_str!("given.txt");
const SURNAMES: &str = include_str!("surnames.txt");

/// Stems and endings of the British tail: English place-name parts, as
/// most rarer English surnames are (Ashworth, Bramley, Thornbury).
const STEMS: &[&str] = &[
    "ash", "brad", "brom", "cal", "dun", "el", "fair", "gold", "hal", "hather", "kings", "lang",
    "mar", "north", "oak", "pen", "rad", "shel", "south", "stan", "thorn", "wake", "west", "whit",
    "wood", "bur", "chad", "draw", "fen", "gar", "hol", "lock", "mel", "ned", "ald", "bar", "bick",
    "black", "bram", "brent", "brook", "cars", "chel", "clif", "cor", "cot", "crom", "dal", "dar",
    "ed", "elm", "ever", "farn", "fox", "glad", "green", "grim", "had", "ham", "har", "hay",
    "heath", "hen", "hep", "hig", "hor", "hux", "kel", "ken", "kir", "lan", "lid", "lin", "mal",
    "man", "mid", "mor", "new", "nor", "old", "os", "pad", "pem", "pick", "pres", "red", "ring",
    "rock", "rom", "roth", "rush", "sal", "sand", "scar", "shap", "sher", "stam", "stock", "stow",
    "sud", "sut", "tad", "tam", "til", "tod", "wal", "war", "wat", "wed", "wel", "wen", "wig",
    "wil", "win", "wor", "wyn", "yar", "bel", "cum", "dew", "gris", "lud",
];
const ENDINGS: &[&str] = &[
    "worth", "ford", "ley", "ton", "by", "ham", "field", "well", "wood", "more", "dale", "bury",
    "combe", "stead", "wick", "shaw", "croft", "hurst", "land", "thorpe", "den", "stone", "bridge",
    "cott", "wright", "man", "ridge", "low", "gate", "holm", "brook", "hill", "mere", "ington",
    "cliffe", "ward", "ell", "sworth", "ridge", "lake",
];
/// Polish family names are mostly a stem and one of a few endings.
const EASTERN_STEMS: &[&str] = &[
    "bor", "chmiel", "cies", "czar", "dom", "drozd", "gaw", "glow", "gol", "gor", "jas", "jedr",
    "kal", "kar", "kos", "krup", "kub", "kur", "las", "les", "lis", "mach", "mak", "mich", "mil",
    "mros", "nied", "orl", "pac", "pal", "pias", "pil", "rog", "ros", "rud", "sad", "sob", "sok",
    "szcz", "tar", "tom", "wasil", "wit", "zab", "zar", "zdun", "zem", "zyg", "bart", "fil",
];
const EASTERN_ENDINGS: &[&str] = &[
    "owski", "ewski", "ski", "czyk", "iak", "ak", "ek", "ewicz", "owicz", "ik",
];
/// West African family names compose similarly (Ade-yemi, Olu-wole).
const AFRICAN_STEMS: &[&str] = &[
    "ade", "olu", "oke", "chi", "nwa", "obi", "ogu", "ola", "ayo", "ife", "oni", "aki", "oye",
    "ako", "ama", "kwa", "asa", "ofo", "ogbu",
];
const AFRICAN_ENDINGS: &[&str] = &[
    "yemi", "wale", "bayo", "kunle", "nna", "eze", "chukwu", "femi", "toye", "sanya", "dipe",
    "tunde", "nkwo", "mah", "doh", "fo", "nyo", "deji",
];

/// (pool, share of the pool's people in its tail, stems, endings).
type Tail = (
    &'static str,
    f64,
    &'static [&'static str],
    &'static [&'static str],
);
const TAILS: &[Tail] = &[
    ("british", 0.62, STEMS, ENDINGS),
    ("eastern", 0.25, EASTERN_STEMS, EASTERN_ENDINGS),
    ("african", 0.25, AFRICAN_STEMS, AFRICAN_ENDINGS),
];

/// Names with cumulative weights, sampled by binary search.
#[derive(Debug, Clone, Default)]
pub struct Pool {
    names: Vec<Name>,
    cumulative: Vec<f64>,
}

impl Pool {
    fn from_weights(weights: impl IntoIterator<Item = (Name, f64)>) -> Self {
        let mut pool = Pool::default();
        let mut total = 0.0;
        for (name, w) in weights {
            if w > 0.0 {
                total += w;
                pool.names.push(name);
                pool.cumulative.push(total);
            }
        }
        pool
    }

    pub fn sample(&self, rng: &mut StdRng) -> Name {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = rng.random::<f64>() * total;
        let i = self.cumulative.partition_point(|c| *c <= x);
        self.names[i.min(self.names.len() - 1)]
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// Every name the city uses, and the frequency tables over them.
pub struct Tables {
    words: Vec<String>,
    ids: HashMap<String, Name>,
    surnames: Vec<(&'static str, Pool)>,
    /// (pool, [female, male] pools by birth year from `FIRST_YEAR`).
    given: Vec<(&'static str, [Vec<Pool>; 2])>,
}

/// The tables, built on first use (a few milliseconds).
pub static TABLES: LazyLock<Tables> = LazyLock::new(Tables::build);

impl Tables {
    fn build() -> Self {
        let mut t = Tables {
            words: Vec::new(),
            ids: HashMap::new(),
            surnames: Vec::new(),
            given: Vec::new(),
        };
        t.build_surnames();
        t.build_given();
        t
    }

    fn intern(&mut self, word: &str) -> Name {
        if let Some(id) = self.ids.get(word) {
            return *id;
        }
        let id = Name::try_from(self.words.len()).expect("fewer than 4 billion names");
        self.words.push(word.to_owned());
        self.ids.insert(word.to_owned(), id);
        id
    }

    fn build_surnames(&mut self) {
        let mut pools: Vec<(&'static str, Vec<(Name, f64)>)> = Vec::new();
        for line in SURNAMES.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(pool) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                pools.push((pool, Vec::new()));
                continue;
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            for pair in words.chunks(2) {
                let weight: f64 = pair[1].parse().expect("surnames.txt: name weight pairs");
                let id = self.intern(pair[0]);
                pools
                    .last_mut()
                    .expect("a [pool] first")
                    .1
                    .push((id, weight));
            }
        }
        for (pool, mut weights) in pools {
            if let Some((_, share, stems, endings)) = TAILS.iter().find(|t| t.0 == pool) {
                self.add_tail(&mut weights, *share, stems, endings);
            }
            self.surnames.push((pool, Pool::from_weights(weights)));
        }
    }

    /// Appends the composed tail: Zipf weights carrying on from the listed
    /// names' ranks, so the tail is rarer than the rarest listed name and
    /// holds `share` of the pool's people.
    fn add_tail(
        &mut self,
        weights: &mut Vec<(Name, f64)>,
        share: f64,
        stems: &[&str],
        ends: &[&str],
    ) {
        let listed: f64 = weights.iter().map(|w| w.1).sum();
        let mut composed: Vec<String> = stems
            .iter()
            .flat_map(|s| ends.iter().map(move |e| format!("{s}{e}")))
            .filter(|n| !has_triple_letter(n) && !self.ids.contains_key(n))
            .collect();
        composed.sort_unstable();
        composed.dedup();
        // A fixed order, the same for every seed, with no stem favoured.
        composed.shuffle(&mut StdRng::seed_from_u64(0x7a11));
        let offset = weights.len() as f64;
        let zipf: Vec<f64> = (0..composed.len())
            .map(|r| 1.0 / (r as f64 + offset))
            .collect();
        let sum: f64 = zipf.iter().sum();
        let scale = listed * share / (1.0 - share) / sum;
        for (name, z) in composed.iter().zip(zipf) {
            let id = self.intern(name);
            weights.push((id, z * scale));
        }
    }

    fn build_given(&mut self) {
        // (pool, female, centre year or None for timeless, names).
        let mut blocks: Vec<(&'static str, bool, Option<i32>, Vec<Name>)> = Vec::new();
        for line in GIVEN.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (head, names) = line.split_once(':').expect("given.txt: head: names");
            let head: Vec<&'static str> = head.split_whitespace().collect();
            let [pool, sex, era] = head[..] else {
                panic!("given.txt: pool sex era")
            };
            let names = names.split_whitespace().map(|n| self.intern(n)).collect();
            blocks.push((pool, sex == "f", era.parse().ok(), names));
        }
        let mut pools: Vec<&'static str> = blocks.iter().map(|b| b.0).collect();
        pools.dedup();
        for pool in pools {
            let by_sex = [true, false].map(|female| {
                (FIRST_YEAR..=LAST_YEAR)
                    .map(|year| {
                        let mut weights: HashMap<Name, f64> = HashMap::new();
                        for (_, _, era, names) in
                            blocks.iter().filter(|b| b.0 == pool && b.1 == female)
                        {
                            let fashion = match era {
                                Some(c) => {
                                    (-0.5 * ((year - c) as f64 / FASHION_SPREAD).powi(2)).exp()
                                }
                                None => TIMELESS,
                            };
                            let norm: f64 = (0..names.len()).map(rank_weight).sum();
                            for (r, name) in names.iter().enumerate() {
                                *weights.entry(*name).or_default() +=
                                    fashion * rank_weight(r) / norm;
                            }
                        }
                        let mut sorted: Vec<(Name, f64)> = weights.into_iter().collect();
                        sorted.sort_unstable_by_key(|w| w.0);
                        Pool::from_weights(sorted)
                    })
                    .collect()
            });
            self.given.push((pool, by_sex));
        }
    }

    /// A name as stored: lower case.
    pub fn word(&self, name: Name) -> &str {
        &self.words[name as usize]
    }

    pub fn surname_pool(&self, pool: &str) -> &Pool {
        &self
            .surnames
            .iter()
            .find(|p| p.0 == pool)
            .unwrap_or_else(|| panic!("no surname pool {pool}"))
            .1
    }

    pub fn given_pool(&self, pool: &str, female: bool, year: i32) -> &Pool {
        let by_sex = &self
            .given
            .iter()
            .find(|p| p.0 == pool)
            .unwrap_or_else(|| panic!("no given-name pool {pool}"))
            .1;
        let y = (year.clamp(FIRST_YEAR, LAST_YEAR) - FIRST_YEAR) as usize;
        &by_sex[usize::from(!female)][y]
    }
}

/// Within an era, the r-th most popular name: a long tail, not a cliff.
fn rank_weight(r: usize) -> f64 {
    1.0 / (r as f64 + 1.0).powf(0.8)
}

fn has_triple_letter(s: &str) -> bool {
    s.as_bytes()
        .windows(3)
        .any(|w| w[0] == w[1] && w[1] == w[2])
}

/// A name written as people write it: "o'brien" -> "O'Brien", "mcdonald"
/// -> "McDonald", "smith-jones" -> "Smith-Jones".
pub fn proper(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut upper = true;
    for c in word.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        upper = matches!(c, '\'' | '-' | ' ');
        if out == "Mc" {
            upper = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_hold_thousands_of_surnames_and_fashions_move() {
        let t = &*TABLES;
        assert!(t.surname_pool("british").len() > 4000);
        assert!(t.surname_pool("wives-indian").len() == 1);
        let mut rng = StdRng::seed_from_u64(1);
        let count = |year: i32, name: &str, rng: &mut StdRng| {
            let pool = t.given_pool("british", true, year);
            (0..2000)
                .filter(|_| t.word(pool.sample(rng)) == name)
                .count()
        };
        assert!(count(1935, "margaret", &mut rng) > count(2003, "margaret", &mut rng) + 50);
        assert!(count(2003, "olivia", &mut rng) > count(1935, "olivia", &mut rng) + 20);
        assert_eq!(proper("o'brien"), "O'Brien");
        assert_eq!(proper("mcdonald"), "McDonald");
        assert_eq!(proper("smith-jones"), "Smith-Jones");
    }
}
