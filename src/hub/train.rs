//! `train-weights`: re-estimates the Fellegi-Sunter weights from the
//! records the hub holds (unsupervised EM over blocked candidate pairs) and
//! stores them, and counts the value frequencies afresh; the service loads
//! the newest weights at start-up (frequencies are read as it matches).

use super::linkage::PER_KEY_LIMIT;
use crate::error::Result;
use crate::matching::{Field, Subject, Weights, blocking, compare, em};
use crate::record::LinkRef;
use crate::store::{Change, Op, Store};
use chrono::{DateTime, Utc};

/// Records read from the store per page.
const PAGE: i64 = 1000;
const MAX_ITERATIONS: usize = 1000;

/// What a training run did: counts and weights only, no personal data.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    pub records: usize,
    pub pairs: usize,
    pub iterations: usize,
    pub converged: bool,
    pub weights: Weights,
}

impl TrainSummary {
    /// One line per field: the weight of full agreement and of disagreement.
    pub fn render(&self) -> String {
        let mut out = format!(
            "trained on {} records, {} candidate pairs, {} EM iterations{}, match share {:.4}\n",
            self.records,
            self.pairs,
            self.iterations,
            if self.converged {
                ""
            } else {
                " (not converged)"
            },
            self.weights.prior
        );
        for f in Field::ALL {
            let last = f.levels().len() - 1;
            out.push_str(&format!(
                "{:<14} {:>7.2} agree {:>7.2} disagree\n",
                f.name(),
                self.weights.weight(f, 0),
                self.weights.weight(f, last)
            ));
        }
        out
    }
}

/// Reads every linked record, pairs them by blocking key as the hub does,
/// runs EM from the defaults, and saves the result. With no pairs (an empty
/// hub) nothing is saved and the defaults stay in force.
pub async fn train_weights(store: &dyn Store, at: DateTime<Utc>) -> Result<TrainSummary> {
    // The value frequencies are counted afresh too, repairing any drift.
    let counted = store.recount_values().await?;
    tracing::info!(records = counted, "value frequencies counted");
    let mut subjects = Vec::new();
    let mut after: Option<LinkRef> = None;
    loop {
        let page = store.match_records(after.as_ref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.link.clone());
        subjects.extend(page.iter().map(|r| Subject::from_stored(&r.normalised)));
    }
    // CPU-bound: off the async workers.
    let (summary, subjects) = tokio::task::spawn_blocking(move || {
        let pairs = blocking::candidate_pairs(&subjects, PER_KEY_LIMIT as usize);
        let comparisons: Vec<_> = pairs
            .iter()
            .map(|&(a, b)| compare(&subjects[a], &subjects[b]))
            .collect();
        let fit = em::estimate(&comparisons, &Weights::default(), MAX_ITERATIONS);
        let summary = TrainSummary {
            records: subjects.len(),
            pairs: pairs.len(),
            iterations: fit.iterations,
            converged: fit.converged,
            weights: fit.weights,
        };
        (summary, subjects.len())
    })
    .await
    .map_err(|e| crate::error::Error::Internal(format!("training task failed: {e}")))?;
    if summary.pairs > 0 {
        let mut change = Change::default();
        change.ops.push(Op::SaveWeights {
            weights: summary.weights.to_json(),
            pairs: summary.pairs as i64,
            at,
        });
        store.apply(change).await?;
    }
    tracing::info!(
        records = subjects,
        pairs = summary.pairs,
        iterations = summary.iterations,
        "match weights trained"
    );
    Ok(summary)
}
