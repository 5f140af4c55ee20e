//! Telemetry end to end. A full scenario (submit, link, read, change of
//! address, search, verify) runs against the real server with every log
//! line captured and spans and metrics exported over OTLP to a fake
//! collector in this process. Spans carry the RPC semantic conventions and
//! continue the client's `traceparent`; nothing captured or exported holds
//! the test persons' names, dates of birth, addresses or postcodes. Its own
//! binary, so the global subscriber is this test's.

#[allow(dead_code, unused_imports)]
#[path = "../api/helpers.rs"]
mod helpers;

use helpers::*;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use opentelemetry_proto::tonic::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use scr_hub::api::pb;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID: &str = "00f067aa0ba902b7";

/// Personal data of the scenario, lower-cased: none may appear anywhere.
const PERSONAL: &[&str] = &[
    "amelia",
    "okafor",
    "jane",
    "100070123456",
    "1984-06-02",
    "19840602",
    "harborne",
    "b15 3dh",
    "b153dh",
    "selly park",
    "b29 7pn",
    "b297pn",
    "1984-02-30",
    "birmingham",
];

#[derive(Clone, Default)]
struct Collector {
    traces: Arc<Mutex<Vec<ExportTraceServiceRequest>>>,
    metrics: Arc<Mutex<Vec<ExportMetricsServiceRequest>>>,
}

#[tonic::async_trait]
impl TraceService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportTraceServiceRequest>,
    ) -> Result<tonic::Response<ExportTraceServiceResponse>, tonic::Status> {
        self.traces.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(ExportTraceServiceResponse::default()))
    }
}

#[tonic::async_trait]
impl MetricsService for Collector {
    async fn export(
        &self,
        request: tonic::Request<ExportMetricsServiceRequest>,
    ) -> Result<tonic::Response<ExportMetricsServiceResponse>, tonic::Status> {
        self.metrics.lock().unwrap().push(request.into_inner());
        Ok(tonic::Response::new(ExportMetricsServiceResponse::default()))
    }
}

impl Collector {
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        let server = tonic::transport::Server::builder()
            .add_service(TraceServiceServer::new(self.clone()))
            .add_service(MetricsServiceServer::new(self.clone()))
            .serve_with_incoming(incoming);
        tokio::spawn(server);
        format!("http://{addr}")
    }

    fn spans(&self) -> Vec<Span> {
        let traces = self.traces.lock().unwrap();
        traces
            .iter()
            .flat_map(|r| &r.resource_spans)
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| s.spans.clone())
            .collect()
    }

    fn metric_names(&self) -> Vec<String> {
        let metrics = self.metrics.lock().unwrap();
        metrics
            .iter()
            .flat_map(|r| &r.resource_metrics)
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| s.metrics.iter().map(|m| m.name.clone()))
            .collect()
    }
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn attribute(span: &Span, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref()?.value.clone())
}

fn string(value: &str) -> Option<Value> {
    Some(Value::StringValue(value.into()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_scenario_is_traced_and_exported_without_personal_data() {
    let collector = Collector::default();
    let endpoint = collector.start().await;
    let (tracer_provider, meter_provider) = scr_hub::telemetry::otlp_pipeline(&endpoint).unwrap();
    opentelemetry::global::set_meter_provider(meter_provider.clone());
    let logs = Captured::default();
    let writer = logs.clone();
    // Everything, at every level, with span fields on every line and on close.
    let fmt = tracing_subscriber::fmt::layer()
        .json()
        .with_span_list(true)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(move || writer.clone());
    tracing_subscriber::registry()
        .with(fmt.with_filter(tracing_subscriber::filter::LevelFilter::TRACE))
        .with(scr_hub::telemetry::otel_layer(&tracer_provider))
        .init();
    let before = scr_hub::telemetry::metrics::snapshot();

    let app = spawn_app().await;
    let id = scenario(&app).await;
    app.stop().await;
    tokio::task::spawn_blocking(move || {
        tracer_provider.force_flush().unwrap();
        meter_provider.force_flush().unwrap();
    })
    .await
    .unwrap();

    // Spans arrived, with the RPC semantic conventions.
    let spans = collector.spans();
    let submit = spans
        .iter()
        .find(|s| s.name == "scr.v1.CustomerRecords/SubmitRecord")
        .unwrap_or_else(|| panic!("no SubmitRecord span in {} spans", spans.len()));
    assert_eq!(attribute(submit, "rpc.system"), string("grpc"));
    assert_eq!(
        attribute(submit, "rpc.service"),
        string("scr.v1.CustomerRecords")
    );
    assert_eq!(attribute(submit, "rpc.method"), string("SubmitRecord"));
    assert_eq!(
        attribute(submit, "rpc.grpc.status_code"),
        Some(Value::IntValue(0))
    );
    assert_eq!(submit.kind, 2, "SPAN_KIND_SERVER");
    let invalid = spans
        .iter()
        .filter(|s| s.name == "scr.v1.CustomerRecords/SubmitRecord")
        .find(|s| attribute(s, "rpc.grpc.status_code") == Some(Value::IntValue(3)));
    assert!(invalid.is_some(), "the refused submission is traced as 3");

    // The read continued the client's trace, and its store calls are children.
    let read = spans
        .iter()
        .find(|s| s.name == "scr.v1.CustomerRecords/GetCustomer")
        .expect("GetCustomer span");
    assert_eq!(hex(&read.trace_id), TRACE_ID);
    assert_eq!(hex(&read.parent_span_id), PARENT_SPAN_ID);
    let store_call = spans
        .iter()
        .find(|s| s.name == "store.load_customer" && s.parent_span_id == read.span_id)
        .expect("a store span under the read");
    assert_eq!(hex(&store_call.trace_id), TRACE_ID);
    assert_eq!(attribute(store_call, "customer_id"), string(&id));

    // Metrics arrived too, and the in-process counters moved.
    let names = collector.metric_names();
    for name in [
        "rpc.server.duration",
        "scr.match.outcomes",
        "scr.search.duration",
        "scr.index.lag",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let after = scr_hub::telemetry::metrics::snapshot();
    assert!(after.new_customer > before.new_customer);
    assert!(after.linked > before.linked);
    assert!(after.searches > before.searches);
    assert!(after.rpc_errors > before.rpc_errors);

    // No personal data anywhere: logs, span names, fields, attributes,
    // events, metric attributes.
    let captured = String::from_utf8_lossy(&logs.0.lock().unwrap()).to_lowercase();
    assert!(captured.contains("store.load_customer"), "spans are logged");
    assert!(captured.contains(&id), "IDs are logged");
    let exported = format!(
        "{:?}{:?}",
        collector.traces.lock().unwrap(),
        collector.metrics.lock().unwrap()
    )
    .to_lowercase();
    for needle in PERSONAL {
        assert!(!captured.contains(needle), "{needle:?} in the logs");
        assert!(!exported.contains(needle), "{needle:?} in the exports");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Submit, link, read (in the client's trace), change the address, search,
/// verify, and a refused submission; returns the customer ID.
async fn scenario(app: &TestApp) -> String {
    let mut records = app.records();
    let first = records
        .submit_record(authed("libraries", submit(record("libraries", "L-1"), "")))
        .await
        .unwrap()
        .into_inner();
    let linked = records
        .submit_record(authed("waste", submit(record("waste", "W-1"), "")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(linked.customer_id, first.customer_id);
    let id = first.customer_id;

    let mut read = authed(
        "agent",
        pb::GetCustomerRequest {
            customer_id: id.clone(),
            purpose: "caller asked about a missed bin collection".into(),
        },
    );
    read.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-{PARENT_SPAN_ID}-01")
            .parse()
            .unwrap(),
    );
    records.get_customer(read).await.unwrap();

    records
        .change_address(authed(
            "libraries",
            pb::ChangeAddressRequest {
                customer_id: id.clone(),
                new_address: Some(pb::Address {
                    lines: vec!["3 Selly Park Road".into()],
                    town: "Birmingham".into(),
                    postcode: "B29 7PN".into(),
                    uprn: String::new(),
                }),
                effective_date: "2026-01-15".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap();

    let search = pb::SearchCustomersRequest {
        query: "Amelia Okafor B29 7PN".into(),
        structured: None,
        page_size: 5,
        page_token: String::new(),
        purpose: "caller on the phone about council tax".into(),
    };
    app.search()
        .search_customers(authed("agent", search))
        .await
        .unwrap();

    let verify = pb::VerifyIdentityRequest {
        customer_id: id.clone(),
        claims: Some(pb::IdentityClaims {
            date_of_birth: "1984-06-02".into(),
            postcode: "B29 7PN".into(),
            address_line: "3 Selly Park Road".into(),
            facts: Vec::new(),
        }),
    };
    app.identity()
        .verify_identity(authed("agent", verify))
        .await
        .unwrap();

    let mut bad = record("libraries", "L-2");
    bad.date_of_birth = "1984-02-30".into();
    let status = records
        .submit_record(authed("libraries", submit(bad, "")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    id
}
