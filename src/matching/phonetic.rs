//! The project's own phonetic code for names ("scr-phonetic", version 1),
//! in the spirit of NYSIIS: names that sound alike ("Smith"/"Smyth",
//! "Catherine"/"Kathryn") get one code, so a spelling variant still shares
//! a blocking key and scores as phonetic. Its own rather than a crate's:
//! it is tuned to British spellings (Mac/Mc, silent gh, -ie/-ee endings,
//! a plural s) and its codes are stored in every blocking key, so it must
//! not change under the hub with a dependency update.
//!
//! The scheme, on the ASCII letters of a folded word, upper-cased:
//! 1. one prefix rewritten: MAC→MCC, KN→NN, K→C, PH/PF→FF, SCH→SSS, WR→RR;
//! 2. a trailing S dropped (not SS, words over 3 letters), then one ending
//!    rewritten: EE/IE→Y, DT/RT/RD/NT/ND→D;
//! 3. the first letter kept; then EV→AF, every vowel→A, KN→N, SCH→SSS,
//!    PH→FF, GH not before a vowel silent, Q→G, Z→S, M→N, K→C, Y→A, H
//!    silent unless between vowels, W after a vowel silent; a letter
//!    repeating the last one written is dropped;
//! 4. trailing S and A dropped; at most 6 letters.
//!
//! `VERSION` names this scheme. Changing any code changes stored keys:
//! bump `VERSION` and `blocking::SCHEME` together (stores re-key on open);
//! the pinned codes in the tests fail until both are bumped.

/// The version of this scheme; blocking keys are made from its codes.
pub const VERSION: u32 = 1;

/// The code of a folded (lower-case a-z) word; empty for an empty word.
/// Codes are at most `MAX_LEN` letters: longer tails add noise, not
/// discrimination.
pub fn code(word: &str) -> String {
    const MAX_LEN: usize = 6;
    let mut w: Vec<u8> = word
        .bytes()
        .filter(u8::is_ascii_alphabetic)
        .map(|b| b.to_ascii_uppercase())
        .collect();
    if w.is_empty() {
        return String::new();
    }
    // Prefixes spelt differently but said alike.
    for (from, to) in [
        (&b"MAC"[..], &b"MCC"[..]),
        (b"KN", b"NN"),
        (b"K", b"C"),
        (b"PH", b"FF"),
        (b"PF", b"FF"),
        (b"SCH", b"SSS"),
        (b"WR", b"RR"),
    ] {
        if w.starts_with(from) {
            w.splice(..from.len(), to.iter().copied());
            break;
        }
    }
    // A plural-like trailing S first, so "Roberts" ends like "Robert".
    if w.len() > 3 && w.ends_with(b"S") && !w.ends_with(b"SS") {
        w.pop();
    }
    // Endings.
    for (from, to) in [
        (&b"EE"[..], &b"Y"[..]),
        (b"IE", b"Y"),
        (b"DT", b"D"),
        (b"RT", b"D"),
        (b"RD", b"D"),
        (b"NT", b"D"),
        (b"ND", b"D"),
    ] {
        if w.ends_with(from) {
            let at = w.len() - from.len();
            w.splice(at.., to.iter().copied());
            break;
        }
    }
    let vowel = |c: u8| b"AEIOU".contains(&c);
    let mut key = vec![w[0]];
    let mut i = 1;
    while i < w.len() {
        let rest = &w[i..];
        let prev = w[i - 1];
        // Each rule yields the letters this position sounds as, and how
        // many input letters it consumed.
        let (sound, used): (Vec<u8>, usize) = if rest.starts_with(b"EV") {
            (b"AF".to_vec(), 2)
        } else if vowel(rest[0]) {
            (vec![b'A'], 1)
        } else if rest.starts_with(b"KN") {
            (vec![b'N'], 2)
        } else if rest.starts_with(b"SCH") {
            (b"SSS".to_vec(), 3)
        } else if rest.starts_with(b"PH") {
            (b"FF".to_vec(), 2)
        } else if rest.starts_with(b"GH") && !rest.get(2).is_some_and(|c| vowel(*c)) {
            // "Leigh", "Hughes": a silent gh.
            (vec![prev], 2)
        } else {
            let c = rest[0];
            let next_is_vowel = rest.get(1).is_some_and(|n| vowel(*n));
            match c {
                b'Q' => (vec![b'G'], 1),
                b'Z' => (vec![b'S'], 1),
                b'M' => (vec![b'N'], 1),
                b'K' => (vec![b'C'], 1),
                b'Y' => (vec![b'A'], 1),
                b'H' if !vowel(prev) || !next_is_vowel => (vec![prev], 1),
                b'W' if vowel(prev) => (vec![prev], 1),
                _ => (vec![c], 1),
            }
        };
        for s in sound {
            let s = if vowel(s) { b'A' } else { s };
            if key.last() != Some(&s) {
                key.push(s);
            }
        }
        i += used;
    }
    // Trailing S and A carry little: "Roberts" ~ "Robert", "Anna" ~ "Ann".
    while key.len() > 1 && matches!(key.last(), Some(b'S') | Some(b'A')) {
        key.pop();
    }
    key.truncate(MAX_LEN);
    String::from_utf8(key).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::code;

    #[test]
    fn alike_sounding_names_share_a_code() {
        for (a, b) in [
            ("smith", "smyth"),
            ("catherine", "catharine"),
            ("macdonald", "mcdonald"),
            ("knight", "night"),
            ("philips", "phillips"),
            ("stephen", "stefen"),
            ("leigh", "lee"),
            ("roberts", "robert"),
            ("ann", "anne"),
            ("schmidt", "smidt"),
        ] {
            assert_eq!(code(a), code(b), "{a} {b}");
        }
    }

    #[test]
    fn different_names_differ() {
        for (a, b) in [("smith", "jones"), ("robert", "richard"), ("ann", "alan")] {
            assert_ne!(code(a), code(b), "{a} {b}");
        }
    }

    /// Codes as stored in blocking keys: a change here is a new scheme.
    #[test]
    fn codes_are_pinned_to_the_version_and_key_scheme() {
        let pinned = [
            ("smith", "SNAT"),
            ("okonkwo", "OCANCW"),
            ("macdonald", "MCDANA"),
            ("catherine", "CATARA"),
            ("leigh", "L"),
            ("hughes", "HAG"),
            ("mohammed", "MAHANA"),
            ("siobhan", "SABAN"),
        ];
        let got: Vec<(&str, String)> = pinned.iter().map(|(w, _)| (*w, code(w))).collect();
        let want: Vec<(&str, String)> = pinned.iter().map(|(w, c)| (*w, c.to_string())).collect();
        assert_eq!(
            got, want,
            "phonetic codes changed: bump VERSION and blocking::SCHEME"
        );
        assert_eq!(
            (super::VERSION, crate::matching::blocking::SCHEME),
            (1, 3),
            "update the pinned codes with the versions"
        );
    }

    #[test]
    fn empty_and_short() {
        assert_eq!(code(""), "");
        assert_eq!(code("a"), "A");
        assert_eq!(code("o'neil"), code("oneil"));
    }

    proptest::proptest! {
        #[test]
        fn codes_are_short_upper_and_stable(s in "[a-z]{0,20}") {
            let c = code(&s);
            proptest::prop_assert!(c.len() <= 6);
            proptest::prop_assert!(c.bytes().all(|b| b.is_ascii_uppercase()));
            proptest::prop_assert_eq!(c.is_empty(), s.is_empty());
        }
    }
}
