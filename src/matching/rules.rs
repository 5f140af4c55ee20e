//! Hard negatives: pairs whose fields agree strongly but who are known to
//! be different people (twins; a parent and child sharing a name). They are
//! explicit rules because no weight sum can tell them from a match. Also
//! whether a pair is corroborated by its date of birth or its home, without
//! which a name alone cannot link (namesakes).

use super::compare::{self, Comparison, Field};
use super::{Subject, nicknames};

/// Pairs that score high but are known to be different people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HardNegative {
    /// Same family name, date of birth and address; different given names.
    Twins,
    /// Same family name, date of birth and address, and a given name that
    /// may be the other's or a twin's (an initial, a nickname two names
    /// share, the other's given name as a middle name): a veto only where
    /// the hub knows two people there (`decide`).
    MaybeTwin,
    /// Same name and address, dates of birth a generation apart (Sr and Jr).
    ParentChild,
    /// Same name and address, born in different years less than a
    /// generation apart: brothers or cousins named alike.
    Namesakes,
}

impl HardNegative {
    pub fn note(self) -> &'static str {
        match self {
            HardNegative::Twins => {
                "hard negative: twins (same family name, date of birth and address, different given names)"
            }
            HardNegative::MaybeTwin => {
                "hard negative: may be a twin (same family name, date of birth and address; the given name fits either)"
            }
            HardNegative::ParentChild => {
                "hard negative: parent and child (same name and address, different date of birth)"
            }
            HardNegative::Namesakes => {
                "hard negative: namesakes (same name and address, born in different years)"
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

/// One street and postcode, the house number aside: a clearly different
/// given name there is a twin keyed at the house next door as often as a
/// slip in the number.
fn next_door(c: &Comparison) -> bool {
    c.is(Field::Postcode, "exact")
        && (c.is(Field::Street, "exact") || c.is(Field::Street, "jw_high"))
}

pub fn hard_negative(c: &Comparison, a: &Subject, b: &Subject) -> Option<HardNegative> {
    // "Same" here tolerates keying slips: a twin's record with a mistyped
    // surname or date is still a twin, and must not outscore the rule.
    if !agrees(c, Field::Family) {
        return None;
    }
    let home = same_address(c);
    let same_birthday = c.is(Field::Dob, "exact")
        || c.is(Field::Dob, "day_month_swap")
        || c.is(Field::Dob, "one_digit");
    // Only a clearly different given name makes a twin: a typo, nickname,
    // sound-alike or initial of the other is graded above "disagree", and
    // a slip the grading misses or a given/middle swap is checked here.
    // At one birthday and home an initial may be either twin (twins of one
    // sex share an initial often enough), and so may a nickname two names
    // share. One's given name as the other's middle name,
    // not the other way round too, is what twins named after each other
    // look like, wherever each lives now.
    let given = c.level(Field::Given);
    let twins = match given {
        Some("disagree") if (home || next_door(c)) && !same_given_name(c, a, b) => {
            Some(HardNegative::Twins)
        }
        Some("prefix") if home => Some(HardNegative::MaybeTwin),
        Some("nickname") if home && ambiguous_nickname(a, b) => Some(HardNegative::MaybeTwin),
        Some("middle") if !same_given_name(c, a, b) => Some(HardNegative::MaybeTwin),
        _ => None,
    };
    if same_birthday && twins.is_some() {
        return twins;
    }
    if !home {
        return None;
    }
    // One name at one home, born in different years (beyond a slip): a
    // parent and child a generation apart, or brothers both named after
    // their father; a wrong year is the rarer story.
    if agrees(c, Field::Given) && c.is(Field::Dob, "disagree") {
        return Some(if years_apart(a, b) >= GENERATION_YEARS {
            HardNegative::ParentChild
        } else {
            HardNegative::Namesakes
        });
    }
    None
}

/// Given names that differ but are one person's: a keying slip of one
/// letter (or two in a longer name) when they are not both names people
/// are called, or the given and middle names keyed in each other's place.
/// A known gender that disagrees overrules both: "Sam" and "Pam" are a
/// brother and sister.
fn same_given_name(c: &Comparison, a: &Subject, b: &Subject) -> bool {
    if c.is(Field::Gender, "disagree") {
        return false;
    }
    let (Some(x), Some(y)) = (a.given.as_deref(), b.given.as_deref()) else {
        return false;
    };
    let edits = strsim::osa_distance(x, y);
    let shorter = x.len().min(y.len());
    let slip = (edits == 1 && shorter >= 3) || (edits == 2 && shorter >= 5);
    if slip && !(nicknames::known(x) && nicknames::known(y)) {
        return true;
    }
    let has = |middle: &Option<String>, name: &str| {
        middle
            .as_deref()
            .is_some_and(|m| m.split(' ').any(|w| w == name))
    };
    let run_together = |given: &str, middle: &Option<String>, other: &str| {
        middle
            .as_deref()
            .and_then(|m| m.split(' ').next())
            .is_some_and(|first| other == format!("{given}{first}"))
    };
    (has(&a.middle, y) && has(&b.middle, x))
        || run_together(x, &a.middle, y)
        || run_together(y, &b.middle, x)
}

/// "Em" beside "Emma" at one birthday and home may be Emma or her twin
/// Emily: a nickname shared by another, clearly different, formal name.
fn ambiguous_nickname(a: &Subject, b: &Subject) -> bool {
    let (Some(x), Some(y)) = (a.given.as_deref(), b.given.as_deref()) else {
        return false;
    };
    let other_formal = |nick: &str, name: &str| {
        nicknames::british_formals(nick)
            .iter()
            .any(|f| compare::given(f, name) == "disagree")
    };
    other_formal(x, y) || other_formal(y, x)
}

/// Whether a pair shares a family name, a birthday (up to a slip) and a
/// home: where a twin would be.
pub fn twins_would_share(c: &Comparison) -> bool {
    agrees(c, Field::Family)
        && same_address(c)
        && (c.is(Field::Dob, "exact")
            || c.is(Field::Dob, "day_month_swap")
            || c.is(Field::Dob, "one_digit"))
}

/// Whether the person's identity, beyond where they live, agrees: the
/// exact date of birth, or at least two of the given name, the family name
/// and the date of birth (up to a slip). One alone, with a shared home, is
/// a household: a partner, a sibling, a parent.
pub fn identity_corroborated(c: &Comparison) -> bool {
    // A value missing on either side says nothing against. The same exact
    // birthday at one home is rare enough among housemates (and names are
    // what keying loses) to stay a steward's question.
    if c.is(Field::Dob, "exact") {
        return true;
    }
    let against = [
        c.is(Field::Given, "disagree"),
        c.is(Field::Family, "disagree"),
        matches!(c.level(Field::Dob), Some("same_year" | "disagree")),
    ];
    against.iter().filter(|a| **a).count() <= 1
}

/// Whether the names are enough for an automatic link: a weak or wholly
/// different given name with a different family name never is. A
/// family name that changed (a marriage) or a given name that only sounds
/// or starts alike is, with a date that differs too, as often a sibling or
/// a neighbour as the person.
pub fn names_hold(c: &Comparison) -> bool {
    let given = c.level(Field::Given);
    let weak_given = matches!(given, Some("jw_mid" | "phonetic" | "prefix" | "disagree"));
    let family_differs = c.is(Field::Family, "disagree");
    if weak_given && family_differs {
        return false;
    }
    c.is(Field::Dob, "exact") || !(weak_given || family_differs)
}

/// Whether the home or the exact date of birth agrees. A missing date
/// cannot be judged (the hub always has one). The home is the
/// UPRN, or the house number with the postcode or the street in the same
/// district; a house number that disagrees is next door, where a parent
/// or a namesake may live.
pub fn corroborated(c: &Comparison) -> bool {
    let street = c.is(Field::Street, "exact") || c.is(Field::Street, "jw_high");
    let house = c.level(Field::HouseNumber);
    let home = c.is(Field::Uprn, "agree")
        || (house == Some("agree")
            && (c.is(Field::Postcode, "exact") || (c.is(Field::Postcode, "near") && street)))
        || (house.is_none() && c.is(Field::Postcode, "exact") && street);
    // Away from home a slip in the date is a second difference: a
    // namesake's birthday is as likely.
    home || c.level(Field::Dob).is_none_or(|d| d == "exact")
}

/// Present on both sides and graded above "disagree".
fn agrees(c: &Comparison, field: Field) -> bool {
    c.level(field).is_some_and(|l| l != "disagree")
}

/// The least age gap between a parent and a child sharing their name:
/// anything closer is a mistyped year, not a generation.
const GENERATION_YEARS: u32 = 14;

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
            subject("Robert", "Okafor", "1984-06-03"),
            subject("Robert", "Okafor", "1964-06-02"),
        ] {
            assert_eq!(rule(&robert, &other), None, "{other:?}");
        }
        // An initial at one birthday and home may be either twin (Robert,
        // Richard).
        let initial = subject("R", "Okafor", "1984-06-02");
        assert_eq!(rule(&robert, &initial), Some(HardNegative::MaybeTwin));
    }

    #[test]
    fn twins_named_after_each_other_are_twins_wherever_they_live() {
        let mut emma = subject("Emma", "Okafor", "1984-06-02");
        let mut grace = subject("Grace", "Okafor", "1984-06-02");
        grace.middle = Some("emma".into());
        grace.postcode = Some("M11AE".into());
        grace.house_number = Some("2".into());
        assert_eq!(rule(&emma, &grace), Some(HardNegative::MaybeTwin));
        // Names fully swapped are one person's.
        emma.middle = Some("grace".into());
        assert_eq!(rule(&emma, &grace), None);
    }

    fn with_gender(given: &str, dob: &str, gender: char) -> Subject {
        Subject {
            gender: Some(gender),
            ..subject(given, "Okafor", dob)
        }
    }

    #[test]
    fn twins_with_real_names_are_refused_even_when_the_names_look_alike() {
        let amelia = subject("Amelia", "Okafor", "1984-06-02");
        assert_eq!(
            rule(&amelia, &subject("Chioma", "Okafor", "1984-06-02")),
            Some(HardNegative::Twins)
        );
        // One letter apart, but both are names people are called.
        let ben = subject("Ben", "Okafor", "1984-06-02");
        assert_eq!(
            rule(&ben, &subject("Ken", "Okafor", "1984-06-02")),
            Some(HardNegative::Twins)
        );
        // "Em" may be Emma or her twin Emily; "Bob" is only ever Robert.
        let emma = subject("Emma", "Okafor", "1984-06-02");
        assert_eq!(
            rule(&emma, &subject("Em", "Okafor", "1984-06-02")),
            Some(HardNegative::MaybeTwin)
        );
        let robert = subject("Robert", "Okafor", "1984-06-02");
        assert_eq!(rule(&robert, &subject("Bob", "Okafor", "1984-06-02")), None);
        // A slip-like pair whose genders disagree is a brother and sister.
        let tom = with_gender("Tom", "1984-06-02", 'm');
        assert_eq!(
            rule(&tom, &with_gender("Tmo", "1984-06-02", 'f')),
            Some(HardNegative::Twins)
        );
    }

    #[test]
    fn a_mistyped_given_name_or_a_middle_name_first_is_not_a_twin() {
        // FEBRL-style slips the Jaro-Winkler bands grade as "disagree".
        for (x, y) in [
            ("jack", "jadk"),
            ("zane", "zdne"),
            ("john", "jorn"),
            ("marcus", "marris"),
        ] {
            let (a, b) = (
                subject(x, "Okafor", "1984-06-02"),
                subject(y, "Okafor", "1984-06-02"),
            );
            assert!(compare(&a, &b).is(Field::Given, "disagree"), "{x} {y}");
            assert_eq!(rule(&a, &b), None, "{x} {y}");
        }
        let mary_ann = subject("Mary Ann", "Okafor", "1984-06-02");
        assert_eq!(
            rule(&mary_ann, &subject("Ann Mary", "Okafor", "1984-06-02")),
            None
        );
    }

    #[test]
    fn a_generation_is_a_parent_a_slip_is_not() {
        let amelia = subject("Amelia", "Okafor", "1984-06-02");
        assert_eq!(
            rule(&amelia, &subject("Amelia", "Okafor", "2009-03-14")),
            Some(HardNegative::ParentChild)
        );
        // One digit of the year, the day and month the same: a slip.
        assert_eq!(
            rule(&amelia, &subject("Amelia", "Okafor", "1994-06-02")),
            None
        );
        // Closer than any parent: a sister named alike, or a wrong year.
        assert_eq!(
            rule(&amelia, &subject("Amelia", "Okafor", "1997-11-20")),
            Some(HardNegative::Namesakes)
        );
    }
}
