//! A UK postal address with an optional UPRN.

use super::Postcode;
use super::limits::{ADDRESS_LINE as MAX_LINE_CHARS, ADDRESS_LINES as MAX_LINES, is_forbidden};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub lines: Vec<String>,
    pub town: Option<String>,
    pub postcode: Postcode,
    pub uprn: Option<Uprn>,
}

impl Address {
    /// Validates each part; errors are keyed by the part's name (`lines`,
    /// `town`, `postcode`, `uprn`) for the caller to prefix.
    pub fn parse(
        lines: &[String],
        town: &str,
        postcode: &str,
        uprn: &str,
    ) -> Result<Self, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let lines: Vec<String> = lines
            .iter()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|l| !l.is_empty())
            .collect();
        if lines.is_empty() {
            errors.push(("lines", "at least one address line is required".to_string()));
        } else if lines.len() > MAX_LINES {
            errors.push(("lines", format!("at most {MAX_LINES} lines")));
        } else if lines
            .iter()
            .any(|l| l.chars().count() > MAX_LINE_CHARS || l.chars().any(is_forbidden))
        {
            errors.push((
                "lines",
                format!("each line at most {MAX_LINE_CHARS} printable characters"),
            ));
        }
        let town = town.split_whitespace().collect::<Vec<_>>().join(" ");
        if town.chars().count() > MAX_LINE_CHARS || town.chars().any(is_forbidden) {
            errors.push((
                "town",
                format!("must be at most {MAX_LINE_CHARS} printable characters"),
            ));
        }
        let postcode = Postcode::parse(postcode)
            .map_err(|e| errors.push(("postcode", e)))
            .ok();
        let uprn = match uprn.trim() {
            "" => None,
            raw => Uprn::parse(raw).map_err(|e| errors.push(("uprn", e))).ok(),
        };
        match postcode {
            Some(postcode) if errors.is_empty() => Ok(Self {
                lines,
                town: (!town.is_empty()).then_some(town),
                postcode,
                uprn,
            }),
            _ => Err(errors),
        }
    }
}

/// Unique Property Reference Number: 1 to 12 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Uprn(String);

impl Uprn {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty()
            || raw.len() > super::limits::UPRN_DIGITS
            || !raw.bytes().all(|b| b.is_ascii_digit())
        {
            return Err("must be 1 to 12 digits".into());
        }
        // Leading zeros carry no meaning in a UPRN; store it canonically.
        let canonical = raw.trim_start_matches('0');
        Ok(Self(
            if canonical.is_empty() { "0" } else { canonical }.to_owned(),
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_address() {
        let a = Address::parse(
            &["1  High St".into(), " ".into()],
            "Birmingham",
            "b1 1aa",
            "100070",
        )
        .unwrap();
        assert_eq!(a.lines, ["1 High St"]);
        assert_eq!(a.town.as_deref(), Some("Birmingham"));
        assert_eq!(a.postcode.as_str(), "B1 1AA");
        assert_eq!(a.uprn.unwrap().as_str(), "100070");
    }

    #[test]
    fn names_each_bad_part() {
        let errors = Address::parse(&[], "", "nope", "1234567890123").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["lines", "postcode", "uprn"]);
    }

    #[test]
    fn uprn_digits_only() {
        assert!(Uprn::parse("12a").is_err());
        assert_eq!(Uprn::parse("000123").unwrap().as_str(), "123");
    }
}
