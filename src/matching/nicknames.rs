//! Given-name nicknames (Bob ↔ Robert, Liz ↔ Elizabeth), from the table
//! shipped beside this file.

use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("nicknames.txt");

/// nickname -> the formal names it may stand for, in table order.
static FORMALS: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    let mut map: HashMap<&str, Vec<&str>> = HashMap::new();
    for line in TABLE.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((formal, nicks)) = line.split_once(':') else {
            continue;
        };
        for nick in nicks.split_whitespace() {
            map.entry(nick).or_default().push(formal.trim());
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
    fn table_has_a_few_hundred_pairs() {
        assert!(pairs() >= 300, "{}", pairs());
    }
}
