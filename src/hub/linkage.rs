//! The bridge between the hub and the pure matching engine: a person's
//! matching index (normalised form and blocking keys), and the decision
//! over the candidate records the store found, grouped by customer.

use crate::matching;
use crate::record::{CustomerId, Person};
use crate::review::{CandidateScore, Explanation};
use crate::store::{CandidateRecord, MatchIndex};

/// A key shared by more records than this cannot tell people apart; the
/// store skips it (and another key of the record still finds its match).
pub const PER_KEY_LIMIT: i64 = 200;

/// How many possible matches open review tasks at most.
pub const MAX_REVIEW_CANDIDATES: usize = 3;

#[derive(Debug, Clone, PartialEq)]
#[allow(dead_code)] // `Possible` comes with the scoring engine.
pub enum LinkOutcome {
    Link {
        customer: CustomerId,
        confidence: f64,
    },
    /// Best first: each candidate customer with its score.
    Possible {
        candidates: Vec<(CustomerId, f64, CandidateScore)>,
    },
    New,
}

#[derive(Debug, Clone)]
pub struct LinkDecision {
    pub outcome: LinkOutcome,
    pub explanation: Explanation,
}

pub struct Linker;

impl Linker {
    pub fn index(&self, person: &Person) -> MatchIndex {
        MatchIndex {
            normalised: matching::exact_key(person),
            keys: vec![matching::exact_key(person)],
        }
    }

    pub fn decide(&self, incoming: &MatchIndex, candidates: &[CandidateRecord]) -> LinkDecision {
        let hit = candidates
            .iter()
            .find(|c| c.normalised == incoming.normalised);
        LinkDecision {
            outcome: match hit {
                Some(c) => LinkOutcome::Link {
                    customer: c.customer_id.clone(),
                    confidence: 1.0,
                },
                None => LinkOutcome::New,
            },
            explanation: Explanation::default(),
        }
    }
}
