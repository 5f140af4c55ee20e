//! Wall time of every closed span by name (`--spans`): where a call's time
//! goes, store call by store call (span names and durations only).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Default)]
pub struct SpanTimes(Arc<Mutex<BTreeMap<&'static str, Vec<Duration>>>>);

struct Opened(Instant);

impl<S> tracing_subscriber::Layer<S> for SpanTimes
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    fn on_new_span(
        &self,
        _: &tracing::span::Attributes<'_>,
        id: &tracing::span::Id,
        ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Opened(Instant::now()));
        }
    }

    fn on_close(&self, id: tracing::span::Id, ctx: tracing_subscriber::layer::Context<'_, S>) {
        if let Some(span) = ctx.span(&id)
            && let Some(Opened(at)) = span.extensions().get::<Opened>()
        {
            let mut times = self.0.lock().unwrap();
            times.entry(span.name()).or_default().push(at.elapsed());
        }
    }
}

impl SpanTimes {
    /// Collects the spans of the whole process from now on, the hub's and
    /// the store's debug spans (checkpoints, matching work) included.
    pub fn install() -> anyhow::Result<Self> {
        use tracing_subscriber::layer::SubscriberExt;
        let spans = Self::default();
        tracing::subscriber::set_global_default(
            tracing_subscriber::registry().with(spans.clone()).with(
                tracing_subscriber::filter::Targets::new()
                    .with_default(tracing::Level::INFO)
                    .with_target("scr_hub::store", tracing::Level::DEBUG)
                    .with_target("scr_hub::hub", tracing::Level::DEBUG),
            ),
        )?;
        Ok(spans)
    }

    pub fn report(&self) {
        let times = self.0.lock().unwrap();
        println!("  spans (count, p50, p99, max in ms; total in s):");
        for (name, list) in times.iter() {
            let mut list = list.clone();
            list.sort();
            let total: Duration = list.iter().sum();
            println!(
                "    {name:<32} {:>7} {:>8.2} {:>8.2} {:>8.2} {:>8.1}",
                list.len(),
                ms(percentile(&list, 0.5)),
                ms(percentile(&list, 0.99)),
                ms(*list.last().unwrap()),
                total.as_secs_f64()
            );
        }
    }

    /// The spans closed so far, leaving none behind.
    pub fn take(&self) -> Self {
        let taken = std::mem::take(&mut *self.0.lock().unwrap());
        Self(Arc::new(Mutex::new(taken)))
    }
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
