//! Given names written several ways: spellings ("Stephen"/"Steven",
//! "Catherine"/"Kathryn") and transliterations ("Mohammed"/"Muhammad",
//! "Aisha"/"Ayesha"). A listed group (`data/variants.txt`) is one name;
//! beyond the list, two longer names whose consonants run the same
//! (vowels are what transliterations disagree on) are variants too, when
//! they look alike besides.

use std::collections::HashMap;
use std::sync::LazyLock;

const TABLE: &str = include_str!("data/variants.txt");

/// name -> the groups (line numbers) it belongs to.
static GROUPS: LazyLock<HashMap<&'static str, Vec<usize>>> = LazyLock::new(|| {
    let mut map: HashMap<&str, Vec<usize>> = HashMap::new();
    let lines = TABLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'));
    for (group, line) in lines.enumerate() {
        for name in line.split_whitespace() {
            map.entry(name).or_default().push(group);
        }
    }
    map
});

/// Whether two (folded) given names are one name written two ways.
pub fn variants(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if let (Some(x), Some(y)) = (GROUPS.get(a), GROUPS.get(b)) {
        return x.iter().any(|g| y.contains(g));
    }
    let (ka, kb) = (consonants(a), consonants(b));
    // An added final vowel makes another name, often the other sex's
    // (Michael, Michelle; Paul, Paula).
    let open = |n: &str| n.ends_with(['a', 'e', 'i', 'o', 'u', 'y']);
    // Short skeletons collide across different names ("Sean", "Susan").
    ka.len() >= 3
        && ka == kb
        && a.as_bytes()[0] == b.as_bytes()[0]
        && open(a) == open(b)
        && strsim::jaro_winkler(a, b) >= 0.85
}

/// The consonants a name is said with, in order: vowels, and the letters
/// that stand for them (h after a consonant, w and y inside a word), are
/// what transliterations vary; doubled letters are one sound.
fn consonants(name: &str) -> String {
    let b: Vec<u8> = name.bytes().filter(u8::is_ascii_lowercase).collect();
    let mut out: Vec<u8> = Vec::new();
    for (i, &c) in b.iter().enumerate() {
        let sound = match c {
            b'a' | b'e' | b'i' | b'o' | b'u' => continue,
            b'w' | b'y' if i > 0 => continue,
            b'h' if i > 0 && !b"aeiou".contains(&b[i - 1]) => continue,
            b'q' | b'c' => b'k',
            b'z' => b's',
            b'v' => b'f',
            other => other,
        };
        if out.last() != Some(&sound) {
            out.push(sound);
        }
    }
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_groups_and_transliterations() {
        for (a, b) in [
            ("mohammed", "muhammad"),
            ("mohamed", "mohammad"),
            ("aisha", "ayesha"),
            ("catherine", "kathryn"),
            ("stephen", "steven"),
            ("hussain", "hussein"),
            ("yusuf", "yousef"),
            ("niamh", "neve"),
        ] {
            assert!(variants(a, b), "{a}/{b}");
            assert!(variants(b, a), "{b}/{a}");
        }
        // Unlisted, by their consonants: a transliteration...
        assert!(variants("abdulrahman", "abdulrehman"));
        assert!(variants("suleiman", "sulaiman"));
        // ...but not different names, short or otherwise.
        for (a, b) in [
            ("sean", "susan"),
            ("mark", "marco"),
            ("john", "jane"),
            ("dana", "dean"),
            ("martin", "morton"),
            ("catherine", "caroline"),
            ("michael", "michelle"),
            ("daniel", "danielle"),
            ("paul", "paula"),
        ] {
            assert!(!variants(a, b), "{a}/{b}");
        }
    }
}
