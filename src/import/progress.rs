//! Progress on stderr: a bar with rows/s and ETA on a terminal, a plain line
//! every few seconds otherwise. Counts only, never row contents.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

const PLAIN_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProgressMode {
    /// A bar on a terminal, plain lines otherwise.
    #[default]
    Auto,
    Quiet,
}

pub enum Progress {
    Bar(ProgressBar),
    Plain {
        started: Instant,
        last: Instant,
        total: u64,
        start_at: u64,
    },
    Quiet,
}

impl Progress {
    /// `done` rows of an estimated `total` are already behind us (resume).
    pub fn new(mode: ProgressMode, total: u64, done: u64) -> Self {
        if mode == ProgressMode::Quiet {
            return Progress::Quiet;
        }
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(total);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} rows  {per_sec}  ETA {eta}  {elapsed_precise}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_position(done);
            bar.reset_eta();
            Progress::Bar(bar)
        } else {
            let now = Instant::now();
            Progress::Plain {
                started: now,
                last: now,
                total,
                start_at: done,
            }
        }
    }

    pub fn update(&mut self, done: u64) {
        match self {
            Progress::Bar(bar) => bar.set_position(done),
            Progress::Plain {
                started,
                last,
                total,
                start_at,
            } => {
                if last.elapsed() < PLAIN_EVERY {
                    return;
                }
                *last = Instant::now();
                let rate = (done - *start_at) as f64 / started.elapsed().as_secs_f64().max(1e-9);
                let left = total.saturating_sub(done) as f64 / rate.max(1e-9);
                eprintln!(
                    "import: {done}/{total} rows, {rate:.0} rows/s, ETA {:.0} s",
                    left
                );
            }
            Progress::Quiet => {}
        }
    }

    pub fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
