//! What an import did, in counts only: no personal data.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    pub rows_read: u64,
    /// Matched to a customer the hub already held.
    pub linked: u64,
    pub new_customers: u64,
    /// New customers with a possible match for a steward to review.
    pub possible_matches: u64,
    pub review_tasks: u64,
    /// The departmental ID was already linked: its record was refreshed.
    pub updated: u64,
    pub rejected: u64,
    /// Minors without a lawful exception: counted, their data not kept.
    pub minors_refused: u64,
    /// Rejected rows by "field: reason" (a row may have several).
    pub reasons: BTreeMap<String, u64>,
}

impl Counts {
    pub fn reject(&mut self, reason: String) {
        *self.reasons.entry(reason).or_default() += 1;
    }
}

#[derive(Debug, Clone)]
pub struct Summary {
    pub counts: Counts,
    /// Rows handled by this run (the rest were done by an earlier one).
    pub rows_this_run: u64,
    pub resumed_after_line: Option<u64>,
    pub elapsed: Duration,
    /// Stopped early (interrupt or `--stop-after`); run again to resume.
    pub interrupted: bool,
}

impl Summary {
    pub fn rows_per_second(&self) -> f64 {
        self.rows_this_run as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn render(&self) -> String {
        let c = &self.counts;
        let mut out = String::new();
        let _ = writeln!(out, "rows read:              {}", c.rows_read);
        let _ = writeln!(out, "linked to existing:     {}", c.linked);
        let _ = writeln!(
            out,
            "new customers:          {}",
            c.new_customers + c.possible_matches
        );
        let _ = writeln!(out, "  with a possible match: {}", c.possible_matches);
        let _ = writeln!(out, "review tasks:           {}", c.review_tasks);
        let _ = writeln!(out, "already linked, updated: {}", c.updated);
        let _ = writeln!(out, "minors refused:         {}", c.minors_refused);
        let _ = writeln!(out, "rejected:               {}", c.rejected);
        for (reason, n) in &c.reasons {
            let _ = writeln!(out, "  {n:>8}  {reason}");
        }
        if let Some(line) = self.resumed_after_line {
            let _ = writeln!(out, "resumed after line:     {line}");
        }
        let _ = writeln!(
            out,
            "elapsed:                {:.1} s ({} rows this run, {:.0} rows/s)",
            self.elapsed.as_secs_f64(),
            self.rows_this_run,
            self.rows_per_second()
        );
        if self.interrupted {
            let _ = writeln!(out, "INTERRUPTED: run the same command again to resume");
        }
        out
    }
}
