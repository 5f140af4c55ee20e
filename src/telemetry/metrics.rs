//! The hub's metrics: OpenTelemetry instruments (exported over OTLP when an
//! endpoint is set, no-ops otherwise) and the same figures as in-process
//! counters that tests and status pages can read. Attributes are method
//! names, status codes and outcomes: never personal data.

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Counter, Gauge, Histogram};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

struct Instruments {
    rpc_duration: Histogram<f64>,
    match_outcomes: Counter<u64>,
    search_duration: Histogram<f64>,
    outbox_lag: Gauge<i64>,
    index_lag: Gauge<i64>,
}

/// Created on first use, after `telemetry::init` set the meter provider.
fn instruments() -> &'static Instruments {
    static INSTRUMENTS: OnceLock<Instruments> = OnceLock::new();
    INSTRUMENTS.get_or_init(|| {
        let meter = opentelemetry::global::meter(super::SERVICE_NAME);
        Instruments {
            rpc_duration: meter
                .f64_histogram("rpc.server.duration")
                .with_unit("ms")
                .with_description("Duration of inbound RPCs, per method and gRPC status")
                .build(),
            match_outcomes: meter
                .u64_counter("scr.match.outcomes")
                .with_description("Submitted records by linkage outcome")
                .build(),
            search_duration: meter
                .f64_histogram("scr.search.duration")
                .with_unit("ms")
                .with_description("Contact-centre search latency")
                .build(),
            outbox_lag: meter
                .i64_gauge("scr.outbox.lag")
                .with_description("Outbox events not yet published to NATS")
                .build(),
            index_lag: meter
                .i64_gauge("scr.index.lag")
                .with_description("Outbox events not yet in this replica's search index")
                .build(),
        }
    })
}

/// In-process figures, monotonic counters and last-seen gauges.
#[derive(Default)]
struct Counters {
    rpcs: AtomicU64,
    rpc_errors: AtomicU64,
    linked: AtomicU64,
    new_customer: AtomicU64,
    possible_match: AtomicU64,
    updated: AtomicU64,
    searches: AtomicU64,
    outbox_lag: AtomicI64,
    index_lag: AtomicI64,
}

static COUNTERS: OnceLock<Counters> = OnceLock::new();

fn counters() -> &'static Counters {
    COUNTERS.get_or_init(Counters::default)
}

/// A copy of the in-process counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub rpcs: u64,
    pub rpc_errors: u64,
    pub linked: u64,
    pub new_customer: u64,
    pub possible_match: u64,
    pub updated: u64,
    pub searches: u64,
    pub outbox_lag: i64,
    pub index_lag: i64,
}

pub fn snapshot() -> Snapshot {
    let c = counters();
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    Snapshot {
        rpcs: get(&c.rpcs),
        rpc_errors: get(&c.rpc_errors),
        linked: get(&c.linked),
        new_customer: get(&c.new_customer),
        possible_match: get(&c.possible_match),
        updated: get(&c.updated),
        searches: get(&c.searches),
        outbox_lag: c.outbox_lag.load(Ordering::Relaxed),
        index_lag: c.index_lag.load(Ordering::Relaxed),
    }
}

/// One finished RPC; `code` is the numeric gRPC status (0 = OK).
pub fn rpc_finished(service: &str, method: &str, code: i32, elapsed: Duration) {
    let c = counters();
    c.rpcs.fetch_add(1, Ordering::Relaxed);
    if code != 0 {
        c.rpc_errors.fetch_add(1, Ordering::Relaxed);
    }
    instruments().rpc_duration.record(
        elapsed.as_secs_f64() * 1000.0,
        &[
            KeyValue::new("rpc.system", "grpc"),
            KeyValue::new("rpc.service", service.to_owned()),
            KeyValue::new("rpc.method", method.to_owned()),
            KeyValue::new("rpc.grpc.status_code", i64::from(code)),
        ],
    );
}

/// The linkage outcome of a submitted record (`linked`, `new_customer`,
/// `possible_match` or `updated`).
pub fn match_outcome(outcome: &'static str) {
    let c = counters();
    let counter = match outcome {
        "linked" => &c.linked,
        "new_customer" => &c.new_customer,
        "possible_match" => &c.possible_match,
        _ => &c.updated,
    };
    counter.fetch_add(1, Ordering::Relaxed);
    instruments()
        .match_outcomes
        .add(1, &[KeyValue::new("outcome", outcome)]);
}

pub fn search_finished(elapsed: Duration) {
    counters().searches.fetch_add(1, Ordering::Relaxed);
    instruments()
        .search_duration
        .record(elapsed.as_secs_f64() * 1000.0, &[]);
}

/// Outbox events the NATS bridge has yet to publish.
pub fn outbox_lag(events: i64) {
    counters().outbox_lag.store(events, Ordering::Relaxed);
    instruments().outbox_lag.record(events, &[]);
}

/// Outbox events this replica's search index has yet to take in.
pub fn index_lag(events: i64) {
    counters().index_lag.store(events, Ordering::Relaxed);
    instruments().index_lag.record(events, &[]);
}
