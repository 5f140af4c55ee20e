//! Every limit on what a request may carry, in one table. Text is counted
//! in characters (Unicode scalar values). The API's input screen applies
//! the last two rows to every string and list of every request; the others
//! belong to the parser of their field.
//!
//! | limit | value | where |
//! |---|---|---|
//! | `NAME_PART` | 100 | given, middle, family names |
//! | `ADDRESS_LINES` | 5 | lines of an address |
//! | `ADDRESS_LINE` | 100 | each address line, the town |
//! | `UPRN_DIGITS` | 12 | a UPRN |
//! | `SYSTEM_CODE` | 32 | a system code (`a-z 0-9 - _`) |
//! | `LOCAL_ID` | 64 | a departmental ID |
//! | `CALLER_NAME` | 64 | a caller's name |
//! | `REQUEST_ID` | 128 | an idempotency key |
//! | `STATEMENT` | 500 | a purpose, a reason, an objection's grounds |
//! | `REFERENCE` | 100 | a minor's basis, a legal hold's reference |
//! | `EVIDENCE_FIELD` | 200 | consent evidence: channel, reference, captured by |
//! | `CONSENT_SYSTEMS` | 64 | systems named in one consent to share |
//! | `SEARCH_TEXT` | 300 | free text, a name or an address in a search |
//! | `FACTS` | 10 | verification facts in one call |
//! | `FACT_VALUE` | 100 | a verification fact, a claimed address line |
//! | `FACT_KIND` | 40 | a verification fact's kind |
//! | `SPLIT_LINKS` | 100 | links moved by one split |
//! | `UPDATE_MASK` | 16 | paths in a rectification's update mask |
//! | `ANY_TEXT` | 2,000 | any string of any request (backstop) |
//! | `ANY_LIST` | 1,000 | any repeated field of any request (backstop) |
//!
//! No string may hold a control character (C0, DEL, C1) or a bidirectional
//! override: they corrupt logs and terminals, reorder what staff read, and
//! PostgreSQL refuses NUL outright.

pub const NAME_PART: usize = 100;
pub const ADDRESS_LINES: usize = 5;
pub const ADDRESS_LINE: usize = 100;
pub const UPRN_DIGITS: usize = 12;
pub const SYSTEM_CODE: usize = 32;
pub const LOCAL_ID: usize = 64;
pub const CALLER_NAME: usize = 64;
pub const REQUEST_ID: usize = 128;
pub const STATEMENT: usize = 500;
pub const REFERENCE: usize = 100;
pub const EVIDENCE_FIELD: usize = 200;
pub const CONSENT_SYSTEMS: usize = 64;
pub const SEARCH_TEXT: usize = 300;
pub const FACTS: usize = 10;
pub const FACT_VALUE: usize = 100;
pub const FACT_KIND: usize = 40;
pub const SPLIT_LINKS: usize = 100;
pub const UPDATE_MASK: usize = 16;
pub const ANY_TEXT: usize = 2_000;
pub const ANY_LIST: usize = 1_000;

/// Control characters and the bidirectional embeddings, overrides and
/// isolates (U+202A-U+202E, U+2066-U+2069).
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// What is wrong with a string of any request, if anything.
pub fn screen_text(text: &str) -> Result<(), String> {
    if text.chars().any(is_forbidden) {
        return Err("must not contain control characters".into());
    }
    if text.chars().count() > ANY_TEXT {
        return Err(format!("must be at most {ANY_TEXT} characters"));
    }
    Ok(())
}

/// What is wrong with a repeated field of any request, if anything.
pub fn screen_list(len: usize) -> Result<(), String> {
    if len > ANY_LIST {
        return Err(format!("at most {ANY_LIST} items"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_reordering_characters_are_refused() {
        for bad in [
            "a\0b",
            "\u{1b}[31m",
            "bell\u{7}",
            "\u{85}",
            "x\u{202E}y",
            "\u{2067}",
        ] {
            assert!(screen_text(bad).is_err(), "{bad:?}");
        }
        for good in ["Zoë O'Brien-Smith", "Łódź", "名前", "🙂 emoji", "", "a-b"] {
            assert!(screen_text(good).is_ok(), "{good:?}");
        }
        assert!(screen_text(&"x".repeat(ANY_TEXT + 1)).is_err());
        assert!(screen_list(ANY_LIST + 1).is_err());
    }
}
