//! Logs, traces and metrics set-up. Log lines, span fields and metric
//! attributes carry IDs and outcomes only, never personal data.
//!
//! Logs go to stderr (pretty or JSON). With an OTLP endpoint, spans (one per
//! RPC and per store call) and metrics are exported over OTLP/gRPC too.

pub mod metrics;

use crate::config::LogFormat;
use crate::error::Context;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::SdkTracerProvider;
use std::io::IsTerminal;
use std::time::Duration;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, Registry};

/// The service name spans and metrics are exported under.
pub const SERVICE_NAME: &str = "scr-hub";

/// The exporters in force; `shutdown` flushes what is still buffered.
#[derive(Default)]
pub struct Telemetry {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
}

impl Telemetry {
    /// Flushes and stops the exporters (blocking: call off the runtime's
    /// worker threads, e.g. in `spawn_blocking`, or after it stopped).
    pub fn shutdown(self) {
        if let Some(p) = self.tracer_provider
            && let Err(e) = p.shutdown()
        {
            tracing::warn!(error = %e, "flushing spans failed");
        }
        if let Some(p) = self.meter_provider
            && let Err(e) = p.shutdown()
        {
            tracing::warn!(error = %e, "flushing metrics failed");
        }
    }
}

/// Installs the global subscriber; `RUST_LOG` overrides the default level
/// of the logs (not of the exported spans). With `otlp_endpoint`, spans and
/// metrics are exported there; the endpoint must be reachable lazily, so a
/// collector that starts later is fine.
pub fn init(
    format: LogFormat,
    otlp_endpoint: Option<&str>,
) -> crate::error::SetupResult<Telemetry> {
    // tantivy narrates every segment commit at info; keep it to warnings.
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tantivy=warn"));
    let ansi = std::io::stderr().is_terminal();
    let fmt = match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer()
            .with_ansi(ansi)
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed(),
    };
    let mut telemetry = Telemetry::default();
    let otel = match otlp_endpoint {
        Some(endpoint) => {
            let (tracer_provider, meter_provider) = otlp_pipeline(endpoint)?;
            opentelemetry::global::set_meter_provider(meter_provider.clone());
            let layer = otel_layer(&tracer_provider);
            telemetry.tracer_provider = Some(tracer_provider);
            telemetry.meter_provider = Some(meter_provider);
            Some(layer)
        }
        None => None,
    };
    // A second init (tests) keeps the first subscriber.
    let _ = Registry::default().with(fmt).with(otel).try_init();
    Ok(telemetry)
}

/// Span and metric exporters over OTLP/gRPC to `endpoint`
/// (e.g. `http://otel-collector:4317`). Needs a Tokio runtime.
pub fn otlp_pipeline(
    endpoint: &str,
) -> crate::error::SetupResult<(SdkTracerProvider, SdkMeterProvider)> {
    let resource = Resource::builder().with_service_name(SERVICE_NAME).build();
    let spans = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_secs(5))
        .build()
        .context("building the OTLP span exporter")?;
    let tracer_provider = SdkTracerProvider::builder()
        .with_batch_exporter(spans)
        .with_resource(resource.clone())
        .build();
    let metrics = opentelemetry_otlp::MetricExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .with_timeout(Duration::from_secs(5))
        .build()
        .context("building the OTLP metric exporter")?;
    let meter_provider = SdkMeterProvider::builder()
        .with_periodic_exporter(metrics)
        .with_resource(resource)
        .build();
    Ok((tracer_provider, meter_provider))
}

/// The tracing layer that turns the hub's own spans into OpenTelemetry
/// spans. Only `scr_hub` spans go out: library internals (h2, sqlx) would
/// swamp the traces.
pub fn otel_layer<S>(provider: &SdkTracerProvider) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    let tracer = provider.tracer(SERVICE_NAME);
    tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(Targets::new().with_target("scr_hub", tracing::Level::INFO))
        .boxed()
}
