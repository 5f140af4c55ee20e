//! Authentication as a tower layer: every request except health and
//! reflection must carry `authorization: Bearer <token>` or come over
//! mutual TLS with a client certificate configured for a caller; the caller
//! identified is put in the request extensions for the handlers. A bearer
//! token, when sent, wins over the certificate.

use crate::auth::Caller;
use crate::error::Error;
use crate::hub::Hub;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tonic::codegen::http;
use tonic::transport::server::{TcpConnectInfo, TlsConnectInfo};
use tonic::{Request, Status};

/// Paths served without a token: probes and tooling must reach them.
pub(super) const OPEN_PREFIXES: &[&str] = &["/grpc.health.v1.", "/grpc.reflection."];

#[derive(Clone)]
pub struct AuthLayer {
    hub: Arc<Hub>,
}

impl AuthLayer {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

impl<S> tower::Layer<S> for AuthLayer {
    type Service = AuthService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthService {
            inner,
            hub: self.hub.clone(),
        }
    }
}

#[derive(Clone)]
pub struct AuthService<S> {
    inner: S,
    hub: Arc<Hub>,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, B, RB> tower::Service<http::Request<B>> for AuthService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<RB>> + Clone + Send + 'static,
    S::Future: Send,
    B: Send + 'static,
    RB: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        // The readied service handles this call; a fresh clone takes its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let hub = self.hub.clone();
        Box::pin(async move {
            let path = request.uri().path();
            if OPEN_PREFIXES.iter().any(|p| path.starts_with(p)) {
                return inner.call(request).await;
            }
            let result = match client_certificate(&request) {
                Some(fingerprint) if !has_token(request.headers()) => hub
                    .authenticate_certificate(&fingerprint)
                    .map_err(|_| Status::unauthenticated("unknown client certificate")),
                _ => authenticate(&hub, request.headers()).await,
            };
            match result {
                Ok(caller) => {
                    // A caller's name is a system's, not a person's.
                    tracing::Span::current().record("scr.caller", caller.name.as_str());
                    request.extensions_mut().insert(caller);
                    inner.call(request).await
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}

/// The SHA-256 fingerprint of the peer's leaf certificate, over mTLS.
fn client_certificate<B>(request: &http::Request<B>) -> Option<String> {
    let certs = request
        .extensions()
        .get::<TlsConnectInfo<TcpConnectInfo>>()?
        .peer_certs()?;
    certs
        .first()
        .map(|leaf| crate::auth::cert_fingerprint(leaf.as_ref()))
}

fn has_token(headers: &http::HeaderMap) -> bool {
    headers.contains_key(http::header::AUTHORIZATION)
}

async fn authenticate(hub: &Hub, headers: &http::HeaderMap) -> Result<Caller, Status> {
    let token = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Status::unauthenticated("missing authorization: Bearer token"))?;
    hub.authenticate(token).await.map_err(|e| match e {
        Error::Unauthenticated => Status::unauthenticated("unknown or revoked token"),
        other => Status::from(other),
    })
}

/// The caller the auth layer placed on the request.
pub fn caller<T>(request: &Request<T>) -> Result<Caller, Status> {
    request
        .extensions()
        .get::<Caller>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("a valid bearer token is required"))
}
