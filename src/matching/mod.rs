//! Who is this? Pure record linkage, no I/O: a `Subject` is a record in
//! matching form; `blocking` finds candidates, `compare` grades each field,
//! `weights` (trained by `em`) turns grades into Fellegi-Sunter weights and
//! `decide` links, asks for review, or makes a new customer.

pub mod address;
pub mod blocking;
pub mod compare;
pub mod decide;
pub mod em;
pub mod frequency;
pub mod nicknames;
pub mod normalise;
pub mod phonetic;
pub mod rules;
pub mod variants;
pub mod weights;

pub use compare::{Comparison, Field, compare};
pub use decide::{CandidateVerdict, Decision, Engine, Outcome};
pub use frequency::{Frequencies, ValueDelta};
pub use normalise::fold;
pub use rules::HardNegative;
pub use weights::Weights;

use serde::{Deserialize, Serialize};

/// The stored form's version; bump it when the meaning of a field changes.
pub const SUBJECT_VERSION: u32 = 1;

/// A record in matching form: every part normalised, every part optional.
/// A missing or unusable value is `None` and scores neutral. It is built
/// from a hub `Person` or from any other source (e.g. the FEBRL benchmark,
/// whose postcodes are Australian), so nothing here is UK-specific.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subject {
    pub v: u32,
    /// First given name, folded.
    pub given: Option<String>,
    /// Further given names and middle names, folded, space separated.
    pub middle: Option<String>,
    /// Family name words, folded, space separated ("smith jones").
    pub family: Option<String>,
    /// `YYYYMMDD`.
    pub dob: Option<String>,
    /// `f`, `m` or `o`.
    pub gender: Option<char>,
    pub flat: Option<String>,
    pub house_number: Option<String>,
    pub street: Option<String>,
    pub locality: Option<String>,
    pub town: Option<String>,
    /// Compact upper case, e.g. `B152TT`.
    pub postcode: Option<String>,
    pub uprn: Option<String>,
}

/// Raw values of a record, as typed by whoever keyed it.
#[derive(Debug, Clone, Default)]
pub struct SubjectInput<'a> {
    pub given: &'a str,
    pub middle: &'a str,
    pub family: &'a str,
    /// `YYYY-MM-DD` or `YYYYMMDD`.
    pub dob: &'a str,
    pub gender: Option<char>,
    pub address_lines: Vec<&'a str>,
    pub town: &'a str,
    pub postcode: &'a str,
    pub uprn: &'a str,
}

impl Subject {
    pub fn new(input: &SubjectInput<'_>) -> Self {
        let given_words = normalise::name_words(input.given).unwrap_or_default();
        let mut middle_words: Vec<String> = given_words.iter().skip(1).cloned().collect();
        middle_words.extend(normalise::name_words(input.middle).unwrap_or_default());
        let joined = |w: Vec<String>| (!w.is_empty()).then(|| w.join(" "));
        let address = address::parse(&input.address_lines);
        let town = joined(normalise::words(input.town));
        let uprn = input.uprn.trim().trim_start_matches('0');
        Subject {
            v: SUBJECT_VERSION,
            given: given_words.first().cloned(),
            middle: joined(middle_words),
            family: normalise::name_words(input.family).and_then(joined),
            dob: normalise::dob(input.dob),
            gender: input.gender.map(|g| g.to_ascii_lowercase()),
            flat: address.flat,
            house_number: address.house_number,
            street: address.street,
            locality: address.locality,
            town,
            postcode: normalise::postcode(input.postcode),
            uprn: (!uprn.is_empty() && uprn.bytes().all(|b| b.is_ascii_digit()))
                .then(|| uprn.to_owned()),
        }
    }

    /// The stored form (JSON).
    pub fn to_stored(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored form. A row that does not parse (written by an older
    /// matcher) reads as an empty subject: it scores neutral everywhere and
    /// can never be linked to automatically, so it fails safe.
    pub fn from_stored(stored: &str) -> Self {
        serde_json::from_str(stored).unwrap_or_default()
    }

    /// The given name as blocking sees it: nicknames folded to a formal name.
    pub fn canonical_given(&self) -> Option<&str> {
        self.given.as_deref().map(nicknames::canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_a_subject_from_raw_values() {
        let s = Subject::new(&SubjectInput {
            given: "Mrs Mary Ann",
            middle: "Zoë",
            family: "Smith-Jones",
            dob: "1984-06-02",
            gender: Some('F'),
            address_lines: vec!["Flat 2", "14 High St"],
            town: "Birmingham",
            postcode: "b15 3dh",
            uprn: "000100070",
        });
        assert_eq!(s.given.as_deref(), Some("mary"));
        assert_eq!(s.middle.as_deref(), Some("ann zoe"));
        assert_eq!(s.family.as_deref(), Some("smith jones"));
        assert_eq!(s.dob.as_deref(), Some("19840602"));
        assert_eq!(s.gender, Some('f'));
        assert_eq!(s.flat.as_deref(), Some("2"));
        assert_eq!(s.house_number.as_deref(), Some("14"));
        assert_eq!(s.street.as_deref(), Some("high street"));
        assert_eq!(s.town.as_deref(), Some("birmingham"));
        assert_eq!(s.postcode.as_deref(), Some("B153DH"));
        assert_eq!(s.uprn.as_deref(), Some("100070"));
    }

    #[test]
    fn missing_and_invalid_values_are_none() {
        let s = Subject::new(&SubjectInput {
            dob: "19841",
            uprn: "12a",
            ..Default::default()
        });
        assert_eq!(
            s,
            Subject {
                v: SUBJECT_VERSION,
                ..Default::default()
            }
        );
    }

    #[test]
    fn stored_form_round_trips_and_tolerates_old_rows() {
        let s = Subject::new(&SubjectInput {
            given: "Bob",
            family: "Smith",
            ..Default::default()
        });
        assert_eq!(Subject::from_stored(&s.to_stored()), s);
        assert_eq!(
            Subject::from_stored("x:amelia|okafor|1984-06-02|B153DH"),
            Subject::default()
        );
        // Fields added later default.
        let old = Subject::from_stored(r#"{"given":"bob"}"#);
        assert_eq!(old.given.as_deref(), Some("bob"));
        assert_eq!(old.v, 0);
    }
}
