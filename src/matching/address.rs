//! Address lines taken apart for matching: flat and house numbers parsed
//! out, street-type abbreviations expanded ("Rd" -> "road"), the street
//! separated from the locality lines.

use super::normalise::words;

/// Street-type and flat abbreviations, expanded on both sides of a
/// comparison so "High St" meets "High Street".
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("rd", "road"),
    ("st", "street"),
    ("str", "street"),
    ("ave", "avenue"),
    ("av", "avenue"),
    ("ln", "lane"),
    ("cres", "crescent"),
    ("cresc", "crescent"),
    ("cr", "crescent"),
    ("cl", "close"),
    ("ct", "court"),
    ("crt", "court"),
    ("dr", "drive"),
    ("drv", "drive"),
    ("gdns", "gardens"),
    ("gr", "grove"),
    ("gro", "grove"),
    ("pl", "place"),
    ("sq", "square"),
    ("tce", "terrace"),
    ("terr", "terrace"),
    ("pde", "parade"),
    ("hwy", "highway"),
    ("cct", "circuit"),
    ("cir", "circuit"),
    ("wy", "way"),
    ("pk", "park"),
    ("mt", "mount"),
    ("ho", "house"),
    ("bldgs", "buildings"),
    ("apartment", "flat"),
    ("apt", "flat"),
    ("flt", "flat"),
    ("unit", "flat"),
    ("no", "number"),
];

/// Words that end a street name; a line ending in one is the street line.
const STREET_TYPES: &[&str] = &[
    "road",
    "street",
    "avenue",
    "lane",
    "crescent",
    "close",
    "court",
    "drive",
    "gardens",
    "grove",
    "place",
    "square",
    "terrace",
    "parade",
    "highway",
    "circuit",
    "way",
    "walk",
    "row",
    "hill",
    "mews",
    "rise",
    "view",
    "green",
    "park",
    "boulevard",
    "cove",
    "esplanade",
];

/// The parts of an address a comparison needs; each `None` when absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedAddress {
    pub flat: Option<String>,
    pub house_number: Option<String>,
    pub street: Option<String>,
    /// Lines other than the street: building names, districts.
    pub locality: Option<String>,
}

/// Expands abbreviations; "st" first in a line is "saint" ("St James").
fn expand(words: Vec<String>) -> Vec<String> {
    words
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            if i == 0 && w == "st" {
                return "saint".to_owned();
            }
            ABBREVIATIONS
                .iter()
                .find(|(short, _)| *short == w)
                .map_or(w, |(_, long)| (*long).to_owned())
        })
        .collect()
}

fn is_number(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit())
}

pub fn parse(lines: &[&str]) -> ParsedAddress {
    let mut parsed = ParsedAddress::default();
    let mut street_line: Option<usize> = None;
    let mut others: Vec<(usize, Vec<String>)> = Vec::new();
    let lines: Vec<Vec<String>> = lines
        .iter()
        // "3/14 High St" is flat 3 at number 14.
        .map(|l| expand(words(&l.replace('/', " / "))))
        .filter(|w| !w.is_empty())
        .collect();
    for (i, line) in lines.iter().enumerate() {
        let mut rest: &[String] = line;
        // "flat 3", "flat 3a" anywhere at the start of a line.
        if rest.first().is_some_and(|w| w == "flat") && rest.len() >= 2 {
            parsed.flat.get_or_insert_with(|| rest[1].clone());
            rest = &rest[2..];
        }
        if street_line.is_none()
            && let Some(first) = rest.first()
            && is_number(first)
        {
            // A second number right after (from "3 / 14") makes the first a flat.
            if let Some(second) = rest.get(1).filter(|w| is_number(w)) {
                parsed.flat.get_or_insert_with(|| first.clone());
                parsed.house_number = Some(second.clone());
                rest = &rest[2..];
            } else {
                parsed.house_number = Some(first.clone());
                rest = &rest[1..];
            }
            street_line = Some(i);
            if !rest.is_empty() {
                parsed.street = Some(rest.join(" "));
            }
            continue;
        }
        if !rest.is_empty() {
            others.push((i, rest.to_vec()));
        }
    }
    // No number: the street is the first line ending in a street type,
    // or else the first line.
    if parsed.street.is_none() && street_line.is_none() {
        let pick = others
            .iter()
            .position(|(_, w)| w.last().is_some_and(|l| STREET_TYPES.contains(&l.as_str())))
            .or((!others.is_empty()).then_some(0));
        if let Some(p) = pick {
            let (_, words) = others.remove(p);
            parsed.street = Some(words.join(" "));
        }
    }
    let locality: Vec<String> = others.into_iter().map(|(_, w)| w.join(" ")).collect();
    if !locality.is_empty() {
        parsed.locality = Some(locality.join(" "));
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(lines: &[&str]) -> ParsedAddress {
        parse(lines)
    }

    #[test]
    fn house_number_and_street() {
        let a = p(&["14 Harborne Rd"]);
        assert_eq!(a.house_number.as_deref(), Some("14"));
        assert_eq!(a.street.as_deref(), Some("harborne road"));
        assert_eq!(a.flat, None);
        assert_eq!(p(&["14 Harborne Road"]), a);
    }

    #[test]
    fn flats_in_their_forms() {
        for lines in [
            &["Flat 3", "14 High St"][..],
            &["Apartment 3, 14 High Street"][..],
            &["3/14 High St."][..],
            &["Flat 3 14 High Street"][..],
        ] {
            let a = p(lines);
            assert_eq!(a.flat.as_deref(), Some("3"), "{lines:?}");
            assert_eq!(a.house_number.as_deref(), Some("14"), "{lines:?}");
            assert_eq!(a.street.as_deref(), Some("high street"), "{lines:?}");
        }
    }

    #[test]
    fn locality_and_saint() {
        let a = p(&["Rose Cottage", "St James Avenue", "Edgbaston"]);
        assert_eq!(a.house_number, None);
        assert_eq!(a.street.as_deref(), Some("saint james avenue"));
        assert_eq!(a.locality.as_deref(), Some("rose cottage edgbaston"));
        let b = p(&["6 tullaroop street", "willaroo"]);
        assert_eq!(b.street.as_deref(), Some("tullaroop street"));
        assert_eq!(b.locality.as_deref(), Some("willaroo"));
    }

    #[test]
    fn empty_lines() {
        assert_eq!(p(&[]), ParsedAddress::default());
        assert_eq!(p(&["", "  "]), ParsedAddress::default());
        let a = p(&["6", "willaroo"]);
        assert_eq!(a.house_number.as_deref(), Some("6"));
        assert_eq!(a.street, None);
        assert_eq!(a.locality.as_deref(), Some("willaroo"));
    }
}
