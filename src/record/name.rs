//! A person's name: given and family names are required, middle is optional.

use serde::{Deserialize, Serialize};

use super::limits::{NAME_PART as MAX_NAME_CHARS, is_forbidden};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub given: String,
    pub middle: Option<String>,
    pub family: String,
}

impl PersonName {
    /// Validates each part; errors are keyed by the part's name
    /// (`given`, `middle`, `family`) for the caller to prefix.
    pub fn parse(
        given: &str,
        middle: &str,
        family: &str,
    ) -> Result<Self, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let given = part("given", given, true, &mut errors);
        let middle = part("middle", middle, false, &mut errors);
        let family = part("family", family, true, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            given: given.unwrap_or_default(),
            middle,
            family: family.unwrap_or_default(),
        })
    }
}

fn part(
    field: &'static str,
    raw: &str,
    required: bool,
    errors: &mut Vec<(&'static str, String)>,
) -> Option<String> {
    // Collapse runs of white space: departmental systems pad names freely.
    let value = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    if value.is_empty() {
        if required {
            errors.push((field, "is required".into()));
        }
        return None;
    }
    if value.chars().count() > MAX_NAME_CHARS {
        errors.push((
            field,
            format!("must be at most {MAX_NAME_CHARS} characters"),
        ));
        return None;
    }
    if value.chars().any(|c| is_forbidden(c) || c.is_ascii_digit()) {
        errors.push((
            field,
            "must not contain digits or control characters".into(),
        ));
        return None;
    }
    if !value.chars().any(char::is_alphabetic) {
        errors.push((field, "must contain letters".into()));
        return None;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_collapses_spaces() {
        let name = PersonName::parse("  Mary  Ann ", "", " O'Brien ").unwrap();
        assert_eq!(name.given, "Mary Ann");
        assert_eq!(name.middle, None);
        assert_eq!(name.family, "O'Brien");
    }

    #[test]
    fn names_every_missing_part() {
        let errors = PersonName::parse("", "", " ").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["given", "family"]);
    }

    #[test]
    fn rejects_digits() {
        assert!(PersonName::parse("J0hn", "", "Smith").is_err());
    }
}
