//! Why a hit matched, in words an agent can read ("family:fuzzy",
//! "dob:exact", "postcode:outward"), worked out from the hit's stored
//! document and the parsed query with the same rules the index scores by.

use super::doc::{SearchDoc, postcode_parts};
use super::index::fuzzy_distance;
use super::query::{ParsedQuery, PostcodeQuery, swapped_dob};
use crate::matching::{nicknames, phonetic};

/// How well one query word matches one stored word, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Exact,
    Nickname,
    Phonetic,
    Fuzzy,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Exact => "exact",
            Kind::Nickname => "nickname",
            Kind::Phonetic => "phonetic",
            Kind::Fuzzy => "fuzzy",
        }
    }
}

fn word_match(query: &str, stored: &str, nicknames_count: bool) -> Option<Kind> {
    if query == stored {
        return Some(Kind::Exact);
    }
    if nicknames_count && nicknames::related(query, stored) {
        return Some(Kind::Nickname);
    }
    let code = phonetic::code(query);
    if !code.is_empty() && code == phonetic::code(stored) {
        return Some(Kind::Phonetic);
    }
    let distance = fuzzy_distance(query) as usize;
    (distance > 0 && strsim::osa_distance(query, stored) <= distance).then_some(Kind::Fuzzy)
}

/// The matched reasons of one hit, in query order, without repeats.
pub fn reasons(doc: &SearchDoc, q: &ParsedQuery) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |r: String| {
        if !out.contains(&r) {
            out.push(r);
        }
    };
    for w in &q.names {
        let best = |words: &[String], nick: bool| {
            words.iter().filter_map(|s| word_match(w, s, nick)).min()
        };
        let candidates = [
            ("given", best(&doc.given, true)),
            ("family", best(&doc.family, false)),
            ("earlier_given", best(&doc.earlier_given, true)),
            ("earlier_family", best(&doc.earlier_family, false)),
        ];
        if let Some((field, kind)) = candidates
            .iter()
            .filter_map(|(field, kind)| kind.map(|k| (*field, k)))
            .min_by_key(|(_, k)| *k)
        {
            push(format!("{field}:{}", kind.as_str()));
        }
    }
    if let Some(dob) = q.dob {
        let iso = dob.format("%Y%m%d").to_string();
        let swapped = swapped_dob(dob).map(|d| d.format("%Y%m%d").to_string());
        if doc.dobs.first() == Some(&iso) {
            push("dob:exact".into());
        } else if doc.dobs.contains(&iso) {
            push("dob:earlier".into());
        } else if swapped.is_some_and(|s| doc.dobs.contains(&s)) {
            push("dob:day_month_swapped".into());
        }
    }
    for pc in &q.postcodes {
        let current = &doc.postcode_compact;
        let (out_c, sector_c) = postcode_parts(current);
        let previous = |pred: &dyn Fn(&str) -> bool| doc.previous_postcodes.iter().any(|p| pred(p));
        let reason = match pc {
            PostcodeQuery::Full(c) if c == current => Some("postcode:exact"),
            PostcodeQuery::Full(c) if previous(&|p| p == c) => Some("previous_postcode:exact"),
            PostcodeQuery::Full(c) if postcode_parts(c).1 == sector_c => Some("postcode:sector"),
            PostcodeQuery::Sector(s) if *s == sector_c => Some("postcode:sector"),
            PostcodeQuery::Sector(s) if previous(&|p| postcode_parts(p).1 == *s) => {
                Some("previous_postcode:sector")
            }
            _ if pc.outward() == out_c => Some("postcode:outward"),
            _ if previous(&|p| postcode_parts(p).0 == pc.outward()) => {
                Some("previous_postcode:outward")
            }
            _ => None,
        };
        if let Some(r) = reason {
            push(r.into());
        }
    }
    for t in &q.address {
        if doc.address.contains(t) {
            push("address:exact".into());
        } else if doc.previous_address.contains(t) {
            push("previous_address:exact".into());
        }
    }
    out
}
