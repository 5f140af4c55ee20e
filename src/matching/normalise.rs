//! Text normalisation for matching: case, diacritics, punctuation, titles,
//! name parts and postcode shape. Every comparison and blocking key works
//! on these forms, so two spellings that differ only in typography meet.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Honorifics and suffixes that say nothing about who someone is; a
/// department that types "Mrs" into the given-name box should still match.
const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lady",
    "lord",
    "rev",
    "revd",
    "reverend",
    "fr",
    "father",
    "sr",
    "jr",
    "jnr",
    "snr",
    "esq",
    "capt",
    "col",
    "major",
    "master",
];

/// Case, diacritics, spaces and punctuation folded away: "O'Brien-Zoë" and
/// "obrien zoe" compare equal.
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Lower-case words with diacritics folded. Hyphens and slashes split words
/// (a double-barrelled name is two words); apostrophes and dots join them
/// ("O'Brien" is one word, "St." is "st").
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            current.extend(c.to_lowercase());
        } else if c == '\'' || c == '’' || c == '.' {
            // Joins: "o'brien" -> "obrien".
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Name words without titles; `None` when nothing is left.
pub fn name_words(text: &str) -> Option<Vec<String>> {
    let words: Vec<String> = words(text)
        .into_iter()
        .filter(|w| !TITLES.contains(&w.as_str()))
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect();
    (!words.is_empty()).then_some(words)
}

/// A postcode in its compact matching form: upper case letters and digits
/// only ("b15 2tt" -> "B152TT"). Not validated: the hub validates UK
/// postcodes at its door, and other data (FEBRL) has other shapes.
pub fn postcode(raw: &str) -> Option<String> {
    let compact: String = raw
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (!compact.is_empty()).then_some(compact)
}

/// A date of birth as eight digits `YYYYMMDD`, from any of `YYYY-MM-DD`,
/// `YYYYMMDD` or `YYYY/MM/DD`. Month and day are only range-checked loosely
/// (1-31 each) so that a day/month swap still reaches the comparator.
pub fn dob(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 8 || raw.chars().any(|c| c.is_alphabetic()) {
        return None;
    }
    let year: u32 = digits[0..4].parse().ok()?;
    let month: u32 = digits[4..6].parse().ok()?;
    let day: u32 = digits[6..8].parse().ok()?;
    let plausible =
        (1800..=2100).contains(&year) && (1..=31).contains(&month) && (1..=31).contains(&day);
    plausible.then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_diacritics_and_punctuation() {
        assert_eq!(fold("O'Brien-Zoë"), "obrienzoe");
        assert_eq!(fold("  ANNE  marie "), "annemarie");
    }

    #[test]
    fn splits_hyphens_joins_apostrophes() {
        assert_eq!(words("Smith-Jones"), ["smith", "jones"]);
        assert_eq!(words("O'Brien"), ["obrien"]);
        assert_eq!(words("  Zoë  ÅSA "), ["zoe", "asa"]);
        assert_eq!(words("St. John's Rd."), ["st", "johns", "rd"]);
    }

    #[test]
    fn drops_titles() {
        assert_eq!(name_words("Mrs Jane").unwrap(), ["jane"]);
        assert_eq!(name_words("Dr. Ahmed"), Some(vec!["ahmed".to_string()]));
        assert_eq!(name_words("Mr"), None);
        assert_eq!(name_words("  "), None);
    }

    #[test]
    fn postcode_compacts() {
        assert_eq!(postcode(" b15 2tt ").as_deref(), Some("B152TT"));
        assert_eq!(postcode("4011").as_deref(), Some("4011"));
        assert_eq!(postcode(" "), None);
    }

    #[test]
    fn dob_forms() {
        assert_eq!(dob("1984-06-02").as_deref(), Some("19840602"));
        assert_eq!(dob("19081209").as_deref(), Some("19081209"));
        assert_eq!(dob("19841306").as_deref(), Some("19841306"));
        assert_eq!(dob("198406"), None);
        assert_eq!(dob("19840632"), None);
        assert_eq!(dob(""), None);
    }

    proptest::proptest! {
        #[test]
        fn fold_is_idempotent_and_lower(s in "\\PC{0,30}") {
            let once = fold(&s);
            proptest::prop_assert_eq!(fold(&once), once.clone());
            proptest::prop_assert!(once.chars().all(char::is_alphanumeric));
            proptest::prop_assert!(!once.chars().any(|c| c.is_ascii_uppercase()));
        }

        #[test]
        fn words_never_empty_or_punctuated(s in "\\PC{0,30}") {
            for w in words(&s) {
                proptest::prop_assert!(!w.is_empty());
                proptest::prop_assert!(w.chars().all(char::is_alphanumeric));
            }
        }
    }
}
