//! Field-by-field comparison of two subjects into graded agreement levels
//! (exact, Jaro-Winkler bands, phonetic, nickname, date slips...). A field
//! missing on either side has no level and scores neutral.

use super::{Subject, nicknames, phonetic};
use strsim::jaro_winkler;

/// The compared fields, in a fixed order (the index of a `Comparison`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Given,
    Family,
    Dob,
    Gender,
    Uprn,
    Postcode,
    HouseNumber,
    Street,
    Locality,
    Town,
    /// The first middle name, where both records hold one.
    Middle,
}

pub const FIELD_COUNT: usize = 11;

impl Field {
    pub const ALL: [Field; FIELD_COUNT] = [
        Field::Given,
        Field::Family,
        Field::Dob,
        Field::Gender,
        Field::Uprn,
        Field::Postcode,
        Field::HouseNumber,
        Field::Street,
        Field::Locality,
        Field::Town,
        Field::Middle,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Given => "given_name",
            Field::Family => "family_name",
            Field::Dob => "date_of_birth",
            Field::Gender => "gender",
            Field::Uprn => "uprn",
            Field::Postcode => "postcode",
            Field::HouseNumber => "house_number",
            Field::Street => "street",
            Field::Locality => "locality",
            Field::Town => "town",
            Field::Middle => "middle_name",
        }
    }

    /// The name of the adjustment for how common an agreeing value is.
    pub fn frequency_name(self) -> &'static str {
        match self {
            Field::Given => "given_name_frequency",
            Field::Family => "family_name_frequency",
            Field::Street => "street_frequency",
            Field::Postcode => "postcode_frequency",
            _ => "frequency",
        }
    }

    /// Level names, strongest agreement first; the last is "disagree".
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::Given => &[
                "exact", "nickname", "variant", "middle", "jw_high", "jw_mid", "phonetic",
                "prefix", "disagree",
            ],
            Field::Family => &["exact", "part", "jw_high", "jw_mid", "phonetic", "disagree"],
            Field::Dob => &[
                "exact",
                "day_month_swap",
                "one_digit",
                "same_year",
                "disagree",
            ],
            Field::Gender | Field::Uprn | Field::HouseNumber => &["agree", "disagree"],
            Field::Postcode => &["exact", "near", "disagree"],
            Field::Street => &["exact", "jw_high", "jw_mid", "disagree"],
            Field::Locality | Field::Town => &["exact", "jw_high", "disagree"],
            Field::Middle => &["exact", "initial", "disagree"],
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn by_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The level of each field (an index into `Field::levels`), `None` where
/// either side lacks the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Comparison(pub [Option<u8>; FIELD_COUNT]);

impl Comparison {
    pub fn level(&self, field: Field) -> Option<&'static str> {
        self.0[field.index()].map(|l| field.levels()[l as usize])
    }

    pub fn is(&self, field: Field, level: &str) -> bool {
        self.level(field) == Some(level)
    }
}

/// Index of `name` in the field's levels (a programming error if absent).
fn lvl(field: Field, name: &str) -> u8 {
    field
        .levels()
        .iter()
        .position(|l| *l == name)
        .expect("known level") as u8
}

pub fn compare(a: &Subject, b: &Subject) -> Comparison {
    let mut c = [None; FIELD_COUNT];
    let mut set = |field: Field, level: Option<&str>| {
        c[field.index()] = level.map(|l| lvl(field, l));
    };
    // Given and family names keyed into each other's boxes are common
    // enough to recognise: take the crossed reading when it agrees better.
    let [g, f] = better(
        [
            both(&a.given, &b.given).map(|(x, y)| given(x, y)),
            both(&a.family, &b.family).map(|(x, y)| family(x, y)),
        ],
        [
            both(&a.given, &b.family).map(|(x, y)| given(x, y)),
            both(&a.family, &b.given).map(|(x, y)| family(x, y)),
        ],
    );
    // A person known by their middle name, names keyed the other way
    // round, or run together ("Mary Ann" / "Maryann").
    let g = match g {
        Some(level) if weaker_than_middle(level) && by_middle_name(a, b) => Some("middle"),
        other => other,
    };
    set(Field::Given, g);
    // Middle names tell apart brothers both called Mohammed: they are read
    // where the given names agree. Where those differ, sisters sharing a
    // middle name are no evidence of one person; where the given name was
    // read through a middle name they say nothing more.
    let first = |m: &Option<String>| {
        m.as_deref()
            .and_then(|m| m.split(' ').next().map(str::to_owned))
    };
    if !matches!(g, Some("middle" | "disagree")) {
        set(
            Field::Middle,
            first(&a.middle)
                .zip(first(&b.middle))
                .map(|(x, y)| middle(&x, &y)),
        );
    }
    set(Field::Family, f);
    set(Field::Dob, both(&a.dob, &b.dob).map(|(x, y)| dob(x, y)));
    set(
        Field::Gender,
        a.gender.zip(b.gender).map(|(x, y)| agree(x == y)),
    );
    set(
        Field::Uprn,
        both(&a.uprn, &b.uprn).map(|(x, y)| agree(x == y)),
    );
    set(
        Field::Postcode,
        both(&a.postcode, &b.postcode).map(|(x, y)| postcode(x, y)),
    );
    set(
        Field::HouseNumber,
        both(&a.house_number, &b.house_number).map(|(x, y)| {
            // Two different flats at one number are two households.
            let flats_differ = matches!((&a.flat, &b.flat), (Some(f), Some(g)) if f != g);
            agree(x == y && !flats_differ)
        }),
    );
    // Likewise a building or district line keyed before the street.
    let [st, loc] = better(
        [
            both(&a.street, &b.street).map(|(x, y)| street(x, y)),
            both(&a.locality, &b.locality).map(|(x, y)| place(x, y)),
        ],
        [
            both(&a.street, &b.locality).map(|(x, y)| street(x, y)),
            both(&a.locality, &b.street).map(|(x, y)| place(x, y)),
        ],
    );
    set(Field::Street, st);
    set(Field::Locality, loc);
    set(
        Field::Town,
        both(&a.town, &b.town).map(|(x, y)| place(x, y)),
    );
    Comparison(c)
}

/// The crossed reading of two fields only when it has strictly more
/// agreeing levels than the direct one.
fn better<'a>(direct: [Option<&'a str>; 2], crossed: [Option<&'a str>; 2]) -> [Option<&'a str>; 2] {
    let agreeing = |levels: &[Option<&str>; 2]| {
        levels
            .iter()
            .filter(|l| l.is_some_and(|l| l != "disagree"))
            .count()
    };
    if agreeing(&crossed) > agreeing(&direct) {
        crossed
    } else {
        direct
    }
}

fn both<'a>(a: &'a Option<String>, b: &'a Option<String>) -> Option<(&'a str, &'a str)> {
    a.as_deref().zip(b.as_deref())
}

fn agree(same: bool) -> &'static str {
    if same { "agree" } else { "disagree" }
}

fn weaker_than_middle(level: &str) -> bool {
    let levels = Field::Given.levels();
    let rank = |l: &str| levels.iter().position(|x| *x == l);
    rank(level) > rank("middle")
}

/// The given names agree through a middle name: one's given name is among
/// the other's middle names (either way round, up to a nickname or
/// variant: a slip may be another name, as Michael and Michelle), or one's given and first middle name written as one word are the
/// other's given name, or its given name ends with the other's.
fn by_middle_name(a: &Subject, b: &Subject) -> bool {
    let (Some(x), Some(y)) = (a.given.as_deref(), b.given.as_deref()) else {
        return false;
    };
    let among = |middle: &Option<String>, name: &str| {
        middle.as_deref().is_some_and(|m| {
            m.split(' ')
                .any(|w| matches!(given(w, name), "exact" | "nickname" | "variant"))
        })
    };
    // "Shamimmohammed" for Shamim Mohammed, known as Mohammed.
    let ends_with = |long: &str, name: &str| {
        name.len() >= 4 && long.len() >= name.len() + 3 && long.ends_with(name)
    };
    let run_together = |given: &str, middle: &Option<String>, other: &str| {
        middle
            .as_deref()
            .and_then(|m| m.split(' ').next())
            .is_some_and(|first| {
                other.len() == given.len() + first.len() && other == format!("{given}{first}")
            })
    };
    among(&b.middle, x)
        || among(&a.middle, y)
        || run_together(x, &a.middle, y)
        || run_together(y, &b.middle, x)
        || ends_with(x, y)
        || ends_with(y, x)
}

/// Given names. Nicknames rank just below exact: "Bob" for "Robert" is a
/// choice, not an error; so is a spelling or transliteration of one name.
pub fn given(a: &str, b: &str) -> &'static str {
    if a == b {
        return "exact";
    }
    if nicknames::related(a, b) {
        return "nickname";
    }
    if super::variants::variants(a, b) {
        return "variant";
    }
    let jw = jaro_winkler(a, b);
    if jw >= 0.94 {
        "jw_high"
    } else if jw >= 0.88 {
        "jw_mid"
    } else if phonetic::code(a) == phonetic::code(b) {
        "phonetic"
    } else if a.starts_with(b) || b.starts_with(a) {
        // An initial ("J") or a name cut short ("Br" for "Brinley").
        "prefix"
    } else {
        "disagree"
    }
}

/// Family names, as space-separated words. A shared part of a
/// double-barrelled name ("Smith-Jones" / "Jones") is its own level.
pub fn family(a: &str, b: &str) -> &'static str {
    let compact = |s: &str| s.replace(' ', "");
    let (ca, cb) = (compact(a), compact(b));
    if ca == cb {
        return "exact";
    }
    let multi = a.contains(' ') || b.contains(' ');
    if multi && a.split(' ').any(|w| b.split(' ').any(|v| v == w)) {
        return "part";
    }
    let jw = jaro_winkler(&ca, &cb);
    if jw >= 0.94 {
        "jw_high"
    } else if jw >= 0.88 {
        "jw_mid"
    } else if phonetic::code(&ca) == phonetic::code(&cb) {
        "phonetic"
    } else {
        "disagree"
    }
}

/// Dates as `YYYYMMDD`: the keying slips seen in practice are a day/month
/// swap and one wrong or two transposed digits.
pub fn dob(a: &str, b: &str) -> &'static str {
    if a == b {
        return "exact";
    }
    let (ya, ma, da) = (&a[0..4], &a[4..6], &a[6..8]);
    let (yb, mb, db) = (&b[0..4], &b[4..6], &b[6..8]);
    if ya == yb && ma == db && da == mb {
        return "day_month_swap";
    }
    if one_digit_slip(a.as_bytes(), b.as_bytes()) {
        return "one_digit";
    }
    if ya == yb { "same_year" } else { "disagree" }
}

/// One substituted character, or two adjacent ones transposed.
fn one_digit_slip(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    match diffs.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}

/// Postcodes in compact form. "Near" is one keying slip, or (UK shape)
/// the same outward code: the same district.
pub fn postcode(a: &str, b: &str) -> &'static str {
    if a == b {
        return "exact";
    }
    let same_outward = matches!((uk_outward(a), uk_outward(b)), (Some(x), Some(y)) if x == y);
    if same_outward || one_digit_slip(a.as_bytes(), b.as_bytes()) {
        "near"
    } else {
        "disagree"
    }
}

/// The outward code of a UK-shaped postcode (letters first, 5-7 long).
fn uk_outward(p: &str) -> Option<&str> {
    (p.len() >= 5 && p.starts_with(|c: char| c.is_ascii_alphabetic())).then(|| &p[..p.len() - 3])
}

pub fn street(a: &str, b: &str) -> &'static str {
    if a == b {
        return "exact";
    }
    let jw = jaro_winkler(a, b);
    if jw >= 0.94 {
        "jw_high"
    } else if jw >= 0.85 {
        "jw_mid"
    } else {
        "disagree"
    }
}

/// First middle names: the same, one the other's initial, or not.
pub fn middle(a: &str, b: &str) -> &'static str {
    if a == b || nicknames::related(a, b) || super::variants::variants(a, b) {
        "exact"
    } else if (a.len() == 1 || b.len() == 1) && a.chars().next() == b.chars().next() {
        "initial"
    } else {
        "disagree"
    }
}

/// Towns and localities.
pub fn place(a: &str, b: &str) -> &'static str {
    if a == b {
        "exact"
    } else if jaro_winkler(a, b) >= 0.90 {
        "jw_high"
    } else {
        "disagree"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_levels() {
        assert_eq!(given("robert", "robert"), "exact");
        assert_eq!(given("bob", "robert"), "nickname");
        assert_eq!(given("jonathan", "jonatahn"), "jw_high");
        assert_eq!(given("katherine", "kathryn"), "variant");
        assert_eq!(given("mohammed", "muhammad"), "variant");
        assert_eq!(given("christopher", "christohper"), "jw_high");
        assert_eq!(given("ciaran", "kieran"), "phonetic");
        assert_eq!(given("j", "john"), "prefix");
        assert_eq!(given("br", "brinley"), "prefix");
        assert_eq!(given("john", "mary"), "disagree");
    }

    #[test]
    fn family_levels() {
        assert_eq!(family("obrien", "obrien"), "exact");
        assert_eq!(family("smith jones", "smithjones"), "exact");
        assert_eq!(family("smith jones", "jones"), "part");
        assert_eq!(family("harrington", "harringtn"), "jw_high");
        assert_eq!(family("smith", "smyth"), "jw_mid");
        assert_eq!(family("smith", "okafor"), "disagree");
    }

    #[test]
    fn dob_levels() {
        assert_eq!(dob("19840602", "19840602"), "exact");
        assert_eq!(dob("19840602", "19840206"), "day_month_swap");
        assert_eq!(dob("19840602", "19840603"), "one_digit");
        assert_eq!(dob("19840602", "19480602"), "one_digit");
        assert_eq!(dob("19840602", "19841130"), "same_year");
        assert_eq!(dob("19840602", "19900101"), "disagree");
    }

    #[test]
    fn postcode_levels() {
        assert_eq!(postcode("B153DH", "B153DH"), "exact");
        assert_eq!(postcode("B153DH", "B152TT"), "near");
        assert_eq!(postcode("4011", "4012"), "near");
        assert_eq!(postcode("4011", "4101"), "near");
        assert_eq!(postcode("B153DH", "M11AE"), "disagree");
        assert_eq!(postcode("4011", "2776"), "disagree");
    }

    #[test]
    fn address_levels() {
        assert_eq!(street("high street", "high street"), "exact");
        assert_eq!(street("tullaroop street", "tullaroop setreet"), "jw_high");
        assert_eq!(street("high street", "church road"), "disagree");
        assert_eq!(place("st james", "st jmaes"), "jw_high");
        assert_eq!(place("edgbaston", "harborne"), "disagree");
    }

    fn subject(given: &str, flat: Option<&str>, number: &str) -> Subject {
        Subject {
            given: Some(given.into()),
            flat: flat.map(Into::into),
            house_number: Some(number.into()),
            gender: Some('f'),
            ..Default::default()
        }
    }

    #[test]
    fn missing_values_have_no_level_and_flats_split_houses() {
        let a = subject("ann", Some("1"), "14");
        let b = subject("anne", Some("2"), "14");
        let c = compare(&a, &b);
        assert_eq!(c.level(Field::Given), Some("variant"));
        assert_eq!(c.level(Field::HouseNumber), Some("disagree"));
        assert_eq!(c.level(Field::Gender), Some("agree"));
        assert_eq!(c.level(Field::Dob), None);
        assert_eq!(c.level(Field::Family), None);
        let d = subject("ann", None, "14");
        assert!(compare(&a, &d).is(Field::HouseNumber, "agree"));
    }

    #[test]
    fn swapped_names_and_lines_are_read_crossed() {
        let a = Subject {
            given: Some("jack".into()),
            family: Some("braddy".into()),
            street: Some("arndell street".into()),
            locality: Some("parma farm".into()),
            ..Default::default()
        };
        let b = Subject {
            given: Some("braddy".into()),
            family: Some("jack".into()),
            street: Some("parma farm".into()),
            locality: Some("arndell street".into()),
            ..Default::default()
        };
        let c = compare(&a, &b);
        assert_eq!(c.level(Field::Given), Some("exact"));
        assert_eq!(c.level(Field::Family), Some("exact"));
        assert_eq!(c.level(Field::Street), Some("exact"));
        assert_eq!(c.level(Field::Locality), Some("exact"));
        // One name in the other's box alone is not a swap.
        let d = Subject {
            family: Some("jack".into()),
            ..a.clone()
        };
        assert_eq!(compare(&a, &d).level(Field::Family), Some("disagree"));
    }

    fn named(given: &str, middle: Option<&str>) -> Subject {
        Subject {
            given: Some(given.into()),
            middle: middle.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn middle_names_swapped_used_or_run_together() {
        let level = |a: &Subject, b: &Subject| compare(a, b).level(Field::Given);
        let john_paul = named("john", Some("paul"));
        assert_eq!(
            level(&john_paul, &named("paul", Some("john"))),
            Some("middle")
        );
        assert_eq!(level(&john_paul, &named("paul", None)), Some("middle"));
        assert_eq!(
            level(&named("mary", Some("ann")), &named("maryann", None)),
            Some("middle")
        );
        // Known by a middle name or its nickname, or by the last of names
        // run together.
        let john_christopher = named("john", Some("christopher"));
        assert_eq!(
            level(&john_christopher, &named("chris", None)),
            Some("middle")
        );
        assert_eq!(
            level(&named("megan", Some("olivia")), &named("olivia", None)),
            Some("middle")
        );
        assert_ne!(
            level(&named("shaun", Some("michael")), &named("michelle", None)),
            Some("middle")
        );
        assert_eq!(
            level(&named("shamimmohammed", None), &named("mohammed", None)),
            Some("middle")
        );
        // Too short a part to be a name of its own.
        assert_eq!(
            level(&named("christopher", None), &named("her", None)),
            Some("disagree")
        );
        // A nickname stays a nickname; unrelated names stay apart.
        assert_eq!(
            level(&named("bob", Some("paul")), &named("robert", None)),
            Some("nickname")
        );
        assert_eq!(
            level(&john_paul, &named("peter", Some("james"))),
            Some("disagree")
        );
    }

    #[test]
    fn every_field_ends_in_disagree() {
        for f in Field::ALL {
            assert_eq!(f.levels().last(), Some(&"disagree"), "{f:?}");
            assert_eq!(Field::by_name(f.name()), Some(f));
        }
    }
}
