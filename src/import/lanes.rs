//! Submits one batch through `Hub::submit_record` on a few concurrent lanes.
//! Rows go to a lane by date of birth, so two records of one person (who
//! usually share it) are matched one after the other rather than racing to
//! become two new customers; and every row of one departmental ID follows
//! the first to its lane, so they are submitted in file order.

use crate::auth::Caller;
use crate::error::{Error, Result};
use crate::hub::{Hub, SubmitOutcome, SubmitRecord};
use crate::record::FieldViolation;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

/// Attempts for a row the hub answers "unavailable" (contention).
const ATTEMPTS: usize = 5;

/// What became of one submitted row.
#[derive(Debug)]
pub enum Outcome {
    Submitted {
        outcome: SubmitOutcome,
        review_tasks: usize,
    },
    /// The hub found a field invalid (the parsers already checked, so rare).
    Invalid(Vec<FieldViolation>),
    /// A minor without a lawful exception: `reason` is the rule's code.
    MinorRefused(&'static str),
    /// Another rule refused the row (e.g. an erased person's ID).
    Refused {
        reason: &'static str,
        message: String,
    },
}

/// Submits `rows` (index in batch, command) on `lanes` lanes; returns each
/// row's outcome by index. A store failure stops the batch: it is not a bad
/// row, and the checkpoint lets the import resume once it is fixed.
pub async fn submit_batch(
    hub: &Arc<Hub>,
    caller: &Caller,
    rows: Vec<(usize, SubmitRecord)>,
    lanes: usize,
) -> Result<Vec<(usize, Outcome)>> {
    let lanes = lanes.max(1);
    let mut queues: Vec<Vec<(usize, SubmitRecord)>> = (0..lanes).map(|_| Vec::new()).collect();
    let mut lane_of_id: std::collections::HashMap<String, usize> = Default::default();
    for (i, cmd) in rows {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        cmd.record.person.date_of_birth.date().hash(&mut h);
        let by_birth = (h.finish() % lanes as u64) as usize;
        let lane = *lane_of_id
            .entry(cmd.record.local_id.as_str().to_owned())
            .or_insert(by_birth);
        queues[lane].push((i, cmd));
    }
    let mut set = tokio::task::JoinSet::new();
    for queue in queues.into_iter().filter(|q| !q.is_empty()) {
        let hub = hub.clone();
        let caller = caller.clone();
        set.spawn(async move {
            let mut done = Vec::with_capacity(queue.len());
            for (i, cmd) in queue {
                done.push((i, submit_one(&hub, &caller, cmd).await?));
            }
            Ok::<_, Error>(done)
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = set.join_next().await {
        let lane = joined.map_err(|e| Error::Internal(format!("import lane failed: {e}")))?;
        outcomes.extend(lane?);
    }
    Ok(outcomes)
}

async fn submit_one(hub: &Hub, caller: &Caller, cmd: SubmitRecord) -> Result<Outcome> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match hub.submit_record(caller, cmd.clone()).await {
            Ok(result) => {
                return Ok(Outcome::Submitted {
                    outcome: result.outcome,
                    review_tasks: result.review_task_ids.len(),
                });
            }
            Err(Error::InvalidArgument(violations)) => return Ok(Outcome::Invalid(violations)),
            Err(Error::FailedPrecondition { reason, .. }) if reason.starts_with("MINOR") => {
                return Ok(Outcome::MinorRefused(reason));
            }
            Err(Error::FailedPrecondition { reason, message }) => {
                return Ok(Outcome::Refused { reason, message });
            }
            Err(Error::Unavailable(_)) if attempt < ATTEMPTS => {
                tokio::time::sleep(Duration::from_millis(20 * attempt as u64)).await;
            }
            Err(e) => return Err(e),
        }
    }
}
