//! The decision over scored candidates: link to the best customer above the
//! link threshold, ask a steward about those above the review threshold,
//! or make a new customer. Hard negatives (twins, parent and child) are
//! never linked automatically whatever their score; a steward may still be
//! asked, since the same pattern is also what a wrongly keyed given name or
//! date looks like. A pair corroborated by neither the date of birth nor
//! the home stays below the link threshold.

use super::Subject;
use super::compare::{Field, compare};
use super::frequency::{self, Frequencies};
use super::rules::{
    HardNegative, corroborated, hard_negative, identity_corroborated, names_hold, twins_would_share,
};
use super::weights::Weights;
use std::collections::HashMap;
use std::hash::Hash;

/// Total weight (log2 likelihood ratio) at or above which a record links
/// automatically: about 4096 to 1 for a match before the prior.
pub const DEFAULT_LINK_THRESHOLD: f64 = 12.0;
/// At or above this (and below the link threshold) a steward is asked.
pub const DEFAULT_REVIEW_THRESHOLD: f64 = 6.0;

/// The fields that describe where someone lives. A household shares all of
/// them, and they agree or disagree together (a move changes them all), so
/// they are one piece of evidence, not six independent ones: their summed
/// weight is bounded. Without the cap a brother at the same address would
/// outscore a true match who moved.
const ADDRESS_FIELDS: [Field; 6] = [
    Field::Uprn,
    Field::Postcode,
    Field::HouseNumber,
    Field::Street,
    Field::Locality,
    Field::Town,
];
pub const ADDRESS_CAP: f64 = 10.0;
pub const ADDRESS_FLOOR: f64 = -8.0;
/// A pair whose date of birth disagrees beyond a slip, and who do not share
/// a home, scores at most this far below the link threshold: what is left
/// is a name and a neighbourhood, which namesakes share. Without it two
/// people with a common name, born years apart, linked on a town and a
/// street of the same name in another district.
pub const UNCORROBORATED_MARGIN: f64 = 1.0;
/// A pair agreeing on at most one of given name, family name and date of
/// birth scores at most this far below the review threshold.
pub const HOUSEHOLD_MARGIN: f64 = 0.5;

/// The veto that stands when a customer's records raise two: a certain one
/// over a possible one.
fn strongest(a: Option<HardNegative>, b: Option<HardNegative>) -> Option<HardNegative> {
    match (a, b) {
        (Some(HardNegative::MaybeTwin), Some(other))
        | (Some(other), Some(HardNegative::MaybeTwin)) => Some(other),
        (a, b) => a.or(b),
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct FieldVerdict {
    /// A `Field` name, or "address" for the bound on the address fields.
    pub field: &'static str,
    pub level: &'static str,
    pub weight: f64,
}

/// One candidate customer: its best record's field-by-field score.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateVerdict<K> {
    pub key: K,
    pub fields: Vec<FieldVerdict>,
    pub total: f64,
    pub hard_negative: Option<HardNegative>,
    /// Shares the subject's family name, birthday and home: where a twin
    /// of the subject would be.
    pub twin_zone: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<K> {
    Link {
        key: K,
        total: f64,
    },
    /// Candidates worth a steward's look, best first.
    Possible(Vec<K>),
    New,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision<K> {
    pub outcome: Outcome<K>,
    /// One per candidate customer, best first.
    pub candidates: Vec<CandidateVerdict<K>>,
    pub link_threshold: f64,
    pub review_threshold: f64,
}

#[derive(Debug, Clone)]
pub struct Engine {
    pub weights: Weights,
    pub link_threshold: f64,
    pub review_threshold: f64,
    /// The twins and parent/child rules; off only to measure what they cost.
    pub hard_negatives: bool,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(Weights::default())
    }
}

impl Engine {
    pub fn new(weights: Weights) -> Self {
        Engine {
            weights,
            link_threshold: DEFAULT_LINK_THRESHOLD,
            review_threshold: DEFAULT_REVIEW_THRESHOLD,
            hard_negatives: true,
        }
    }

    /// Scores one pair of records, an exact agreement on a name, street
    /// or postcode weighed by how common the value is (`freq`).
    pub fn score<K>(
        &self,
        key: K,
        a: &Subject,
        b: &Subject,
        freq: &Frequencies,
    ) -> CandidateVerdict<K> {
        let c = compare(a, b);
        let (mut parts, _) = self.weights.score(&c);
        let mut fields: Vec<FieldVerdict> = parts
            .iter()
            .map(|&(field, level, weight)| FieldVerdict {
                field: field.name(),
                level: field.levels()[level],
                weight,
            })
            .collect();
        for field in frequency::FIELDS {
            if !c.is(field, "exact") {
                continue;
            }
            let adjustment = frequency::value_of(field, a)
                .and_then(|v| freq.adjustment(field, &v))
                .filter(|w| *w != 0.0);
            if let Some(weight) = adjustment {
                fields.push(FieldVerdict {
                    field: field.frequency_name(),
                    level: if weight < 0.0 { "common" } else { "rare" },
                    weight,
                });
                // An address field's adjustment counts within the
                // address's bound.
                parts.push((field, 0, weight));
            }
        }
        let address: f64 = parts
            .iter()
            .filter(|p| ADDRESS_FIELDS.contains(&p.0))
            .map(|p| p.2)
            .sum();
        let bounded = address.clamp(ADDRESS_FLOOR, ADDRESS_CAP);
        if bounded != address {
            fields.push(FieldVerdict {
                field: "address",
                level: if address > ADDRESS_CAP {
                    "capped"
                } else {
                    "floored"
                },
                weight: bounded - address,
            });
        }
        let mut total: f64 = fields.iter().map(|f| f.weight).sum();
        let ceiling = self.link_threshold - UNCORROBORATED_MARGIN;
        if total > ceiling && !corroborated(&c) {
            fields.push(FieldVerdict {
                field: "date_of_birth_or_home",
                level: "uncorroborated",
                weight: ceiling - total,
            });
            total = ceiling;
        }
        if total > ceiling && !names_hold(&c) {
            fields.push(FieldVerdict {
                field: "names",
                level: "unconfirmed",
                weight: ceiling - total,
            });
            total = ceiling;
        }
        // Two of a household agree on their home and at most one of name
        // and birthday: not worth a steward's time, whatever the home adds.
        let household = self.review_threshold - HOUSEHOLD_MARGIN;
        if total > household && !identity_corroborated(&c) {
            fields.push(FieldVerdict {
                field: "identity",
                level: "household",
                weight: household - total,
            });
            total = household;
        }
        CandidateVerdict {
            key,
            total,
            fields,
            hard_negative: if self.hard_negatives {
                hard_negative(&c, a, b)
            } else {
                None
            },
            twin_zone: twins_would_share(&c),
        }
    }

    /// Probability of a match for a total weight, under the trained prior.
    pub fn confidence(&self, total: f64) -> f64 {
        let p = self.weights.prior;
        let log_odds = total + (p / (1.0 - p)).log2();
        1.0 / (1.0 + (-log_odds).exp2())
    }

    /// Decides over candidate records, each tagged with its customer `K`.
    /// A customer scores as its best record; a hard negative against any
    /// of its records vetoes the customer.
    pub fn decide<K: Clone + Eq + Hash>(
        &self,
        subject: &Subject,
        candidates: &[(K, &Subject)],
        freq: &Frequencies,
    ) -> Decision<K> {
        let mut best: HashMap<K, CandidateVerdict<K>> = HashMap::new();
        let mut order: Vec<K> = Vec::new();
        // Customers one of whose records already goes by the subject's given
        // name: another record of theirs that reads as a twin's is one more
        // name of that person.
        let mut known_as: std::collections::HashSet<K> = Default::default();
        for (key, other) in candidates {
            let verdict = self.score(key.clone(), subject, other, freq);
            if verdict.fields.iter().any(|f| {
                f.field == "given_name" && matches!(f.level, "exact" | "nickname" | "variant")
            }) {
                known_as.insert(key.clone());
            }
            match best.get_mut(key) {
                None => {
                    order.push(key.clone());
                    best.insert(key.clone(), verdict);
                }
                Some(kept) => {
                    let veto = strongest(kept.hard_negative, verdict.hard_negative);
                    let zone = kept.twin_zone || verdict.twin_zone;
                    if verdict.total > kept.total {
                        *kept = verdict;
                    }
                    kept.hard_negative = veto;
                    kept.twin_zone = zone;
                }
            }
        }
        let mut verdicts: Vec<CandidateVerdict<K>> =
            order.into_iter().filter_map(|k| best.remove(&k)).collect();
        for v in &mut verdicts {
            if v.hard_negative == Some(HardNegative::Twins) && known_as.contains(&v.key) {
                v.hard_negative = Some(HardNegative::MaybeTwin);
            }
        }
        // A record that may be a twin's is one only where the hub knows two
        // people at that birthday and home; with one, it is theirs.
        if verdicts.iter().filter(|v| v.twin_zone).count() < 2 {
            for v in &mut verdicts {
                if v.hard_negative == Some(HardNegative::MaybeTwin) {
                    v.hard_negative = None;
                }
            }
        }
        // Stable: equal totals keep the order candidates came in.
        verdicts.sort_by(|a, b| b.total.total_cmp(&a.total));
        let linkable = verdicts.iter().find(|v| v.hard_negative.is_none());
        let outcome = match linkable {
            Some(top) if top.total >= self.link_threshold => Outcome::Link {
                key: top.key.clone(),
                total: top.total,
            },
            _ => {
                let possible: Vec<K> = verdicts
                    .iter()
                    .filter(|v| v.total >= self.review_threshold)
                    .map(|v| v.key.clone())
                    .collect();
                if possible.is_empty() {
                    Outcome::New
                } else {
                    Outcome::Possible(possible)
                }
            }
        };
        Decision {
            outcome,
            candidates: verdicts,
            link_threshold: self.link_threshold,
            review_threshold: self.review_threshold,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matching::SubjectInput;

    fn amelia() -> SubjectInput<'static> {
        SubjectInput {
            given: "Amelia",
            family: "Okafor",
            dob: "1984-06-02",
            gender: Some('f'),
            address_lines: vec!["14 Harborne Road"],
            town: "Birmingham",
            postcode: "B15 3DH",
            uprn: "100070123456",
            ..Default::default()
        }
    }

    fn decide(a: SubjectInput<'_>, b: SubjectInput<'_>) -> Decision<u32> {
        let (a, b) = (Subject::new(&a), Subject::new(&b));
        Engine::default().decide(&a, &[(1, &b)], &Frequencies::none())
    }

    #[test]
    fn same_person_with_typos_links() {
        let typo = SubjectInput {
            given: "Amelai",
            family: "Okafor",
            postcode: "B153DH",
            address_lines: vec!["14 Harborne Rd"],
            uprn: "",
            ..amelia()
        };
        let d = decide(amelia(), typo);
        assert!(matches!(d.outcome, Outcome::Link { key: 1, .. }), "{d:?}");
    }

    #[test]
    fn nickname_at_the_same_address_links() {
        let amy = SubjectInput {
            given: "Bob",
            uprn: "",
            ..amelia()
        };
        let robert = SubjectInput {
            given: "Robert",
            uprn: "",
            ..amelia()
        };
        let d = decide(robert, amy);
        assert!(matches!(d.outcome, Outcome::Link { .. }), "{d:?}");
        assert_eq!(d.candidates[0].fields[0].level, "nickname");
    }

    #[test]
    fn twins_never_link() {
        let twin = SubjectInput {
            given: "Chioma",
            ..amelia()
        };
        let d = decide(amelia(), twin.clone());
        // Not linked; a steward sees it (it may also be a mistyped name).
        assert_eq!(d.outcome, Outcome::Possible(vec![1]));
        assert_eq!(d.candidates[0].hard_negative, Some(HardNegative::Twins));
        // Without the rule the score alone would have linked them.
        assert!(d.candidates[0].total >= d.link_threshold);
        let unruled = Engine {
            hard_negatives: false,
            ..Engine::default()
        };
        let (a, b) = (Subject::new(&amelia()), Subject::new(&twin));
        assert!(matches!(
            unruled.decide(&a, &[(1, &b)], &Frequencies::none()).outcome,
            Outcome::Link { .. }
        ));
    }

    #[test]
    fn parent_and_child_sharing_a_name_never_link() {
        let junior = SubjectInput {
            dob: "2010-09-15",
            ..amelia()
        };
        let d = decide(amelia(), junior);
        assert!(!matches!(d.outcome, Outcome::Link { .. }), "{d:?}");
        assert_eq!(
            d.candidates[0].hard_negative,
            Some(HardNegative::ParentChild)
        );
        // A few years out at one home: a sister named alike, or a wrong
        // year; a steward decides.
        let close = SubjectInput {
            dob: "1988-11-20",
            ..amelia()
        };
        let d = decide(amelia(), close);
        assert_eq!(d.candidates[0].hard_negative, Some(HardNegative::Namesakes));
        assert!(matches!(d.outcome, Outcome::Possible(_)), "{d:?}");
    }

    #[test]
    fn a_mistyped_date_is_not_a_parent() {
        let slip = SubjectInput {
            dob: "1984-02-06",
            ..amelia()
        };
        let d = decide(amelia(), slip);
        assert!(matches!(d.outcome, Outcome::Link { .. }), "{d:?}");
    }

    #[test]
    fn a_move_is_carried_by_name_and_date_weaker_evidence_goes_to_review() {
        let moved = SubjectInput {
            address_lines: vec!["2 Bristol Street"],
            postcode: "M1 1AE",
            town: "Manchester",
            uprn: "",
            ..amelia()
        };
        let d = decide(amelia(), moved.clone());
        assert!(matches!(d.outcome, Outcome::Link { .. }), "{d:?}");
        // The address fields count once, not six times.
        assert!(d.candidates[0].fields.iter().any(|f| f.level == "floored"));
        let robert = SubjectInput {
            given: "Robert",
            gender: Some('m'),
            ..amelia()
        };
        let r_moved = SubjectInput {
            given: "R",
            gender: Some('m'),
            ..moved
        };
        let d = decide(robert, r_moved);
        assert_eq!(d.outcome, Outcome::Possible(vec![1]), "{d:?}");
    }

    #[test]
    fn a_brother_at_the_same_address_is_new() {
        let brother = SubjectInput {
            given: "Chidi",
            dob: "1986-09-11",
            gender: Some('m'),
            ..amelia()
        };
        let d = decide(amelia(), brother);
        assert_eq!(d.outcome, Outcome::New, "{d:?}");
        assert!(d.candidates[0].fields.iter().any(|f| f.level == "capped"));
        let stranger = SubjectInput {
            given: "John",
            family: "Smith",
            dob: "1950-01-01",
            gender: Some('m'),
            uprn: "",
            ..amelia()
        };
        assert_eq!(decide(amelia(), stranger).outcome, Outcome::New);
    }

    #[test]
    fn a_vetoed_record_vetoes_its_customer_and_best_customer_wins() {
        let me = Subject::new(&amelia());
        let twin = Subject::new(&SubjectInput {
            given: "Chioma",
            ..amelia()
        });
        let same = Subject::new(&SubjectInput {
            uprn: "",
            ..amelia()
        });
        let partial = Subject::new(&SubjectInput {
            given: "Amelia",
            family: "Okafor",
            ..Default::default()
        });
        let unnamed = Subject {
            given: None,
            ..same.clone()
        };
        let d = Engine::default().decide(
            &me,
            &[(7, &unnamed), (7, &twin), (8, &partial)],
            &Frequencies::none(),
        );
        assert_eq!(d.candidates.len(), 2);
        assert!(
            d.candidates
                .iter()
                .all(|c| c.key != 7 || c.hard_negative.is_some())
        );
        assert!(!matches!(d.outcome, Outcome::Link { key: 7, .. }));
        let d = Engine::default().decide(&me, &[(8, &partial), (9, &same)], &Frequencies::none());
        assert!(matches!(d.outcome, Outcome::Link { key: 9, .. }));
        assert_eq!(d.candidates[0].key, 9);
        // A customer one of whose records already goes by this name holds
        // a second name of that person, not a twin, where no other
        // customer shares the birthday and home.
        let d = Engine::default().decide(&me, &[(7, &same), (7, &twin)], &Frequencies::none());
        assert!(matches!(d.outcome, Outcome::Link { key: 7, .. }), "{d:?}");
    }

    #[test]
    fn missing_everything_is_new() {
        let d = Engine::default().decide(
            &Subject::default(),
            &[(1, &Subject::default())],
            &Frequencies::none(),
        );
        assert_eq!(d.outcome, Outcome::New);
        assert_eq!(d.candidates[0].total, 0.0);
    }

    #[test]
    fn namesakes_born_years_apart_do_not_link_on_a_street_name() {
        // Same name, another date, another district's "Harborne Road".
        let namesake = SubjectInput {
            dob: "1991-01-17",
            postcode: "B29 6QT",
            uprn: "",
            ..amelia()
        };
        let d = decide(amelia(), namesake.clone());
        assert!(!matches!(d.outcome, Outcome::Link { .. }), "{d:?}");
        assert!(d.candidates[0].total < d.link_threshold);
        assert!(
            d.candidates[0]
                .fields
                .iter()
                .any(|f| f.level == "uncorroborated")
        );
        // At the same home (UPRN) it may be a date keyed wrongly, or a
        // sister named alike: a steward's question, not a link.
        let mistyped = SubjectInput {
            dob: "1991-01-17",
            ..amelia()
        };
        let d = decide(amelia(), mistyped);
        assert!(matches!(d.outcome, Outcome::Possible(_)), "{d:?}");
    }
}

#[cfg(test)]
mod twins {
    use super::*;
    use crate::matching::SubjectInput;

    fn okafor(given: &'static str) -> Subject {
        Subject::new(&SubjectInput {
            given,
            family: "Okafor",
            dob: "1984-06-02",
            address_lines: vec!["14 Harborne Road"],
            town: "Birmingham",
            postcode: "B15 3DH",
            uprn: "100070123456",
            ..Default::default()
        })
    }

    #[test]
    fn a_twin_keyed_next_door_is_still_a_twin() {
        let next_door = Subject::new(&SubjectInput {
            given: "Chioma",
            family: "Okafor",
            dob: "1984-06-02",
            address_lines: vec!["16 Harborne Road"],
            town: "Birmingham",
            postcode: "B15 3DH",
            ..Default::default()
        });
        let d =
            Engine::default().decide(&next_door, &[(1, &okafor("Amelia"))], &Frequencies::none());
        assert_eq!(d.candidates[0].hard_negative, Some(HardNegative::Twins));
        assert!(!matches!(d.outcome, Outcome::Link { .. }), "{d:?}");
    }

    #[test]
    fn two_differences_in_identity_ask_a_steward() {
        // A new family name with a date a digit out, at one home.
        let married = Subject::new(&SubjectInput {
            given: "Amelia",
            family: "Hughes",
            dob: "1984-06-03",
            address_lines: vec!["14 Harborne Road"],
            town: "Birmingham",
            postcode: "B15 3DH",
            uprn: "100070123456",
            ..Default::default()
        });
        let d = Engine::default().decide(&married, &[(1, &okafor("Amelia"))], &Frequencies::none());
        assert!(!matches!(d.outcome, Outcome::Link { .. }), "{d:?}");
        assert!(
            d.candidates[0]
                .fields
                .iter()
                .any(|f| f.level == "unconfirmed")
        );
        // Moved, with a date a digit out.
        let moved = Subject::new(&SubjectInput {
            given: "Amelia",
            family: "Okafor",
            dob: "1984-06-03",
            address_lines: vec!["3 Pershore Road"],
            town: "Birmingham",
            postcode: "B5 7RL",
            ..Default::default()
        });
        let d = Engine::default().decide(&moved, &[(1, &okafor("Amelia"))], &Frequencies::none());
        assert!(!matches!(d.outcome, Outcome::Link { .. }), "{d:?}");
        // The exact date carries either story alone.
        let moved_exact = Subject {
            dob: Some("19840602".into()),
            ..moved
        };
        let d = Engine::default().decide(
            &moved_exact,
            &[(1, &okafor("Amelia"))],
            &Frequencies::none(),
        );
        assert!(matches!(d.outcome, Outcome::Link { .. }), "{d:?}");
    }

    #[test]
    fn an_initial_is_the_persons_unless_the_hub_knows_a_twin_there() {
        let (robert, richard, initial) = (okafor("Robert"), okafor("Richard"), okafor("R"));
        let engine = Engine::default();
        let none = Frequencies::none();
        let alone = engine.decide(&initial, &[(1, &robert)], &none);
        assert!(
            matches!(alone.outcome, Outcome::Link { key: 1, .. }),
            "{alone:?}"
        );
        let twins = engine.decide(&initial, &[(1, &robert), (2, &richard)], &none);
        assert!(matches!(twins.outcome, Outcome::Possible(_)), "{twins:?}");
    }

    #[test]
    fn a_household_is_not_worth_a_stewards_time() {
        let amelia = okafor("Amelia");
        let husband = Subject::new(&SubjectInput {
            given: "Chidi",
            family: "Okafor",
            dob: "1979-11-30",
            address_lines: vec!["14 Harborne Road"],
            town: "Birmingham",
            postcode: "B15 3DH",
            uprn: "100070123456",
            ..Default::default()
        });
        let d = Engine::default().decide(&husband, &[(1, &amelia)], &Frequencies::none());
        assert_eq!(d.outcome, Outcome::New, "{d:?}");
        // However rare the name they share: the bound holds.
        let mut freq = Frequencies::none();
        let mut deltas = Vec::new();
        for k in 0..2_000 {
            deltas.push(crate::matching::ValueDelta {
                field: Field::Family,
                value: format!("f{k}"),
                delta: 1,
            });
        }
        deltas.push(crate::matching::ValueDelta {
            field: Field::Family,
            value: "okafor".into(),
            delta: 2,
        });
        freq.apply(&deltas);
        let d = Engine::default().decide(&husband, &[(1, &amelia)], &freq);
        assert_eq!(d.outcome, Outcome::New, "{d:?}");
    }
}
