//! SubmitRecord: match departmental records to customers and link them. One
//! record (the RPC) is a batch of one; the initial load sends hundreds. A
//! batch reads the store a few times in bulk, plans its records in order in
//! memory (a later record sees the customers earlier ones made) and commits
//! them in one transaction, so it decides exactly as the same records
//! submitted one after another.

use super::Hub;
use super::erase::{erased_refusal, link_hash};
use super::idempotency::{fingerprint, replay};
use super::intake::{NewRecord, Planner, SubmitOutcome, SubmitResult, worth_reading};
use super::linkage::PER_KEY_LIMIT;
use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::matching::{Field, Frequencies, Subject};
use crate::policy::minors::{self, BasisClaim, Holding};
use crate::policy::{Action, authorize};
use crate::record::LinkRef;
use crate::record::{CustomerId, DepartmentalRecord};
use crate::store::{
    CandidateRecord, Change, KeyMembers, KeyedCandidates, LinkedRecord, MatchIndex, Op, StoreError,
    StoredRequest,
};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct SubmitRecord {
    pub record: DepartmentalRecord,
    pub request_id: Option<String>,
    /// The lawful exception claimed for a minor, if any.
    pub minor_basis: Option<BasisClaim>,
}

/// What the store holds under a batch's keys (see `Hub::holders`).
struct Holders {
    members: KeyMembers,
    records: Vec<CandidateRecord>,
    /// Pairs of the records' customers a steward judged different, both ways.
    distinct: HashSet<(CustomerId, CustomerId)>,
}

/// A command the policy admits, ready to plan.
struct Admitted {
    /// Its place in the batch.
    at: usize,
    record: DepartmentalRecord,
    holding: Holding,
    scope: String,
    request_id: Option<String>,
    fingerprint: String,
    link: LinkRef,
    /// Its matching form and blocking keys.
    index: MatchIndex,
}

/// What the batch knows of the store, kept current as its parts commit.
#[derive(Default)]
struct Known {
    requests: HashMap<(String, String), StoredRequest>,
    links: HashMap<LinkRef, LinkedRecord>,
}

/// The next stretch of the batch that can be planned from one read.
struct Part {
    /// Rows before this are settled once the part commits.
    end: usize,
    /// An already-linked ID: planned alone, as it reads its customer.
    update: Option<usize>,
    /// Rows new to the hub, in order.
    fresh: Vec<usize>,
}

enum Attempt {
    Done(Vec<(usize, Result<SubmitResult>)>, Vec<LinkedRecord>),
    Conflict,
}

type Answers = Vec<Option<Result<SubmitResult>>>;

impl Hub {
    pub async fn submit_record(&self, caller: &Caller, cmd: SubmitRecord) -> Result<SubmitResult> {
        self.submit_records(caller, vec![cmd])
            .await?
            .pop()
            .unwrap_or_else(|| Err(Error::Internal("no answer for the record".into())))
    }

    /// After many records went in at once (an initial load): brings the
    /// store's statistics up to date, so its plans fit the data it now holds.
    pub async fn refresh_statistics(&self) -> Result<()> {
        Ok(self.store.refresh_statistics().await?)
    }

    /// SubmitRecord for each command, in order: each row's own answer (a
    /// refused or invalid row fails alone and leaves no trace), or an error
    /// when the store failed and nothing after the last commit was written.
    pub async fn submit_records(
        &self,
        caller: &Caller,
        cmds: Vec<SubmitRecord>,
    ) -> Result<Vec<Result<SubmitResult>>> {
        let now = self.clock.now();
        let mut answers: Answers = (0..cmds.len()).map(|_| None).collect();
        let mut rows = Vec::with_capacity(cmds.len());
        for (at, cmd) in cmds.into_iter().enumerate() {
            match self.admit(caller, at, cmd, now) {
                Ok(row) => rows.push(row),
                Err(e) => answers[at] = Some(Err(e)),
            }
        }
        let rows = self.indexed(rows).await?;
        // Writes to one departmental ID queue, and so do records matched
        // by a key in common: two submissions of one new person, each
        // planned before the other committed, would both make a customer.
        let mut lock_keys: Vec<String> = Vec::new();
        for r in &rows {
            lock_keys.push(format!("{}/{}", r.link.system, r.link.local_id));
            lock_keys.extend(r.index.keys.iter().map(|k| format!("key:{k}")));
        }
        let lock_keys: Vec<&str> = lock_keys.iter().map(String::as_str).collect();
        let _guard = self.lock_keys(&lock_keys).await;
        let mut known = self.known(&rows).await?;
        let mut next = 0;
        let mut conflicts = 0;
        while next < rows.len() {
            let part = plan_part(&rows, next, &known, &mut answers);
            let attempt = match part.update {
                Some(i) => self.commit_update(caller, i, &rows[i], &known).await?,
                None if part.fresh.is_empty() => Attempt::Done(Vec::new(), Vec::new()),
                None => self.commit_fresh(caller, &rows, &part.fresh, now).await?,
            };
            match attempt {
                Attempt::Done(done, links) => {
                    for (i, answer) in done {
                        let row = &rows[i];
                        if let (Ok(result), Some(id)) = (&answer, &row.request_id) {
                            known.requests.insert(
                                (row.scope.clone(), id.clone()),
                                StoredRequest {
                                    fingerprint: row.fingerprint.clone(),
                                    response: response(result)?,
                                },
                            );
                        }
                        answers[row.at] = Some(answer);
                    }
                    for linked in links {
                        known.links.insert(linked_ref(&linked.record), linked);
                    }
                    next = part.end;
                }
                // A concurrent writer won: re-read and plan the rest again.
                Attempt::Conflict => {
                    conflicts += 1;
                    if conflicts >= super::MAX_ATTEMPTS {
                        for row in &rows[next..] {
                            answers[row.at] = Some(Err(Error::Unavailable(
                                "too many concurrent updates to this record, please retry".into(),
                            )));
                        }
                        break;
                    }
                    known = self.known(&rows[next..]).await?;
                }
            }
        }
        Ok(answers
            .into_iter()
            .map(|answer| {
                let answer =
                    answer.unwrap_or_else(|| Err(Error::Internal("record not planned".into())));
                if let Ok(result) = &answer {
                    tracing::info!(customer_id = %result.customer_id, outcome = ?result.outcome, "record submitted");
                    crate::telemetry::metrics::match_outcome(match result.outcome {
                        SubmitOutcome::Linked => "linked",
                        SubmitOutcome::NewCustomer => "new_customer",
                        SubmitOutcome::PossibleMatch => "possible_match",
                        SubmitOutcome::Updated => "updated",
                    });
                }
                answer
            })
            .collect())
    }

    /// The policy's say, decided before anything is written, indexed or
    /// logged: a refused minor leaves no trace, not even a log line.
    fn admit(
        &self,
        caller: &Caller,
        at: usize,
        cmd: SubmitRecord,
        now: DateTime<Utc>,
    ) -> Result<Admitted> {
        let SubmitRecord {
            record,
            request_id,
            minor_basis,
        } = cmd;
        authorize(
            caller,
            Action::SubmitRecord {
                system: &record.system,
            },
        )?;
        let holding = minors::evaluate(
            record.person.date_of_birth,
            minor_basis.as_ref(),
            &record.system,
            now,
            &self.privacy.minors,
        )?;
        // Records without a claim keep the fingerprint they always had, so
        // earlier idempotency keys still replay.
        let fingerprint = match &minor_basis {
            None => fingerprint(&record)?,
            Some(claim) => fingerprint(&(&record, claim))?,
        };
        Ok(Admitted {
            at,
            scope: format!("submit:{}", record.system),
            link: linked_ref(&record),
            holding,
            request_id,
            fingerprint,
            record,
            index: MatchIndex::default(),
        })
    }

    /// The rows with their matching indexes, made off the async runtime.
    async fn indexed(&self, mut rows: Vec<Admitted>) -> Result<Vec<Admitted>> {
        let linker = self.linker.clone();
        blocking(tracing::debug_span!("hub.index"), move || {
            for row in &mut rows {
                row.index = linker.index(&row.record.person);
            }
            rows
        })
        .await
    }

    /// The batch's earlier answers and existing links, in two bulk reads.
    async fn known(&self, rows: &[Admitted]) -> Result<Known> {
        let mut known = Known::default();
        let mut by_scope: HashMap<&str, Vec<String>> = HashMap::new();
        for row in rows {
            if let Some(id) = &row.request_id {
                by_scope.entry(&row.scope).or_default().push(id.clone());
            }
        }
        for (scope, ids) in by_scope {
            for (id, previous) in self.store.find_requests(scope, &ids).await? {
                known.requests.insert((scope.to_owned(), id), previous);
            }
        }
        let ids: Vec<LinkRef> = rows.iter().map(|r| r.link.clone()).collect();
        for linked in self.store.find_links(&ids).await? {
            known.links.insert(linked_ref(&linked.record), linked);
        }
        Ok(known)
    }

    /// What the store holds under the blocking keys of records with
    /// `wanted` keys: who holds each key first, then only the records
    /// worth comparing (most holders of a big key are strangers); and how
    /// common the records' `values` are.
    pub(super) async fn candidates(
        &self,
        wanted: &[&[String]],
        values: &[(Field, String)],
    ) -> Result<KeyedCandidates> {
        let mut seen = HashSet::new();
        let keys: Vec<String> = wanted
            .iter()
            .flat_map(|keys| keys.iter())
            .filter(|k| seen.insert(*k))
            .cloned()
            .collect();
        // How common the values are does not depend on who holds the
        // keys: both reads run at once.
        let (frequencies, holders) =
            tokio::try_join!(self.store.value_counts(values), self.holders(wanted, &keys))?;
        let Some(Holders {
            members,
            records,
            distinct,
        }) = holders
        else {
            return Ok(KeyedCandidates {
                frequencies,
                ..KeyedCandidates::default()
            });
        };
        Ok(KeyedCandidates {
            frequencies,
            distinct,
            ..KeyedCandidates::assemble(members, records)
        })
    }

    /// Who holds the keys, the records worth reading among them, and the
    /// pairs of their customers a steward judged different; `None` for no
    /// keys.
    async fn holders(
        &self,
        wanted: &[&[String]],
        keys: &[String],
    ) -> crate::store::StoreResult<Option<Holders>> {
        if keys.is_empty() {
            return Ok(None);
        }
        let members = self.store.key_members(keys, PER_KEY_LIMIT).await?;
        let read = worth_reading(wanted, &members, PER_KEY_LIMIT);
        let records = self.store.candidate_records(&read).await?;
        let mut customers: Vec<CustomerId> =
            records.iter().map(|r| r.customer_id.clone()).collect();
        customers.sort_unstable();
        customers.dedup();
        let mut distinct = HashSet::new();
        if customers.len() > 1 {
            for (a, b) in self.store.distinct_pairs_among(&customers).await? {
                distinct.insert((b.clone(), a.clone()));
                distinct.insert((a, b));
            }
        }
        Ok(Some(Holders {
            members,
            records,
            distinct,
        }))
    }

    async fn commit_update(
        &self,
        caller: &Caller,
        i: usize,
        row: &Admitted,
        known: &Known,
    ) -> Result<Attempt> {
        let linked = known.links[&row.link].clone();
        let (result, mut change) = match self
            .plan_update(caller, &row.record, linked.clone(), &row.holding)
            .await
        {
            Ok(planned) => planned,
            Err(e) => return Ok(Attempt::Done(vec![(i, Err(e))], Vec::new())),
        };
        save_request(row, &result, &mut change, self.clock.now())?;
        match self.store.apply(change).await {
            Ok(_) => {
                let updated = LinkedRecord {
                    record: row.record.clone(),
                    ..linked
                };
                Ok(Attempt::Done(vec![(i, Ok(result))], vec![updated]))
            }
            Err(StoreError::Conflict) => Ok(Attempt::Conflict),
            Err(e) => Err(e.into()),
        }
    }

    /// Plans the new rows from one candidate read and commits them in one
    /// transaction. Indexing and matching run off the async runtime.
    async fn commit_fresh(
        &self,
        caller: &Caller,
        rows: &[Admitted],
        fresh: &[usize],
        now: DateTime<Utc>,
    ) -> Result<Attempt> {
        let hashes: Vec<String> = fresh
            .iter()
            .map(|&i| link_hash(&rows[i].link.system, &rows[i].link.local_id))
            .collect();
        let erased: HashSet<String> = self
            .store
            .erased_links(&hashes)
            .await?
            .into_iter()
            .collect();
        let mut done = Vec::with_capacity(fresh.len());
        let mut planned = Vec::with_capacity(fresh.len());
        for (&i, hash) in fresh.iter().zip(&hashes) {
            if erased.contains(hash) {
                done.push((i, Err(erased_refusal())));
            } else {
                planned.push(i);
            }
        }
        let indexed: Vec<NewRecord> = planned
            .iter()
            .map(|&i| NewRecord {
                index: rows[i].index.clone(),
                record: rows[i].record.clone(),
                holding: rows[i].holding.clone(),
            })
            .collect();
        let wanted: Vec<&[String]> = indexed
            .iter()
            .filter(|n| n.holding == Holding::Adult)
            .map(|n| n.index.keys.as_slice())
            .collect();
        let mut values: Vec<(Field, String)> = indexed
            .iter()
            .flat_map(|n| Frequencies::values(&Subject::from_stored(&n.index.normalised)))
            .collect();
        values.sort_unstable_by(|a, b| (a.0.name(), &a.1).cmp(&(b.0.name(), &b.1)));
        values.dedup();
        let found = self.candidates(&wanted, &values).await?;
        // What the plan compared, to tell after commit what arrived since.
        let mut seen: HashSet<LinkRef> = found.records.iter().map(|r| r.link.clone()).collect();
        let linker = self.linker.clone();
        let planner_caller = caller.clone();
        let (results, mut change) = blocking(tracing::debug_span!("hub.plan"), move || {
            let mut planner = Planner::new(&linker, &planner_caller, now, &found, PER_KEY_LIMIT);
            let mut change = Change::default();
            let results: Vec<SubmitResult> = indexed
                .into_iter()
                .map(|new| planner.plan(new, &mut change))
                .collect();
            change.ops.push(Op::CountValues(planner.count_deltas()));
            (results, change)
        })
        .await?;
        for (&i, result) in planned.iter().zip(&results) {
            save_request(&rows[i], result, &mut change, now)?;
        }
        let links: Vec<LinkedRecord> = change
            .ops
            .iter()
            .filter_map(|op| match op {
                Op::InsertLink {
                    customer_id,
                    link,
                    record,
                    ..
                } => Some(LinkedRecord {
                    customer_id: customer_id.clone(),
                    link: link.clone(),
                    record: record.clone(),
                }),
                _ => None,
            })
            .collect();
        match self.store.apply(change).await {
            Ok(_) => {
                seen.extend(links.iter().map(|l| linked_ref(&l.record)));
                let made: Vec<(MatchIndex, CustomerId)> = planned
                    .iter()
                    .zip(&results)
                    .filter(|&(&i, r)| {
                        rows[i].holding == Holding::Adult
                            && matches!(
                                r.outcome,
                                SubmitOutcome::NewCustomer | SubmitOutcome::PossibleMatch
                            )
                    })
                    .map(|(&i, r)| (rows[i].index.clone(), r.customer_id.clone()))
                    .collect();
                self.recheck_new(&made, &seen).await?;
                done.extend(planned.into_iter().zip(results.into_iter().map(Ok)));
                Ok(Attempt::Done(done, links))
            }
            Err(StoreError::Conflict) => Ok(Attempt::Conflict),
            Err(e) => Err(e.into()),
        }
    }
}

/// The records worth reading for records with `wanted` keys, from the
/// store's key index (as `Hub::candidates` reads them).
pub(super) async fn worth_reading_for(
    store: &dyn crate::store::Store,
    wanted: &[&[String]],
) -> Result<Vec<LinkRef>> {
    let mut keys: Vec<String> = wanted.iter().flat_map(|k| k.iter().cloned()).collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let members = store.key_members(&keys, PER_KEY_LIMIT).await?;
    Ok(worth_reading(wanted, &members, PER_KEY_LIMIT))
}

/// Where the next part ends. Repeats of answered requests are answered
/// here; the part stops before a row that depends on a write of the part
/// the in-memory plan does not model (a second row of one departmental ID
/// or request ID, an already-linked ID after new rows), so that row is
/// planned after the part commits, as a one-by-one submission would be.
fn plan_part(rows: &[Admitted], from: usize, known: &Known, answers: &mut Answers) -> Part {
    let mut part = Part {
        end: from,
        update: None,
        fresh: Vec::new(),
    };
    let mut requests = HashSet::new();
    let mut links = HashSet::new();
    for (i, row) in rows.iter().enumerate().skip(from) {
        if let Some(id) = &row.request_id {
            let key = (row.scope.clone(), id.clone());
            if requests.contains(&key) {
                break;
            }
            if let Some(previous) = known.requests.get(&key) {
                answers[row.at] = Some(replay(previous, &row.fingerprint));
                part.end = i + 1;
                continue;
            }
            requests.insert(key);
        }
        if links.contains(&row.link) {
            break;
        }
        if known.links.contains_key(&row.link) {
            if part.fresh.is_empty() {
                part.update = Some(i);
                part.end = i + 1;
            }
            break;
        }
        links.insert(row.link.clone());
        part.fresh.push(i);
        part.end = i + 1;
    }
    part
}

fn save_request(
    row: &Admitted,
    result: &SubmitResult,
    change: &mut Change,
    now: DateTime<Utc>,
) -> Result<()> {
    if let Some(request_id) = &row.request_id {
        change.ops.push(Op::SaveRequest {
            scope: row.scope.clone(),
            request_id: request_id.clone(),
            fingerprint: row.fingerprint.clone(),
            response: response(result)?,
            at: now,
        });
    }
    Ok(())
}

fn response(result: &SubmitResult) -> Result<String> {
    serde_json::to_string(result).map_err(|e| Error::Internal(e.to_string()))
}

fn linked_ref(record: &DepartmentalRecord) -> LinkRef {
    LinkRef {
        system: record.system.clone(),
        local_id: record.local_id.clone(),
    }
}

/// CPU work over ~0.5 ms (indexing, matching a batch) off the async runtime,
/// in `span` (a debug span: the benchmarks' `--spans` time it).
async fn blocking<T: Send + 'static>(
    span: tracing::Span,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(move || span.in_scope(work))
        .await
        .map_err(|e| Error::Internal(format!("planning task failed: {e}")))
}
