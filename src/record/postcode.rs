//! UK postcodes in the Royal Mail format: an outward code (area + district,
//! e.g. `B15`, `SW1A`) and an inward code (sector digit + unit, e.g. `2TT`),
//! stored upper case with one space between them.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Postcode(String);

impl Postcode {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let compact: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.is_empty() {
            return Err("is required".into());
        }
        let invalid = || "must be a UK postcode in the Royal Mail format, e.g. B15 2TT".to_string();
        if compact.len() < 5 || compact.len() > 7 || !compact.is_ascii() {
            return Err(invalid());
        }
        let (outward, inward) = compact.split_at(compact.len() - 3);
        if compact == "GIR0AA" || (valid_outward(outward) && valid_inward(inward)) {
            Ok(Self(format!("{outward} {inward}")))
        } else {
            Err(invalid())
        }
    }

    /// For values read back from the store, which were valid when written.
    pub fn from_stored(value: String) -> Self {
        Self(value)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The outward code, e.g. `B15` of `B15 2TT`.
    pub fn outward(&self) -> &str {
        self.0.split(' ').next().unwrap_or_default()
    }
}

impl fmt::Display for Postcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether `code` (upper case, no spaces) has the shape of an outward code
/// such as `B15` or `SW1A`; search uses it to spot a partial postcode.
pub fn is_outward(code: &str) -> bool {
    valid_outward(code)
}

/// Outward code shapes: A9, A99, A9A, AA9, AA99, AA9A, with Royal Mail's
/// letter restrictions per position.
fn valid_outward(code: &str) -> bool {
    let c: Vec<char> = code.chars().collect();
    let first = |ch: char| ch.is_ascii_uppercase() && !"QVX".contains(ch);
    let second = |ch: char| ch.is_ascii_uppercase() && !"IJZ".contains(ch);
    let digit = |ch: char| ch.is_ascii_digit();
    match c.as_slice() {
        [a, d] => first(*a) && digit(*d),
        [a, d1, d2] if digit(*d1) && digit(*d2) => first(*a),
        [a, d, l] if digit(*d) => first(*a) && "ABCDEFGHJKPSTUW".contains(*l),
        [a, b, d] => first(*a) && second(*b) && digit(*d),
        [a, b, d1, d2] if digit(*d2) => first(*a) && second(*b) && digit(*d1),
        [a, b, d, l] => first(*a) && second(*b) && digit(*d) && "ABEHMNPRVWXY".contains(*l),
        _ => false,
    }
}

/// Inward code: a digit then two letters, never C, I, K, M, O or V.
fn valid_inward(code: &str) -> bool {
    let unit = |ch: char| ch.is_ascii_uppercase() && !"CIKMOV".contains(ch);
    let c: Vec<char> = code.chars().collect();
    matches!(c.as_slice(), [d, u1, u2] if d.is_ascii_digit() && unit(*u1) && unit(*u2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_to_royal_mail_format() {
        for (raw, want) in [
            ("b152tt", "B15 2TT"),
            (" sw1a 1aa ", "SW1A 1AA"),
            ("M1 1AE", "M1 1AE"),
            ("w1a0ax", "W1A 0AX"),
            ("CR2 6XH", "CR2 6XH"),
            ("DN55 1PT", "DN55 1PT"),
            ("gir0aa", "GIR 0AA"),
        ] {
            assert_eq!(Postcode::parse(raw).unwrap().as_str(), want, "{raw}");
        }
    }

    #[test]
    fn rejects_malformed() {
        for raw in [
            "",
            "B15",
            "12345",
            "B15 2CT",
            "QA1 1AA",
            "B15 2T",
            "BB15 2TTT",
            "B1€ 2TT",
        ] {
            assert!(Postcode::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn outward_code() {
        assert_eq!(Postcode::parse("B15 2TT").unwrap().outward(), "B15");
    }
}
