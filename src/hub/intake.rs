//! Plans departmental records new to the hub, in memory and in submission
//! order, from one candidate read for a whole batch. Records planned earlier
//! in the batch are candidates for later ones (the `pending` overlay), so a
//! batch decides exactly as the same records submitted one by one. Pure: no
//! I/O, so the hub runs it off the async runtime.

use super::linkage::{LinkOutcome, Linker, MAX_REVIEW_CANDIDATES};
use super::{audit_entry, outbox_events};
use crate::auth::Caller;
use crate::matching::{Field, Frequencies, Subject, ValueDelta, blocking};
use crate::policy::may_match_into;
use crate::policy::minors::Holding;
use crate::policy::propagation::{EventKind, route};
use crate::record::LinkRef;
use crate::record::{Customer, CustomerId, DepartmentalRecord, Flags, Link};
use crate::review::{CandidateScore, ReviewStatus, ReviewTask};
use crate::store::{CandidateRecord, Change, KeyMembers, KeyedCandidates, MatchIndex, Op};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmitOutcome {
    Linked,
    NewCustomer,
    Updated,
    PossibleMatch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmitResult {
    pub customer_id: CustomerId,
    pub outcome: SubmitOutcome,
    /// The review tasks opened (the import counts them; the API does not
    /// answer them: the steward's queue holds them with their explanation).
    pub review_task_ids: Vec<String>,
}

/// A record new to the hub, with its matching index.
pub(super) struct NewRecord {
    pub record: DepartmentalRecord,
    pub holding: Holding,
    pub index: MatchIndex,
}

/// Plans a batch's new records against what the store held when it was
/// read (`found`) and what this batch has planned so far.
pub(super) struct Planner<'a> {
    linker: &'a Linker,
    caller: &'a Caller,
    now: DateTime<Utc>,
    found: &'a KeyedCandidates,
    per_key_limit: i64,
    /// `found.records` in matching form, each read once, when first met.
    found_subjects: Vec<Option<Subject>>,
    /// Records planned earlier in this batch, in matching form.
    planned: Vec<(CandidateRecord, Subject)>,
    /// Their indexes in `planned` by blocking key.
    pending: HashMap<String, Vec<usize>>,
    /// The store's value counts as the batch goes: each record planned
    /// counts for those after it, as if submitted one by one.
    frequencies: Frequencies,
    /// The batch's count changes, net per value.
    deltas: HashMap<(Field, String), i64>,
}

/// A candidate: read from the store, or planned earlier in the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Found(usize),
    Planned(usize),
}

impl<'a> Planner<'a> {
    pub fn new(
        linker: &'a Linker,
        caller: &'a Caller,
        now: DateTime<Utc>,
        found: &'a KeyedCandidates,
        per_key_limit: i64,
    ) -> Self {
        Self {
            linker,
            caller,
            now,
            found,
            per_key_limit,
            found_subjects: vec![None; found.records.len()],
            planned: Vec::new(),
            pending: HashMap::new(),
            frequencies: found.frequencies.clone(),
            deltas: HashMap::new(),
        }
    }

    /// The count changes of every record planned, net per value.
    pub fn count_deltas(&self) -> Vec<ValueDelta> {
        let mut deltas: Vec<ValueDelta> = self
            .deltas
            .iter()
            .filter(|(_, d)| **d != 0)
            .map(|((field, value), delta)| ValueDelta {
                field: *field,
                value: value.clone(),
                delta: *delta,
            })
            .collect();
        deltas.sort_by(|a, b| (a.field.name(), &a.value).cmp(&(b.field.name(), &b.value)));
        deltas
    }

    fn record(&self, source: Source) -> &CandidateRecord {
        match source {
            Source::Found(i) => &self.found.records[i],
            Source::Planned(i) => &self.planned[i].0,
        }
    }

    fn subject(&self, source: Source) -> &Subject {
        match source {
            Source::Found(i) => self.found_subjects[i].as_ref().expect("read before use"),
            Source::Planned(i) => &self.planned[i].1,
        }
    }

    /// The records worth comparing, from the store's and the batch's own:
    /// those under a usable key that `blocking::worth_comparing` admits.
    fn select(&mut self, keys: &[String]) -> Vec<Source> {
        let (found, planned, pending) = (self.found, &self.planned, &self.pending);
        let chosen = blocking::shortlist(keys, self.per_key_limit as usize, |key| {
            let stored = found.counts.get(key).copied().unwrap_or(0) as usize;
            let mine = pending.get(key).map_or(&[][..], Vec::as_slice);
            let from_store = found
                .by_key
                .get(key)
                .into_iter()
                .flatten()
                .map(|&i| (&found.records[i].link, Source::Found(i)));
            let from_batch = mine
                .iter()
                .map(|&i| (&planned[i].0.link, Source::Planned(i)));
            (stored + mine.len(), from_store.chain(from_batch))
        });
        let sources: Vec<Source> = chosen.into_iter().map(|(_, source)| source).collect();
        for source in &sources {
            if let Source::Found(i) = *source
                && self.found_subjects[i].is_none()
            {
                self.found_subjects[i] =
                    Some(Subject::from_stored(&self.found.records[i].normalised));
            }
        }
        sources
    }

    /// Decides who the record is and adds its writes to `change`; later
    /// records of the batch will find it.
    pub fn plan(&mut self, new: NewRecord, change: &mut Change) -> SubmitResult {
        let NewRecord {
            record,
            holding,
            index,
        } = new;
        let now = self.now;
        // A minor's record on an exception is never matched to anyone: it
        // stays a customer of its own, seen on need-to-know only.
        let sources = match &holding {
            Holding::Restricted(_) => Vec::new(),
            Holding::Adult => self.select(&index.keys),
        };
        let me = Subject::from_stored(&index.normalised);
        let flags = holding_flags(&holding);
        let (decision, linked_flags) = {
            let candidates: Vec<Source> = sources
                .into_iter()
                .filter(|s| may_match_into(&self.record(*s).flags))
                .collect();
            let tagged: Vec<(CustomerId, &Subject)> = candidates
                .iter()
                .map(|s| (self.record(*s).customer_id.clone(), self.subject(*s)))
                .collect();
            let decision = self
                .linker
                .decide_subjects(&me, &tagged, &self.frequencies)
                .unless_split_apart(&self.found.distinct);
            let linked_flags = match &decision.outcome {
                LinkOutcome::Link { customer, .. } => candidates
                    .iter()
                    .map(|s| self.record(*s))
                    .find(|c| &c.customer_id == customer)
                    .map(|c| c.flags.clone()),
                _ => None,
            };
            (decision, linked_flags)
        };
        let mut review_task_ids = Vec::new();
        let (customer_id, customer_flags, outcome, method, confidence) = match &decision.outcome {
            LinkOutcome::Link {
                customer,
                confidence,
            } => (
                customer.clone(),
                linked_flags.unwrap_or_default(),
                SubmitOutcome::Linked,
                "matched",
                *confidence,
            ),
            LinkOutcome::New => {
                let id = new_customer(&record, &flags, now, change);
                (
                    id,
                    flags.clone(),
                    SubmitOutcome::NewCustomer,
                    "new_customer",
                    1.0,
                )
            }
            LinkOutcome::Possible { candidates } => {
                let id = new_customer(&record, &flags, now, change);
                for (candidate, score, explanation) in candidates.iter().take(MAX_REVIEW_CANDIDATES)
                {
                    let task = review_task(&id, candidate, *score, explanation, now);
                    review_task_ids.push(task.id.clone());
                    change.ops.push(Op::InsertReviewTask(task));
                }
                (
                    id,
                    flags.clone(),
                    SubmitOutcome::PossibleMatch,
                    "new_customer_review",
                    1.0,
                )
            }
        };
        let link = Link {
            system: record.system.clone(),
            local_id: record.local_id.clone(),
            linked_at: now,
            method: method.into(),
            confidence,
        };
        let counted = Frequencies::deltas(None, Some(&me));
        self.frequencies.apply(&counted);
        for d in counted {
            *self.deltas.entry((d.field, d.value)).or_default() += d.delta;
        }
        let at = self.planned.len();
        self.planned.push((
            CandidateRecord {
                customer_id: customer_id.clone(),
                flags: customer_flags,
                link: LinkRef {
                    system: record.system.clone(),
                    local_id: record.local_id.clone(),
                },
                normalised: index.normalised.clone(),
            },
            me,
        ));
        let mut keys: Vec<&String> = index.keys.iter().collect();
        keys.sort_unstable();
        // The store keeps a record's key once, however often it is made.
        keys.dedup();
        for key in keys {
            self.pending.entry(key.clone()).or_default().push(at);
        }
        change.ops.push(Op::InsertLink {
            customer_id: customer_id.clone(),
            link: link.clone(),
            record,
            matching: index,
        });
        change.audit.push(audit_entry(
            self.caller,
            "submit_record",
            Some(&customer_id),
            None,
            now,
        ));
        // Only the system linked hears of it: other departments learning
        // which services a person uses would be a disclosure in itself.
        let recipients = route(
            EventKind::RecordLinked,
            &[link],
            crate::policy::restrictions(&flags),
        );
        change.events.extend(outbox_events(
            EventKind::RecordLinked,
            &customer_id,
            recipients,
            &serde_json::json!({ "customer_id": customer_id }),
            now,
        ));
        SubmitResult {
            customer_id,
            outcome,
            review_task_ids,
        }
    }
}

/// The candidates of a record with `keys`: the records under each key held
/// by no more than `limit` records that `blocking::worth_comparing` admits,
/// each once, in link order (the planner's `select` adds a batch's own
/// records to the same rule).
pub(super) fn candidates_for(
    keys: &[String],
    found: &KeyedCandidates,
    limit: i64,
) -> Vec<CandidateRecord> {
    blocking::shortlist(keys, limit as usize, |key| {
        let held = found.by_key.get(key).into_iter().flatten();
        (
            found.counts.get(key).copied().unwrap_or(0) as usize,
            held.map(|&i| (&found.records[i].link, i)),
        )
    })
    .into_iter()
    .map(|(_, i)| found.records[i].clone())
    .collect()
}

/// The key holders worth reading for records with these keys: every one
/// `select` or `candidates_for` could compare. Records a batch plans only
/// ever make a key bigger or unusable, so the store's counts alone give a
/// superset.
pub(super) fn worth_reading(
    wanted: &[&[String]],
    members: &KeyMembers,
    limit: i64,
) -> Vec<LinkRef> {
    let mut read = std::collections::BTreeSet::new();
    for keys in wanted {
        read.extend(blocking::shortlist(*keys, limit as usize, |key| {
            (
                members.counts.get(key).copied().unwrap_or(0) as usize,
                members.by_key.get(key).into_iter().flatten().copied(),
            )
        }));
    }
    read.into_iter().map(|m| members.links[m].clone()).collect()
}

/// The privacy flags a new customer starts with.
pub(super) fn holding_flags(holding: &Holding) -> Flags {
    Flags {
        minor_basis: match holding {
            Holding::Restricted(basis) => Some(basis.clone()),
            Holding::Adult => None,
        },
        ..Default::default()
    }
}

fn new_customer(
    record: &DepartmentalRecord,
    flags: &Flags,
    now: DateTime<Utc>,
    change: &mut Change,
) -> CustomerId {
    let id = CustomerId::generate();
    change.ops.push(Op::InsertCustomer {
        customer: Customer::new(id.clone(), record.person.clone(), flags.clone(), now),
    });
    id
}

pub(super) fn review_task(
    customer: &CustomerId,
    candidate: &CustomerId,
    score: f64,
    explanation: &CandidateScore,
    now: DateTime<Utc>,
) -> ReviewTask {
    ReviewTask {
        id: uuid::Uuid::new_v4().to_string(),
        seq: 0,
        customer_id: customer.clone(),
        candidate_id: candidate.clone(),
        score,
        explanation: serde_json::to_value(explanation).unwrap_or_default(),
        status: ReviewStatus::Open,
        created_at: now,
        resolved_by: None,
        resolved_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{LocalId, SystemCode};

    fn link(id: &str) -> LinkRef {
        LinkRef {
            system: SystemCode::parse("libraries").unwrap(),
            local_id: LocalId::parse(id).unwrap(),
        }
    }

    /// "big" has 50 holders (a common name and year), "small" 3, "pc" 20.
    fn members() -> KeyMembers {
        let mut m = KeyMembers::default();
        let mut hold = |key: &str, ids: &[&str], count: i64| {
            let mut at = Vec::new();
            for id in ids {
                let l = link(id);
                let i = match m.links.iter().position(|x| *x == l) {
                    Some(i) => i,
                    None => {
                        m.links.push(l);
                        m.links.len() - 1
                    }
                };
                at.push(i);
            }
            m.counts.insert(key.to_owned(), count);
            m.by_key.insert(key.to_owned(), at);
        };
        hold("big", &["match", "stranger", "neighbour"], 50);
        hold("pc", &["match", "neighbour"], 20);
        hold("small", &["cousin"], 3);
        m
    }

    #[test]
    fn reads_only_holders_worth_comparing() {
        let keys: Vec<String> = ["big", "pc", "small", "none"].map(String::from).into();
        let read = worth_reading(&[keys.as_slice()], &members(), 200);
        // Two keys in common, or one small key; not a stranger under one big key.
        assert_eq!(read, [link("match"), link("neighbour"), link("cousin")]);
        // Past the limit a key counts for nothing.
        let read = worth_reading(&[keys.as_slice()], &members(), 40);
        assert_eq!(read, [link("cousin")]);
    }

    #[test]
    fn candidates_follow_the_same_rule() {
        let keys: Vec<String> = ["big", "pc", "small"].map(String::from).into();
        let m = members();
        let records: Vec<CandidateRecord> = m
            .links
            .iter()
            .map(|l| CandidateRecord {
                customer_id: CustomerId::generate(),
                flags: Flags::default(),
                link: l.clone(),
                normalised: String::new(),
            })
            .collect();
        let found = KeyedCandidates::assemble(m, records);
        let chosen: Vec<String> = candidates_for(&keys, &found, 200)
            .into_iter()
            .map(|c| c.link.local_id.as_str().to_owned())
            .collect();
        assert_eq!(chosen, ["cousin", "match", "neighbour"]);
    }
}
