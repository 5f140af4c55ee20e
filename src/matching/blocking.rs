//! Blocking keys: several per record, each built from different fields,
//! so that one typo in any one field still leaves two keys in common with
//! the true match. A key is only ever compared for equality.

use super::{Subject, phonetic};
use std::collections::HashMap;

/// The version of `keys`. Bump it whenever a key changes: a store whose
/// keys were made by an older scheme re-makes them from each record's
/// stored matching form when it opens.
pub const SCHEME: i64 = 3;

fn initial(s: &str) -> Option<char> {
    s.chars().next()
}

fn year(dob: &str) -> &str {
    &dob[..4]
}

/// The phonetic code of the family name's compact form.
fn family_code(s: &Subject) -> Option<String> {
    s.family
        .as_deref()
        .map(|f| phonetic::code(&f.replace(' ', "")))
}

fn given_code(s: &Subject) -> Option<String> {
    s.canonical_given().map(phonetic::code)
}

/// The keys of a subject; a key needing a missing field is not made.
/// Name keys other than `ny:` are made for the given and the family name
/// alike (same prefix), so names keyed into each other's boxes still meet;
/// address keys likewise for the street and the locality line.
pub fn keys(s: &Subject) -> Vec<String> {
    let family = family_code(s);
    let codes: Vec<String> = given_code(s).into_iter().chain(family.clone()).collect();
    let given_initial = s.canonical_given().and_then(initial);
    let initials: Vec<char> = given_initial
        .into_iter()
        .chain(s.family.as_deref().and_then(initial))
        .collect();
    let dob = s.dob.as_deref();
    let mut keys = Vec::new();
    // Given-name initial (after nicknames), family name sound and birth
    // year: survives address and day/month errors, and a given name
    // misspelt after its first letter. Each name sound alone with the year
    // gathered everyone with a common name born that year (up to 1,300
    // records at 1M rows), all listed to find the few sharing a second key.
    if let (Some(i), Some(f), Some(d)) = (given_initial, &family, dob) {
        keys.push(format!("ny:{i}|{f}|{}", year(d)));
    }
    for code in &codes {
        // Name sound and exact date: survives the other name changing.
        keys.extend(dob.map(|d| format!("nd:{code}|{d}")));
    }
    for i in &initials {
        // Where they live and who: survives name-sound and date errors.
        keys.extend(s.postcode.as_ref().map(|p| format!("pi:{p}|{i}")));
    }
    // Both name sounds, in either order: survives a wrong date and a move.
    if let [a, b] = codes.as_slice() {
        let (x, y) = if a <= b { (a, b) } else { (b, a) };
        keys.push(format!("nn:{x}|{y}"));
    }
    for i in &initials {
        // An initial and the exact date: survives a mistyped name sound,
        // the other name changing and a wrong postcode.
        keys.extend(dob.map(|d| format!("id:{i}|{d}")));
    }
    // Date and postcode: survives both names being mistyped.
    keys.extend(
        dob.zip(s.postcode.as_ref())
            .map(|(d, p)| format!("dp:{d}|{p}")),
    );
    // House number and street (or building/district line): survives a wrong
    // postcode, date and names.
    if let Some(n) = &s.house_number {
        for place in [&s.street, &s.locality].into_iter().flatten() {
            keys.push(format!(
                "hn:{n}|{}",
                phonetic::code(&place.replace(' ', ""))
            ));
        }
    }
    // Given name sound and street (or building/district line): survives a
    // mistyped family name, a missing date and a wrong postcode.
    if let Some(g) = given_code(s) {
        for place in [&s.street, &s.locality].into_iter().flatten() {
            keys.push(format!(
                "gs:{g}|{}",
                phonetic::code(&place.replace(' ', ""))
            ));
        }
    }
    keys.extend(s.uprn.as_ref().map(|u| format!("u:{u}")));
    keys.sort();
    keys.dedup();
    keys
}

/// A key shared by more records than this is only a lead when a second
/// key agrees too.
pub const SMALL_BLOCK: usize = 8;

/// Whether a record found under `shared` of a subject's usable keys, the
/// smallest of which holds `smallest_block` records, is compared at all.
/// A true match keeps several keys after any one error (each key is built
/// from different fields), while a stranger met under one big key (a
/// common name and birth year, a house number on a long street) shares
/// nothing else: comparing those is most of the work and none of the links.
pub fn worth_comparing(shared: usize, smallest_block: usize) -> bool {
    shared >= 2 || smallest_block <= SMALL_BLOCK
}

/// The records met under a subject's `keys` that are worth comparing, in
/// order, each once: `held(key)` gives the key's size and its holders; a
/// key held by more than `limit` is not used. The one rule for the hub's
/// planner, its store read and the evaluation alike.
pub fn shortlist<'k, T: Ord, I: IntoIterator<Item = T>>(
    keys: impl IntoIterator<Item = &'k String>,
    limit: usize,
    mut held: impl FnMut(&'k String) -> (usize, I),
) -> Vec<T> {
    // Per holder: keys shared, and the smallest such key's size.
    let mut met: std::collections::BTreeMap<T, (usize, usize)> = Default::default();
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        if !seen.insert(key) {
            continue;
        }
        let (size, holders) = held(key);
        if size > limit {
            continue;
        }
        for holder in holders {
            let entry = met.entry(holder).or_insert((0, usize::MAX));
            entry.0 += 1;
            entry.1 = entry.1.min(size);
        }
    }
    met.into_iter()
        .filter(|(_, (shared, smallest))| worth_comparing(*shared, *smallest))
        .map(|(holder, _)| holder)
        .collect()
}

/// Pairs of subjects (by index, lower first) sharing at least one key,
/// skipping keys shared by more than `per_key_limit` subjects, as the
/// store does.
pub fn candidate_pairs(subjects: &[Subject], per_key_limit: usize) -> Vec<(usize, usize)> {
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, s) in subjects.iter().enumerate() {
        for k in keys(s) {
            index.entry(k).or_default().push(i);
        }
    }
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for members in index.values() {
        if members.len() > per_key_limit {
            continue;
        }
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if a != b {
                    pairs.push((a.min(b), a.max(b)));
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::SubjectInput;

    fn base() -> SubjectInput<'static> {
        SubjectInput {
            given: "Robert",
            family: "Okafor",
            dob: "1984-06-02",
            address_lines: vec!["14 Harborne Road"],
            town: "Birmingham",
            postcode: "B15 3DH",
            ..Default::default()
        }
    }

    fn shared_keys(a: &SubjectInput<'_>, b: &SubjectInput<'_>) -> usize {
        let ka = keys(&Subject::new(a));
        keys(&Subject::new(b))
            .iter()
            .filter(|k| ka.contains(k))
            .count()
    }

    fn shares_a_key(a: &SubjectInput<'_>, b: &SubjectInput<'_>) -> bool {
        shared_keys(a, b) > 0
    }

    /// One error in any one field still leaves two keys in common, so the
    /// true match is compared however big its blocks.
    #[test]
    fn one_typo_anywhere_still_shares_two_keys() {
        let a = base();
        let variants: Vec<SubjectInput<'static>> = vec![
            SubjectInput {
                given: "Bob",
                ..base()
            },
            SubjectInput {
                given: "Xobert",
                ..base()
            },
            SubjectInput {
                given: "",
                ..base()
            },
            SubjectInput {
                family: "Okafro",
                ..base()
            },
            SubjectInput {
                family: "Zkafor",
                ..base()
            },
            SubjectInput {
                family: "",
                ..base()
            },
            SubjectInput {
                dob: "1984-02-06",
                ..base()
            },
            SubjectInput {
                dob: "1948-06-02",
                ..base()
            },
            SubjectInput { dob: "", ..base() },
            SubjectInput {
                postcode: "B15 3DJ",
                ..base()
            },
            SubjectInput {
                postcode: "",
                ..base()
            },
            SubjectInput {
                postcode: "B16 3DH",
                ..base()
            },
            SubjectInput {
                address_lines: vec!["41 Harborne Road"],
                ..base()
            },
            SubjectInput {
                address_lines: vec!["14 Harbourne Road"],
                ..base()
            },
            SubjectInput {
                address_lines: vec![],
                ..base()
            },
            // Names keyed into each other's boxes.
            SubjectInput {
                given: "Okafor",
                family: "Robert",
                ..base()
            },
        ];
        for v in &variants {
            let shared = shared_keys(&a, v);
            assert!(shared >= 2, "{shared} keys shared with {v:?}");
            assert!(worth_comparing(shared, PER_BIG_BLOCK));
        }
    }

    const PER_BIG_BLOCK: usize = 200;

    #[test]
    fn one_key_in_common_is_a_lead_only_in_a_small_block() {
        assert!(worth_comparing(1, SMALL_BLOCK));
        assert!(!worth_comparing(1, SMALL_BLOCK + 1));
        assert!(worth_comparing(2, PER_BIG_BLOCK));
    }

    #[test]
    fn different_people_share_few_keys() {
        let other = SubjectInput {
            given: "Mary",
            family: "Jones",
            dob: "1990-01-01",
            address_lines: vec!["2 Bristol Street"],
            postcode: "B5 7AA",
            ..Default::default()
        };
        assert!(!shares_a_key(&base(), &other));
    }

    /// A common family name and birth year no longer gathers everyone:
    /// the given name's initial splits it, and a nickname stays together.
    #[test]
    fn name_and_year_split_by_initial() {
        // Born the same year, living elsewhere: only the name keys remain.
        let elsewhere = |given| SubjectInput {
            given,
            dob: "1984-11-20",
            address_lines: vec!["2 Bristol Street"],
            postcode: "B5 7AA",
            ..base()
        };
        assert!(!shares_a_key(&base(), &elsewhere("Alice")));
        assert_eq!(shared_keys(&base(), &elsewhere("Bob")), 2);
    }

    #[test]
    fn pairs_by_shared_key_and_limit() {
        let s = Subject::new(&base());
        let t = Subject::new(&SubjectInput {
            given: "Bob",
            ..base()
        });
        let other = Subject::new(&SubjectInput {
            given: "Mary",
            family: "Jones",
            dob: "1990-01-01",
            ..Default::default()
        });
        let subjects = vec![s.clone(), other, t];
        assert_eq!(candidate_pairs(&subjects, 10), [(0, 2)]);
        let crowd = vec![s; 5];
        assert_eq!(candidate_pairs(&crowd, 10).len(), 10);
        assert!(candidate_pairs(&crowd, 4).is_empty());
    }

    #[test]
    fn uprn_is_a_key() {
        let s = Subject::new(&SubjectInput {
            uprn: "100070",
            ..Default::default()
        });
        assert_eq!(keys(&s), ["u:100070"]);
    }
}
