//! What the index holds of one customer: folded name words (current and
//! earlier), dates of birth, postcodes and address tokens (current and
//! previous), built with the matcher's normalisation so search and linkage
//! read names and addresses alike.

use crate::matching::{address, normalise};
use crate::record::{Address, CustomerId, Person};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchDoc {
    pub id: String,
    /// What an agent sees to pick the right person.
    pub given_name: String,
    pub family_name: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// Royal Mail format, e.g. `B15 2TT`.
    pub postcode: String,
    /// Current given and middle name words, folded.
    pub given: Vec<String>,
    pub family: Vec<String>,
    /// Words of other names departments hold (e.g. a maiden name).
    pub earlier_given: Vec<String>,
    pub earlier_family: Vec<String>,
    /// `YYYYMMDD`, the current one first.
    pub dobs: Vec<String>,
    /// Compact (`B152TT`) current postcode and earlier ones.
    pub postcode_compact: String,
    pub previous_postcodes: Vec<String>,
    pub address: Vec<String>,
    pub previous_address: Vec<String>,
    /// Held on a minor's exception or processing restricted: shown only to
    /// callers the privacy policy lets see it (checked per hit).
    pub restricted: bool,
}

impl SearchDoc {
    /// `others` are the departmental records linked to the customer and
    /// `previous` its address history: both give earlier names/addresses.
    pub fn new(
        id: &CustomerId,
        current: &Person,
        previous: &[&Address],
        others: &[&Person],
    ) -> Self {
        let name = &current.name;
        let mut given = name_words(&name.given);
        if let Some(middle) = &name.middle {
            given.extend(name_words(middle));
        }
        let family = name_words(&name.family);
        let mut doc = SearchDoc {
            id: id.as_str().to_owned(),
            given_name: name.given.clone(),
            family_name: name.family.clone(),
            date_of_birth: current.date_of_birth.date().format("%Y-%m-%d").to_string(),
            postcode: current.address.postcode.as_str().to_owned(),
            given,
            family,
            dobs: vec![current.date_of_birth.date().format("%Y%m%d").to_string()],
            postcode_compact: compact(current.address.postcode.as_str()),
            address: address_tokens(&current.address.lines),
            ..SearchDoc::default()
        };
        let mut earlier_addresses: Vec<&Address> = previous.to_vec();
        for other in others {
            let mut other_given = name_words(&other.name.given);
            if let Some(middle) = &other.name.middle {
                other_given.extend(name_words(middle));
            }
            for w in other_given {
                if !doc.given.contains(&w) && !doc.earlier_given.contains(&w) {
                    doc.earlier_given.push(w);
                }
            }
            for w in name_words(&other.name.family) {
                if !doc.family.contains(&w) && !doc.earlier_family.contains(&w) {
                    doc.earlier_family.push(w);
                }
            }
            let dob = other.date_of_birth.date().format("%Y%m%d").to_string();
            if !doc.dobs.contains(&dob) {
                doc.dobs.push(dob);
            }
            earlier_addresses.push(&other.address);
        }
        for a in earlier_addresses {
            let pc = compact(a.postcode.as_str());
            if pc != doc.postcode_compact && !doc.previous_postcodes.contains(&pc) {
                doc.previous_postcodes.push(pc);
            }
            for t in address_tokens(&a.lines) {
                if !doc.address.contains(&t) && !doc.previous_address.contains(&t) {
                    doc.previous_address.push(t);
                }
            }
        }
        doc
    }

    pub fn all_given(&self) -> impl Iterator<Item = &String> {
        self.given.iter().chain(&self.earlier_given)
    }

    pub fn all_family(&self) -> impl Iterator<Item = &String> {
        self.family.iter().chain(&self.earlier_family)
    }
}

/// Folded name words without titles.
pub fn name_words(text: &str) -> Vec<String> {
    normalise::name_words(text).unwrap_or_default()
}

/// `B15 2TT` -> `B152TT`.
pub fn compact(postcode: &str) -> String {
    normalise::postcode(postcode).unwrap_or_default()
}

/// The outward code and sector of a compact postcode: `B152TT` ->
/// (`B15`, `B152`).
pub fn postcode_parts(compact: &str) -> (String, String) {
    if compact.len() < 5 {
        return (compact.to_owned(), compact.to_owned());
    }
    let outward = &compact[..compact.len() - 3];
    let sector = &compact[..compact.len() - 2];
    (outward.to_owned(), sector.to_owned())
}

/// Address tokens as the matcher parses them: flat, house number, street
/// and locality words (abbreviations expanded: "Rd" is "road").
pub fn address_tokens(lines: &[String]) -> Vec<String> {
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let parsed = address::parse(&lines);
    let mut out = Vec::new();
    if let Some(flat) = parsed.flat {
        out.push(format!("flat{flat}"));
    }
    out.extend(parsed.house_number);
    for part in [parsed.street, parsed.locality].into_iter().flatten() {
        for w in part.split_whitespace() {
            if !out.iter().any(|o| o == w) {
                out.push(w.to_owned());
            }
        }
    }
    out
}
