//! What a caller said, read for search: a date of birth in any common UK
//! form, full or partial postcodes, a house number and street, and name
//! words (in any order). Pure: no index, no I/O.

use super::doc::{address_tokens, compact, name_words, postcode_parts};
use crate::record::{Postcode, is_outward};
use chrono::{Datelike, NaiveDate};

/// A postcode as said: whole, to the sector (`B15 2`), or the outward code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostcodeQuery {
    /// Compact, e.g. `B152TT`.
    Full(String),
    /// e.g. `B152`.
    Sector(String),
    /// e.g. `B15`.
    Outward(String),
}

impl PostcodeQuery {
    pub fn outward(&self) -> String {
        match self {
            PostcodeQuery::Full(c) => postcode_parts(c).0,
            PostcodeQuery::Sector(s) => s[..s.len() - 1].to_owned(),
            PostcodeQuery::Outward(o) => o.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Folded name words, order free.
    pub names: Vec<String>,
    pub dob: Option<NaiveDate>,
    pub postcodes: Vec<PostcodeQuery>,
    /// Address tokens (house number, street words).
    pub address: Vec<String>,
}

impl ParsedQuery {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
            && self.dob.is_none()
            && self.postcodes.is_empty()
            && self.address.is_empty()
    }

    /// Adds the free-text box: whatever is not a date or a postcode is a
    /// name, except words after a house number, which are its street.
    pub fn add_free_text(&mut self, text: &str, today: NaiveDate) {
        let tokens: Vec<String> = text
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect();
        let mut i = 0;
        let mut in_address = false;
        let mut address_words: Vec<String> = Vec::new();
        while i < tokens.len() {
            if let Some((date, used)) = dob_at(&tokens[i..], today) {
                self.dob.get_or_insert(date);
                i += used;
                in_address = false;
                continue;
            }
            if let Some((pc, used)) = postcode_at(&tokens[i..]) {
                self.postcodes.push(pc);
                i += used;
                in_address = false;
                continue;
            }
            let token = &tokens[i];
            if token.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                in_address = true;
                address_words.push(token.clone());
            } else if in_address {
                address_words.push(token.clone());
            } else {
                self.names.extend(name_words(token));
            }
            i += 1;
        }
        if !address_words.is_empty() {
            self.add_address(&address_words.join(" "));
        }
    }

    pub fn add_name(&mut self, name: &str) {
        self.names.extend(name_words(name));
    }

    pub fn add_address(&mut self, line: &str) {
        for t in address_tokens(&[line.to_owned()]) {
            if !self.address.contains(&t) {
                self.address.push(t);
            }
        }
    }
}

/// A date of birth in `12/03/1980`, `12-3-80`, `12.03.1980`, `1980-03-12`,
/// `12 Mar 1980` or `12th March 1980` form (day first, as said in the UK).
pub fn parse_dob(text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let tokens: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    match dob_at(&tokens, today) {
        Some((date, used)) if used == tokens.len() => Some(date),
        _ => None,
    }
}

/// A date starting at `tokens[0]`, with how many tokens it used.
fn dob_at(tokens: &[String], today: NaiveDate) -> Option<(NaiveDate, usize)> {
    let first = tokens.first()?.trim_matches(|c: char| c == ',' || c == '.');
    let parts: Vec<&str> = first.split(['/', '-', '.']).collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let date = if parts[0].len() == 4 {
            ymd(parts[0], parts[1], parts[2], today)
        } else {
            ymd(parts[2], parts[1], parts[0], today)
        };
        return date.map(|d| (d, 1));
    }
    if first.len() == 8 && first.bytes().all(|b| b.is_ascii_digit()) {
        // 19800312 (ISO compact) or 12031980 (UK compact).
        let iso = ymd(&first[..4], &first[4..6], &first[6..], today);
        let uk = ymd(&first[4..], &first[2..4], &first[..2], today);
        return iso.or(uk).map(|d| (d, 1));
    }
    if tokens.len() >= 3 {
        let day = first
            .trim_end_matches(|c: char| c.is_ascii_alphabetic())
            .to_owned();
        let suffix_ok = matches!(
            &first[day.len()..].to_ascii_lowercase()[..],
            "" | "st" | "nd" | "rd" | "th"
        );
        let month = month_number(tokens[1].trim_matches(|c: char| c == ',' || c == '.'));
        let year = tokens[2].trim_matches(|c: char| c == ',' || c == '.');
        if suffix_ok
            && !day.is_empty()
            && day.bytes().all(|b| b.is_ascii_digit())
            && let Some(month) = month
        {
            return ymd(year, &month.to_string(), &day, today).map(|d| (d, 3));
        }
    }
    None
}

fn month_number(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let w = word.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    let w = if w == "sept" { "sep".to_owned() } else { w };
    MONTHS
        .iter()
        .position(|m| w.starts_with(m) && (w.len() == 3 || full_month(&w)))
        .map(|i| i as u32 + 1)
}

fn full_month(w: &str) -> bool {
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
    .contains(&w)
}

/// Two-digit years are the most recent past year with those digits.
fn ymd(year: &str, month: &str, day: &str, today: NaiveDate) -> Option<NaiveDate> {
    if !year.bytes().all(|b| b.is_ascii_digit()) || !(year.len() == 2 || year.len() == 4) {
        return None;
    }
    let mut y: i32 = year.parse().ok()?;
    if year.len() == 2 {
        let century = today.year() / 100 * 100;
        y += if century + y > today.year() {
            century - 100
        } else {
            century
        };
    }
    let date = NaiveDate::from_ymd_opt(y, month.parse().ok()?, day.parse().ok()?)?;
    (date <= today && y >= 1890).then_some(date)
}

/// The date with day and month swapped (a common keying slip), when that
/// is another valid date.
pub fn swapped_dob(dob: NaiveDate) -> Option<NaiveDate> {
    if dob.day() == dob.month() {
        return None;
    }
    NaiveDate::from_ymd_opt(dob.year(), dob.day(), dob.month())
}

/// A postcode starting at `tokens[0]`: `B152TT`, `B15 2TT`, `B15 2` or `B15`.
fn postcode_at(tokens: &[String]) -> Option<(PostcodeQuery, usize)> {
    let first = tokens.first()?.to_ascii_uppercase();
    if !first.chars().any(|c| c.is_ascii_digit()) || !first.chars().next()?.is_ascii_alphabetic() {
        return None;
    }
    if let Ok(pc) = Postcode::parse(&first) {
        return Some((PostcodeQuery::Full(compact(pc.as_str())), 1));
    }
    if !is_outward(&first) {
        return None;
    }
    if let Some(next) = tokens.get(1).map(|t| t.to_ascii_uppercase()) {
        if let Ok(pc) = Postcode::parse(&format!("{first}{next}")) {
            return Some((PostcodeQuery::Full(compact(pc.as_str())), 2));
        }
        if next.len() == 1 && next.bytes().all(|b| b.is_ascii_digit()) {
            return Some((PostcodeQuery::Sector(format!("{first}{next}")), 2));
        }
    }
    Some((PostcodeQuery::Outward(first), 1))
}

/// A structured postcode field: whole, sector or outward code.
pub fn parse_postcode(text: &str) -> Option<PostcodeQuery> {
    let tokens: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    match postcode_at(&tokens) {
        Some((pc, used)) if used == tokens.len() => Some(pc),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 15).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn dates_in_uk_forms() {
        for raw in [
            "12/03/1980",
            "12/3/80",
            "12-03-1980",
            "12.03.1980",
            "1980-03-12",
            "12 Mar 1980",
            "12th March 1980",
            "12 march 80",
            "12031980",
        ] {
            assert_eq!(parse_dob(raw, today()), d(1980, 3, 12), "{raw}");
        }
        assert_eq!(parse_dob("12/03/24", today()), d(2024, 3, 12));
        assert_eq!(parse_dob("31/02/1980", today()), None);
        assert_eq!(parse_dob("12/03/2030", today()), None);
        assert_eq!(parse_dob("Smith", today()), None);
    }

    #[test]
    fn postcodes_whole_and_partial() {
        assert_eq!(
            parse_postcode("b15 2tt"),
            Some(PostcodeQuery::Full("B152TT".into()))
        );
        assert_eq!(
            parse_postcode("B152TT"),
            Some(PostcodeQuery::Full("B152TT".into()))
        );
        assert_eq!(
            parse_postcode("B15 2"),
            Some(PostcodeQuery::Sector("B152".into()))
        );
        assert_eq!(
            parse_postcode("b15"),
            Some(PostcodeQuery::Outward("B15".into()))
        );
        assert_eq!(
            parse_postcode("SW1A"),
            Some(PostcodeQuery::Outward("SW1A".into()))
        );
        assert_eq!(parse_postcode("hello"), None);
        assert_eq!(parse_postcode("12345"), None);
    }

    #[test]
    fn free_text_splits_into_parts() {
        let mut q = ParsedQuery::default();
        q.add_free_text("Mrs Okafor amelia 2 Jun 1984 B15, 14 Harborne Rd", today());
        assert_eq!(q.names, ["okafor", "amelia"]);
        assert_eq!(q.dob, d(1984, 6, 2));
        assert_eq!(q.postcodes, [PostcodeQuery::Outward("B15".into())]);
        assert_eq!(q.address, ["14", "harborne", "road"]);
    }
}
