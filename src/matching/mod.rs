//! Who is this? Pure record linkage: no I/O.
//!
//! The foundation matches exactly on normalised given name, family name,
//! date of birth and postcode; the linkage engine replaces it.

use crate::record::Person;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Case, diacritics, spaces and punctuation folded away: "O'Brien-Zoë" and
/// "obrien zoe" compare equal.
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The exact-match key of a person.
pub fn exact_key(person: &Person) -> String {
    format!(
        "x:{}|{}|{}|{}",
        fold(&person.name.given),
        fold(&person.name.family),
        person.date_of_birth,
        person.address.postcode.as_str().replace(' ', "")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_diacritics_and_punctuation() {
        assert_eq!(fold("O'Brien-Zoë"), "obrienzoe");
        assert_eq!(fold("  ANNE  marie "), "annemarie");
    }
}
