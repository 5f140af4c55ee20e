//! Given-name nicknames (Bob ↔ Robert, Liz ↔ Elizabeth) from two tables
//! in `data/`: the project's own British table, and the public "nicknames"
//! data set by Carlton Northern (github.com/carltonnorthern/nicknames,
//! Apache License 2.0; `data/README.md` gives provenance and licence),
//! which adds US and older forms and many spelling variants.

use std::collections::HashMap;
use std::sync::LazyLock;

/// `formal: nickname nickname ...`, one formal name a line.
const BRITISH: &str = include_str!("data/nicknames.txt");
/// `name1,has_nickname,name2`, header first.
const CARLTON_NORTHERN: &str = include_str!("data/nicknames-carltonnorthern.csv");

fn british() -> impl Iterator<Item = (&'static str, &'static str)> {
    BRITISH
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(':'))
        .flat_map(|(formal, nicks)| nicks.split_whitespace().map(move |n| (formal.trim(), n)))
}

/// (formal, nickname) pairs of both tables, British first: the first
/// formal a nickname is listed with is its canonical form. The public
/// table lists some relations both ways and some that British usage does
/// not know ("Robert" as a nickname of "Bill", "Bill" of "Robert"): for a
/// name the British table holds, formal or nickname, it is the authority.
fn pairs_of_tables() -> impl Iterator<Item = (&'static str, &'static str)> {
    static BRITISH_NAMES: LazyLock<std::collections::HashSet<&'static str>> = LazyLock::new(|| {
        british()
            .flat_map(|(formal, nick)| [formal, nick])
            .collect()
    });
    let public = CARLTON_NORTHERN.lines().skip(1).filter_map(|l| {
        let mut cols = l.split(',').map(str::trim);
        match (cols.next(), cols.next(), cols.next()) {
            (Some(formal), Some("has_nickname"), Some(nick))
                if !formal.is_empty()
                    && !nick.is_empty()
                    && formal != nick
                    && !BRITISH_NAMES.contains(nick) =>
            {
                Some((formal, nick))
            }
            _ => None,
        }
    });
    british().chain(public)
}

/// nickname -> the formal names it may stand for, in table order.
static FORMALS: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    let mut map: HashMap<&str, Vec<&str>> = HashMap::new();
    for (formal, nick) in pairs_of_tables() {
        let formals = map.entry(nick).or_default();
        if !formals.contains(&formal) {
            formals.push(formal);
        }
    }
    map
});

/// The formal name a (folded, lower-case) given name stands for: the first
/// formal listed for a nickname, or the name itself. Blocking keys use it
/// so that "bob" and "robert" share a key.
pub fn canonical(name: &str) -> &str {
    FORMALS
        .get(name)
        .and_then(|f| f.first().copied())
        .unwrap_or(name)
}

/// The formal names a (folded) given name may stand for; empty when it is
/// no known nickname. Search indexes and queries a name with these, so
/// "bob" finds "robert" and "liz" finds "beth" (both "elizabeth").
pub fn formals(name: &str) -> &[&'static str] {
    FORMALS.get(name).map_or(&[], Vec::as_slice)
}

/// The formal names a (folded) given name stands for in the British table
/// alone: a curated, conservative reading for rules that must not be
/// swayed by the public table's breadth ("Em" is Emma or Emily; in the
/// public table most nicknames stand for several names).
pub fn british_formals(name: &str) -> Vec<&'static str> {
    static BRITISH_FORMALS: LazyLock<HashMap<&'static str, Vec<&'static str>>> =
        LazyLock::new(|| {
            let mut map: HashMap<&str, Vec<&str>> = HashMap::new();
            for (formal, nick) in british() {
                map.entry(nick).or_default().push(formal);
            }
            map
        });
    BRITISH_FORMALS.get(name).cloned().unwrap_or_default()
}

/// The nicknames of a formal name ("robert" -> "bob", "rob", ...), for
/// generating test and benchmark queries.
pub fn nicknames_of(formal: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = FORMALS
        .iter()
        .filter(|(_, formals)| formals.contains(&formal))
        .map(|(nick, _)| *nick)
        .collect();
    out.sort_unstable();
    out
}

/// Whether one name is a nickname of the other, or both are nicknames of
/// one formal name ("liz" and "beth").
pub fn related(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let formals = |n: &str| FORMALS.get(n).cloned().unwrap_or_default();
    let (fa, fb) = (formals(a), formals(b));
    fa.contains(&b) || fb.contains(&a) || fa.iter().any(|f| fb.contains(f))
}

/// Whether a (folded) given name appears in the table, as a formal name or
/// a nickname: a name people are really called, not a keying slip.
pub fn known(name: &str) -> bool {
    static FORMAL: LazyLock<std::collections::HashSet<&'static str>> =
        LazyLock::new(|| FORMALS.values().flatten().copied().collect());
    FORMALS.contains_key(name) || FORMAL.contains(name)
}

/// How many nickname pairs the table holds (for the docs and a sanity test).
pub fn pairs() -> usize {
    FORMALS.values().map(Vec::len).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_relate_both_ways() {
        assert!(related("bob", "robert"));
        assert!(related("robert", "bob"));
        assert!(related("liz", "elizabeth"));
        assert!(related("liz", "beth"));
        assert!(related("peggy", "margaret"));
        assert!(!related("robert", "richard"));
        assert!(!related("bob", "bill"));
    }

    #[test]
    fn known_names() {
        assert!(known("robert") && known("bob"));
        assert!(!known("rboert"));
    }

    #[test]
    fn canonical_form() {
        assert_eq!(canonical("bob"), "robert");
        assert_eq!(canonical("robert"), "robert");
        assert_eq!(canonical("zebedee"), "zebedee");
    }

    #[test]
    fn both_tables_are_read() {
        assert!(pairs() >= 2_000, "{}", pairs());
        // The public table's: a spelling variant and an older form.
        assert!(related("hailey", "hayley"));
        assert!(related("peggy", "margaret"));
        // The British table's canonical form wins.
        assert_eq!(canonical("bob"), "robert");
    }
}
