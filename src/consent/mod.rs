//! Consent to pass a citizen's changes on to departmental systems. Consent
//! is a history of grants and withdrawals; the newest entry per system and
//! scope is in force, so a withdrawal governs every later change.

use crate::record::{CustomerId, SystemCode};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConsentScope {
    AddressChanges,
}

impl ConsentScope {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentScope::AddressChanges => "address_changes",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        (code == "address_changes").then_some(ConsentScope::AddressChanges)
    }
}

/// How consent was captured: enough to show the citizen gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub channel: String,
    pub reference: String,
    pub captured_by: String,
}

impl Evidence {
    /// `channel` is required; `captured_by` defaults to the recording caller.
    pub fn parse(
        channel: &str,
        reference: &str,
        captured_by: &str,
        caller: &str,
    ) -> Result<Self, (&'static str, String)> {
        let clean = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let (channel, reference, captured_by) =
            (clean(channel), clean(reference), clean(captured_by));
        if channel.is_empty() {
            return Err((
                "channel",
                "say how consent was captured (e.g. phone, web_form)".into(),
            ));
        }
        for (field, value) in [
            ("channel", &channel),
            ("reference", &reference),
            ("captured_by", &captured_by),
        ] {
            use crate::record::limits::{EVIDENCE_FIELD, is_forbidden};
            if value.chars().count() > EVIDENCE_FIELD || value.chars().any(is_forbidden) {
                return Err((
                    field,
                    format!("must be at most {EVIDENCE_FIELD} printable characters"),
                ));
            }
        }
        Ok(Self {
            channel,
            reference,
            captured_by: if captured_by.is_empty() {
                caller.to_owned()
            } else {
                captured_by
            },
        })
    }
}

/// One grant or withdrawal.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsentEvent {
    pub customer_id: CustomerId,
    pub system: SystemCode,
    pub scope: ConsentScope,
    pub granted: bool,
    pub evidence: Evidence,
    pub recorded_by: String,
    pub at: DateTime<Utc>,
}

/// The systems with consent in force for `scope`, from a customer's history
/// in the order it was recorded.
pub fn in_force(history: &[ConsentEvent], scope: ConsentScope) -> BTreeSet<SystemCode> {
    let mut granted = BTreeSet::new();
    for event in history.iter().filter(|e| e.scope == scope) {
        if event.granted {
            granted.insert(event.system.clone());
        } else {
            granted.remove(&event.system);
        }
    }
    granted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(system: &str, granted: bool) -> ConsentEvent {
        ConsentEvent {
            customer_id: CustomerId::generate(),
            system: SystemCode::parse(system).unwrap(),
            scope: ConsentScope::AddressChanges,
            granted,
            evidence: Evidence::parse("phone", "", "", "agent").unwrap(),
            recorded_by: "agent".into(),
            at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn newest_entry_wins() {
        let history = [
            event("waste", true),
            event("libraries", true),
            event("waste", false),
        ];
        let systems: Vec<_> = in_force(&history, ConsentScope::AddressChanges)
            .into_iter()
            .collect();
        assert_eq!(systems, [SystemCode::parse("libraries").unwrap()]);
        let regranted = [event("waste", false), event("waste", true)];
        assert_eq!(in_force(&regranted, ConsentScope::AddressChanges).len(), 1);
    }

    #[test]
    fn evidence_needs_a_channel_and_defaults_the_capturer() {
        assert!(Evidence::parse(" ", "ref", "", "agent").is_err());
        let e = Evidence::parse("phone", "call 123", "", "agent-7").unwrap();
        assert_eq!(e.captured_by, "agent-7");
    }
}
