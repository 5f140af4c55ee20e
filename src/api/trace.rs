//! One span per RPC as a tower layer (outside the auth layer, so refusals
//! are traced too), after the OpenTelemetry RPC semantic conventions:
//! `rpc.system`, `rpc.service`, `rpc.method`, `rpc.grpc.status_code`. An
//! incoming W3C `traceparent` is continued. It also records the request
//! duration metric and logs one line per call. Health and reflection calls
//! are left out: probes would drown the traces.

use super::auth::OPEN_PREFIXES;
use crate::telemetry::metrics;
use opentelemetry::propagation::{Extractor, TextMapPropagator};
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;
use tonic::codegen::http;
use tracing::Instrument;
use tracing::field::Empty;
use tracing_opentelemetry::OpenTelemetrySpanExt;

#[derive(Clone, Default)]
pub struct TraceLayer;

impl<S> tower::Layer<S> for TraceLayer {
    type Service = TraceService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        TraceService { inner }
    }
}

#[derive(Clone)]
pub struct TraceService<S> {
    inner: S,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B, RB> tower::Service<http::Request<B>> for TraceService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<RB>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
    RB: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let path = request.uri().path();
        if OPEN_PREFIXES.iter().any(|p| path.starts_with(p)) {
            return Box::pin(inner.call(request));
        }
        let (service, method) = split_path(path);
        let span = tracing::info_span!(
            "grpc.server",
            otel.name = %format_args!("{service}/{method}"),
            otel.kind = "server",
            otel.status_code = Empty,
            rpc.system = "grpc",
            rpc.service = %service,
            rpc.method = %method,
            rpc.grpc.status_code = Empty,
            scr.caller = Empty,
        );
        let parent = TraceContextPropagator::new().extract(&HeaderExtractor(request.headers()));
        if parent.span().span_context().is_valid() {
            // Fails only when no OpenTelemetry layer is installed.
            let _ = span.set_parent(parent);
        }
        let started = Instant::now();
        let record = span.clone();
        Box::pin(
            async move {
                let result = inner.call(request).await;
                // Trailers-only responses (every error tonic returns before
                // the body) carry the status in the headers; otherwise the
                // call succeeded as far as its headers tell.
                let code = match &result {
                    Ok(response) => grpc_status(response.headers()),
                    Err(_) => tonic::Code::Unknown as i32,
                };
                record.record("rpc.grpc.status_code", code);
                if is_server_error(code) {
                    record.record("otel.status_code", "error");
                }
                let elapsed = started.elapsed();
                metrics::rpc_finished(&service, &method, code, elapsed);
                tracing::info!(
                    rpc.method = %method,
                    code,
                    elapsed_ms = elapsed.as_secs_f64() * 1000.0,
                    "rpc finished"
                );
                result
            }
            .instrument(span),
        )
    }
}

/// `/scr.v1.CustomerRecords/SubmitRecord` → (`scr.v1.CustomerRecords`, `SubmitRecord`).
fn split_path(path: &str) -> (String, String) {
    let trimmed = path.trim_start_matches('/');
    match trimmed.split_once('/') {
        Some((service, method)) => (service.to_owned(), method.to_owned()),
        None => (trimmed.to_owned(), String::new()),
    }
}

fn grpc_status(headers: &http::HeaderMap) -> i32 {
    headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// The codes the semantic conventions count as server errors; the rest
/// (invalid argument, not found, permission denied…) are the caller's.
fn is_server_error(code: i32) -> bool {
    use tonic::Code;
    [
        Code::Unknown,
        Code::DeadlineExceeded,
        Code::Unimplemented,
        Code::Internal,
        Code::Unavailable,
        Code::DataLoss,
    ]
    .iter()
    .any(|c| *c as i32 == code)
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_grpc_paths() {
        assert_eq!(
            split_path("/scr.v1.Search/SearchCustomers"),
            ("scr.v1.Search".into(), "SearchCustomers".into())
        );
        assert!(is_server_error(tonic::Code::Internal as i32));
        assert!(!is_server_error(tonic::Code::InvalidArgument as i32));
    }
}
