//! Hard negatives: pairs whose fields agree strongly but who are known to
//! be different people (twins; a parent and child sharing a name). They are
//! explicit rules because no weight sum can tell them from a match.

use super::Subject;
use super::compare::{Comparison, Field};

/// Pairs that score high but are known to be different people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HardNegative {
    /// Same family name, date of birth and address; different given names.
    Twins,
    /// Same name and address, dates of birth a generation apart (Sr and Jr).
    ParentChild,
}

impl HardNegative {
    pub fn note(self) -> &'static str {
        match self {
            HardNegative::Twins => {
                "hard negative: twins (same family name, date of birth and address, different given names)"
            }
            HardNegative::ParentChild => {
                "hard negative: parent and child (same name and address, different date of birth)"
            }
        }
    }
}

/// Same dwelling: the UPRN agrees, or the house number does and so does
/// the postcode or the street.
fn same_address(c: &Comparison) -> bool {
    c.is(Field::Uprn, "agree")
        || (c.is(Field::HouseNumber, "agree")
            && (c.is(Field::Postcode, "exact")
                || c.is(Field::Street, "exact")
                || c.is(Field::Street, "jw_high")))
}

pub fn hard_negative(c: &Comparison, a: &Subject, b: &Subject) -> Option<HardNegative> {
    // "Same" here tolerates keying slips: a twin's record with a mistyped
    // surname or date is still a twin, and must not outscore the rule.
    if !agrees(c, Field::Family) || !same_address(c) {
        return None;
    }
    let same_birthday = c.is(Field::Dob, "exact")
        || c.is(Field::Dob, "day_month_swap")
        || c.is(Field::Dob, "one_digit");
    // Only a clearly different given name makes a twin: a typo, nickname,
    // sound-alike or initial of the other is graded above "disagree".
    if same_birthday && c.is(Field::Given, "disagree") {
        return Some(HardNegative::Twins);
    }
    // A date merely mistyped (swap, one digit, same year) or a few years
    // out is not a generation apart.
    if agrees(c, Field::Given)
        && c.is(Field::Dob, "disagree")
        && years_apart(a, b) >= GENERATION_YEARS
    {
        return Some(HardNegative::ParentChild);
    }
    None
}

/// Present on both sides and graded above "disagree".
fn agrees(c: &Comparison, field: Field) -> bool {
    c.level(field).is_some_and(|l| l != "disagree")
}

/// The least age gap between a parent and a child sharing their name.
const GENERATION_YEARS: u32 = 12;

fn years_apart(a: &Subject, b: &Subject) -> u32 {
    let year = |s: &Subject| s.dob.as_deref().and_then(|d| d[..4].parse::<i32>().ok());
    match (year(a), year(b)) {
        (Some(x), Some(y)) => x.abs_diff(y),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::{SubjectInput, compare};

    fn subject(given: &str, family: &str, dob: &str) -> Subject {
        Subject::new(&SubjectInput {
            given,
            family,
            dob,
            address_lines: vec!["14 Harborne Road"],
            postcode: "B15 3DH",
            ..Default::default()
        })
    }

    fn rule(a: &Subject, b: &Subject) -> Option<HardNegative> {
        hard_negative(&compare(a, b), a, b)
    }

    #[test]
    fn keying_slips_do_not_hide_kin() {
        let amelia = subject("Amelia", "Okafor", "1984-06-02");
        // A twin's record with a mistyped surname or birthday.
        let twin = subject("Chioma", "Okafro", "1984-02-06");
        assert_eq!(rule(&amelia, &twin), Some(HardNegative::Twins));
        // A daughter named after her mother, her name mistyped.
        let junior = subject("Amelai", "Okafor", "2010-09-15");
        assert_eq!(rule(&amelia, &junior), Some(HardNegative::ParentChild));
    }

    #[test]
    fn slips_and_nicknames_are_not_kin() {
        let robert = subject("Robert", "Okafor", "1984-06-02");
        for other in [
            subject("Bob", "Okafor", "1984-06-02"),
            subject("Rboert", "Okafor", "1984-06-02"),
            subject("R", "Okafor", "1984-06-02"),
            subject("Robert", "Okafor", "1984-06-03"),
            subject("Robert", "Okafor", "1964-06-02"),
        ] {
            assert_eq!(rule(&robert, &other), None, "{other:?}");
        }
    }
}
