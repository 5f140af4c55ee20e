//! The bridge between the hub and the pure matching engine: a person's
//! matching index (normalised form and blocking keys), and the decision
//! over the candidate records the store found, grouped by customer.

use crate::matching::{Engine, Frequencies, Outcome, Subject, SubjectInput, Weights, blocking};
use crate::record::{CustomerId, Gender, Person};
use crate::review::{CandidateScore, Explanation, FieldScore};
use crate::store::{CandidateRecord, MatchIndex};

/// A key shared by more records than this cannot tell people apart; the
/// store skips it (and another key of the record still finds its match).
pub const PER_KEY_LIMIT: i64 = 200;

/// How many possible matches open review tasks at most.
pub const MAX_REVIEW_CANDIDATES: usize = 3;

/// How many scored candidates an explanation shows.
pub const MAX_EXPLAINED: usize = 5;

#[derive(Debug, Clone, PartialEq)]
pub enum LinkOutcome {
    Link {
        customer: CustomerId,
        confidence: f64,
    },
    /// Best first: each candidate customer with its total weight.
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

impl LinkDecision {
    /// A record that would link to a customer while matching, well enough
    /// for review, another customer a steward split from it (or judged a
    /// different person) goes to a steward: the machine does not overrule
    /// a steward's decision that they are two people.
    pub fn unless_split_apart(
        self,
        distinct: &std::collections::HashSet<(CustomerId, CustomerId)>,
    ) -> Self {
        let LinkOutcome::Link { customer, .. } = &self.outcome else {
            return self;
        };
        let contested = self.explanation.candidates.iter().any(|c| {
            c.customer_id.as_ref().is_some_and(|other| {
                other != customer
                    && c.total >= self.explanation.review_threshold
                    && distinct.contains(&(customer.clone(), other.clone()))
            })
        });
        if !contested {
            return self;
        }
        let candidates = self
            .explanation
            .candidates
            .iter()
            .filter(|c| c.total >= self.explanation.review_threshold)
            .filter_map(|c| Some((c.customer_id.clone()?, c.total, c.clone())))
            .collect();
        LinkDecision {
            outcome: LinkOutcome::Possible { candidates },
            explanation: self.explanation,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Linker {
    engine: Engine,
}

impl Linker {
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }

    /// The engine with weights as `train-weights` stored them; the
    /// documented defaults when there are none (an empty hub) or they do
    /// not parse.
    pub fn from_stored_weights(stored: Option<&str>) -> Self {
        let weights = match stored.map(Weights::from_json) {
            Some(Ok(w)) => {
                tracing::info!("matching with trained weights");
                w
            }
            Some(Err(error)) => {
                tracing::warn!(%error, "stored match weights unreadable, using defaults");
                Weights::default()
            }
            None => {
                tracing::info!("no trained match weights yet, using defaults");
                Weights::default()
            }
        };
        Self::new(Engine::new(weights))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn index(&self, person: &Person) -> MatchIndex {
        self.index_subject(&subject(person))
    }

    pub fn index_subject(&self, subject: &Subject) -> MatchIndex {
        MatchIndex {
            normalised: subject.to_stored(),
            keys: blocking::keys(subject),
        }
    }

    pub fn decide(
        &self,
        incoming: &MatchIndex,
        candidates: &[CandidateRecord],
        freq: &Frequencies,
    ) -> LinkDecision {
        let me = Subject::from_stored(&incoming.normalised);
        let others: Vec<Subject> = candidates
            .iter()
            .map(|c| Subject::from_stored(&c.normalised))
            .collect();
        let tagged: Vec<(CustomerId, &Subject)> = candidates
            .iter()
            .zip(&others)
            .map(|(c, s)| (c.customer_id.clone(), s))
            .collect();
        self.decide_subjects(&me, &tagged, freq)
    }

    /// `decide` over subjects already read from their stored form (a batch
    /// reads each candidate once, however many of its records meet it).
    pub fn decide_subjects(
        &self,
        me: &Subject,
        tagged: &[(CustomerId, &Subject)],
        freq: &Frequencies,
    ) -> LinkDecision {
        let decision = self.engine.decide(me, tagged, freq);
        let scores: Vec<CandidateScore> = decision
            .candidates
            .iter()
            .map(|v| CandidateScore {
                customer_id: Some(v.key.clone()),
                fields: v
                    .fields
                    .iter()
                    .map(|f| FieldScore {
                        field: f.field.to_owned(),
                        level: f.level.to_owned(),
                        weight: round(f.weight),
                    })
                    .collect(),
                total: round(v.total),
                note: v.hard_negative.map(|h| h.note().to_owned()),
            })
            .collect();
        let score_of = |id: &CustomerId| {
            scores
                .iter()
                .find(|s| s.customer_id.as_ref() == Some(id))
                .cloned()
                .unwrap_or_default()
        };
        let outcome = match decision.outcome {
            Outcome::Link { key, total } => LinkOutcome::Link {
                customer: key,
                confidence: self.engine.confidence(total),
            },
            Outcome::Possible(keys) => LinkOutcome::Possible {
                candidates: keys
                    .into_iter()
                    .map(|k| {
                        let score = score_of(&k);
                        (k, score.total, score)
                    })
                    .collect(),
            },
            Outcome::New => LinkOutcome::New,
        };
        LinkDecision {
            outcome,
            explanation: Explanation {
                candidates: scores.into_iter().take(MAX_EXPLAINED).collect(),
                link_threshold: decision.link_threshold,
                review_threshold: decision.review_threshold,
            },
        }
    }
}

/// Explanations show weights to two decimals: more is noise to a reader.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A hub person in matching form.
pub fn subject(person: &Person) -> Subject {
    let address = &person.address;
    let dob = person.date_of_birth.to_string();
    Subject::new(&SubjectInput {
        given: &person.name.given,
        middle: person.name.middle.as_deref().unwrap_or_default(),
        family: &person.name.family,
        dob: &dob,
        gender: match person.gender {
            Gender::Female => Some('f'),
            Gender::Male => Some('m'),
            Gender::Other => Some('o'),
            Gender::Unspecified => None,
        },
        address_lines: address.lines.iter().map(String::as_str).collect(),
        town: address.town.as_deref().unwrap_or_default(),
        postcode: address.postcode.as_str(),
        uprn: address
            .uprn
            .as_ref()
            .map(|u| u.as_str())
            .unwrap_or_default(),
    })
}
