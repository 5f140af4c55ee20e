//! Authentication as a tower layer: every request except health and
//! reflection must carry `authorization: Bearer <token>`; the caller it
//! identifies is put in the request extensions for the handlers.

use super::into_status;
use crate::auth::Caller;
use crate::error::Error;
use crate::hub::Hub;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tonic::codegen::http;
use tonic::{Request, Status};

/// Paths served without a token: probes and tooling must reach them.
const OPEN_PREFIXES: &[&str] = &["/grpc.health.v1.", "/grpc.reflection."];

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
            match authenticate(&hub, request.headers()).await {
                Ok(caller) => {
                    request.extensions_mut().insert(caller);
                    inner.call(request).await
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
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
        other => into_status(other),
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
