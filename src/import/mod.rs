//! Initial load: a departmental system's CSV extract imported through
//! `Hub::submit_records` (SubmitRecord's own code path: the same validation,
//! minors' policy and matching, a batch at a time), resumable and loss-free.
//! No tonic, no sqlx here.

mod checkpoint;
mod columns;
mod decode;
mod progress;
mod reader;
mod rejects;
mod row;
mod summary;

pub use checkpoint::{Checkpoint, path_for as checkpoint_path};
pub use columns::{FIELDS, parse_mapping};
pub use decode::Encoding;
pub use progress::ProgressMode;
pub use summary::{Counts, Summary};

use crate::auth::{Caller, Role};
use crate::hub::{Hub, SubmitOutcome, SubmitRecord};
use crate::record::SystemCode;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("reading the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("{0}")]
    Input(String),
    #[error("the hub failed (the import can be resumed): {0}")]
    Hub(#[from] crate::error::Error),
}

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub system: SystemCode,
    pub file: PathBuf,
    pub encoding: Encoding,
    /// Field -> header overrides of the default column names.
    pub columns: BTreeMap<String, String>,
    /// The UK calendar date, for "date of birth not in the future".
    pub today: NaiveDate,
    /// Rows planned and committed together (one transaction).
    pub batch_rows: usize,
    /// Rows between checkpoints (also written at the end and on interrupt).
    pub checkpoint_rows: u64,
    /// Test hook: stop as if interrupted after this many rows of this run.
    pub stop_after: Option<u64>,
    pub progress: ProgressMode,
}

impl ImportOptions {
    pub fn new(system: SystemCode, file: PathBuf, today: NaiveDate) -> Self {
        Self {
            system,
            file,
            encoding: Encoding::Utf8,
            columns: BTreeMap::new(),
            today,
            batch_rows: 1000,
            checkpoint_rows: 10_000,
            stop_after: None,
            progress: ProgressMode::Auto,
        }
    }
}

/// The reject file for `input`: `FILE.csv.rejects.csv`.
pub fn rejects_path(input: &Path) -> PathBuf {
    checkpoint::suffixed(input, ".rejects.csv")
}

/// Imports `opts.file`, resuming after its checkpoint if there is one.
/// Setting `interrupt` stops after the batch in flight, checkpointed.
pub async fn run(
    hub: Arc<Hub>,
    opts: ImportOptions,
    interrupt: Arc<AtomicBool>,
) -> Result<Summary, ImportError> {
    let started = Instant::now();
    let file = opts.file.clone();
    let (sha, lines) = tokio::task::spawn_blocking(move || reader::fingerprint(&file))
        .await
        .map_err(|e| ImportError::Input(format!("fingerprinting the file: {e}")))??;
    let checkpoint_path = checkpoint::path_for(&opts.file);
    let previous = checkpoint::load(&checkpoint_path)?;
    if let Some(p) = &previous {
        if p.file_sha256 != sha {
            return Err(ImportError::Input(format!(
                "{} belongs to a different version of this file; delete it to import from the start",
                checkpoint_path.display()
            )));
        }
        if p.system != opts.system.as_str() {
            return Err(ImportError::Input(format!(
                "this file was being imported for system {}, not {}",
                p.system, opts.system
            )));
        }
    }
    let mut state = previous.clone().unwrap_or(Checkpoint {
        file_sha256: sha.clone(),
        system: opts.system.as_str().to_owned(),
        ..Checkpoint::default()
    });
    let resumed_after_line = previous.as_ref().map(|p| p.line);
    if state.finished {
        return Ok(Summary {
            counts: state.counts,
            rows_this_run: 0,
            resumed_after_line,
            elapsed: started.elapsed(),
            interrupted: false,
        });
    }
    let input = reader::open(&opts.file, opts.encoding, &opts.columns)?;
    let mut rejects = rejects::Rejects::open(
        &rejects_path(&opts.file),
        &input.headers,
        previous.as_ref().map(|p| p.rejects_len),
    )?;
    let caller = Caller::new(
        format!("import:{}", opts.system),
        Role::Department,
        Some(opts.system.clone()),
    )
    .map_err(ImportError::Input)?;
    let mut progress = progress::Progress::new(
        opts.progress,
        lines.saturating_sub(1),
        state.counts.rows_read,
    );
    let mut batches = reader::spawn(
        input,
        opts.system.clone(),
        opts.today,
        state.line,
        opts.batch_rows.max(1),
    );
    // The request ID ties a row to this file's content: a re-run replays the
    // hub's first answer instead of linking twice.
    let request_prefix = format!("import:{}", &sha[..16]);
    let mut rows_this_run = 0u64;
    let mut since_checkpoint = 0u64;
    // Statistics are refreshed as this run's rows double (10k, 20k, 40k...)
    // and at the end: plans made for a smaller store can turn key lookups
    // into scans, and doubling keeps the refreshes' cost to a few. The rows
    // this run had at the last refresh:
    let mut refreshed = 0u64;
    let mut interrupted = false;
    while let Some(batch) = batches.recv().await {
        let batch = batch?;
        let (positions, commands): (Vec<usize>, Vec<SubmitRecord>) = batch
            .iter()
            .enumerate()
            .filter_map(|(i, row)| {
                let record = row.parsed.as_ref().ok()?.clone();
                Some((
                    i,
                    SubmitRecord {
                        record,
                        request_id: Some(format!("{request_prefix}:{}", row.line)),
                        minor_basis: None,
                    },
                ))
            })
            .unzip();
        let mut outcomes: Vec<Option<Outcome>> = (0..batch.len()).map(|_| None).collect();
        let answers = hub.submit_records(&caller, commands).await?;
        for (i, answer) in positions.into_iter().zip(answers) {
            outcomes[i] = Some(Outcome::of(answer)?);
        }
        for (row, outcome) in batch.iter().zip(outcomes) {
            record_outcome(&mut state.counts, &mut rejects, row, outcome)?;
            state.line = row.line;
        }
        rows_this_run += batch.len() as u64;
        since_checkpoint += batch.len() as u64;
        progress.update(state.counts.rows_read);
        interrupted = interrupt.load(Ordering::Relaxed)
            || opts.stop_after.is_some_and(|n| rows_this_run >= n);
        if rows_this_run >= (2 * refreshed).max(opts.checkpoint_rows) {
            refresh_statistics(&hub).await;
            refreshed = rows_this_run;
        }
        if since_checkpoint >= opts.checkpoint_rows || interrupted {
            state.rejects_len = rejects.flush_len()?;
            checkpoint::save(&checkpoint_path, &state)?;
            since_checkpoint = 0;
        }
        if interrupted {
            break;
        }
    }
    if rows_this_run > refreshed {
        refresh_statistics(&hub).await;
    }
    if !interrupted {
        state.rejects_len = rejects.flush_len()?;
        state.finished = true;
        checkpoint::save(&checkpoint_path, &state)?;
    }
    progress.finish();
    Ok(Summary {
        counts: state.counts,
        rows_this_run,
        resumed_after_line,
        elapsed: started.elapsed(),
        interrupted,
    })
}

/// What became of one submitted row.
#[derive(Debug)]
enum Outcome {
    Submitted {
        outcome: SubmitOutcome,
        review_tasks: usize,
    },
    /// The hub found a field invalid (the parsers already checked, so rare).
    Invalid(Vec<crate::record::FieldViolation>),
    /// A minor without a lawful exception: `reason` is the rule's code.
    MinorRefused(&'static str),
    /// Another rule refused the row (e.g. an erased person's ID).
    Refused {
        reason: &'static str,
        message: String,
    },
}

impl Outcome {
    /// A row's answer; a store failure is not the row's fault and stops
    /// the import (the checkpoint lets it resume once fixed).
    fn of(answer: crate::error::Result<crate::hub::SubmitResult>) -> crate::error::Result<Self> {
        use crate::error::Error;
        match answer {
            Ok(result) => Ok(Outcome::Submitted {
                outcome: result.outcome,
                review_tasks: result.review_task_ids.len(),
            }),
            Err(Error::InvalidArgument(violations)) => Ok(Outcome::Invalid(violations)),
            Err(Error::FailedPrecondition { reason, .. }) if reason.starts_with("MINOR") => {
                Ok(Outcome::MinorRefused(reason))
            }
            Err(Error::FailedPrecondition { reason, message }) => {
                Ok(Outcome::Refused { reason, message })
            }
            Err(e) => Err(e),
        }
    }
}

/// A failed refresh costs only speed: the load goes on.
async fn refresh_statistics(hub: &Hub) {
    if let Err(e) = hub.refresh_statistics().await {
        tracing::warn!(error = %e, "refreshing the store's statistics failed");
    }
}

fn record_outcome(
    counts: &mut Counts,
    rejects: &mut rejects::Rejects,
    row: &reader::Row,
    outcome: Option<Outcome>,
) -> std::io::Result<()> {
    counts.rows_read += 1;
    let violations = match (&row.parsed, outcome) {
        (Err(violations), _) => violations.clone(),
        (
            Ok(_),
            Some(Outcome::Submitted {
                outcome,
                review_tasks,
            }),
        ) => {
            match outcome {
                SubmitOutcome::Linked => counts.linked += 1,
                SubmitOutcome::NewCustomer => counts.new_customers += 1,
                SubmitOutcome::PossibleMatch => counts.possible_matches += 1,
                SubmitOutcome::Updated => counts.updated += 1,
            }
            counts.review_tasks += review_tasks as u64;
            return Ok(());
        }
        (Ok(_), Some(Outcome::MinorRefused(reason))) => {
            counts.minors_refused += 1;
            // Line and rule only: the hub keeps nothing of a refused minor.
            return rejects.write(row.line, "date_of_birth", reason, None);
        }
        (Ok(_), Some(Outcome::Refused { reason, message })) => {
            vec![crate::record::FieldViolation::new(reason, message)]
        }
        (Ok(_), Some(Outcome::Invalid(violations))) => violations,
        (Ok(_), None) => vec![crate::record::FieldViolation::new(
            "",
            "not submitted (internal error)",
        )],
    };
    counts.rejected += 1;
    for v in &violations {
        counts.reject(format!("{}: {}", v.field, v.description));
    }
    let field = join(violations.iter().map(|v| v.field.as_str()));
    let reason = join(violations.iter().map(|v| v.description.as_str()));
    rejects.write(row.line, &field, &reason, Some(&row.raw))
}

fn join<'a>(parts: impl Iterator<Item = &'a str>) -> String {
    parts.collect::<Vec<_>>().join("; ")
}
