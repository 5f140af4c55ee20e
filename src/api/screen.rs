//! The input screen: a tower layer that reads every request message by
//! its descriptor before any handler sees it, and refuses one whose strings
//! hold a control character or exceed the backstop length, or whose lists
//! are too long (`record::limits`), with INVALID_ARGUMENT naming each field
//! (`record.address.town`, `facts[2].value`). Every field of every RPC is
//! covered, including ones added later; the handlers' parsers then apply
//! each field's own limit.

use super::pb;
use crate::error::Error;
use crate::record::Violations;
use crate::record::limits::{screen_list, screen_text};
use http_body_util::BodyExt;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::http;

/// The largest request the hub reads: tonic's own default decoding limit.
const MAX_REQUEST_BYTES: usize = 4 << 20;

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(pb::FILE_DESCRIPTOR_SET).expect("the build's descriptor set decodes")
    })
}

/// The request message of `/package.Service/Method`, if the hub serves it.
fn input_of(path: &str) -> Option<MessageDescriptor> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    pool()
        .get_service_by_name(service)?
        .methods()
        .find(|m| m.name() == method)
        .map(|m| m.input())
}

#[derive(Clone, Copy, Default)]
pub struct ScreenLayer;

impl<S> tower::Layer<S> for ScreenLayer {
    type Service = ScreenService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ScreenService { inner }
    }
}

#[derive(Clone)]
pub struct ScreenService<S> {
    inner: S,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, RB> tower::Service<http::Request<Body>> for ScreenService<S>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<RB>> + Clone + Send + 'static,
    S::Future: Send,
    RB: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            // Health, reflection and anything unknown pass untouched: tonic
            // answers what it does not serve.
            let Some(input) = input_of(request.uri().path()) else {
                return inner.call(request).await;
            };
            let (parts, body) = request.into_parts();
            let bytes = match http_body_util::Limited::new(body, MAX_REQUEST_BYTES + 5)
                .collect()
                .await
            {
                Ok(collected) => collected.to_bytes(),
                Err(_) => {
                    return Ok(
                        Status::resource_exhausted("request too large or unreadable").into_http(),
                    );
                }
            };
            if let Err(status) = screen(&input, &bytes) {
                return Ok(status.into_http());
            }
            inner
                .call(http::Request::from_parts(
                    parts,
                    Body::new(http_body_util::Full::new(bytes)),
                ))
                .await
        })
    }
}

/// Screens a gRPC request body (one length-prefixed message). A body that
/// is not one uncompressed message is left for tonic to refuse.
fn screen(input: &MessageDescriptor, body: &[u8]) -> Result<(), Status> {
    let Some((0, rest)) = body.split_first().map(|(flag, rest)| (*flag, rest)) else {
        return Ok(());
    };
    let Some((len, message)) = rest.split_first_chunk::<4>() else {
        return Ok(());
    };
    let len = u32::from_be_bytes(*len) as usize;
    if len > message.len() {
        return Ok(());
    }
    if len < message.len() {
        return Err(Status::invalid_argument(
            "a request carries exactly one message",
        ));
    }
    let Ok(decoded) = DynamicMessage::decode(input.clone(), message) else {
        return Ok(());
    };
    let mut violations = Violations::default();
    walk(&decoded, "", &mut violations);
    violations.into_result().map_err(Status::from)
}

fn walk(message: &DynamicMessage, prefix: &str, violations: &mut Violations) {
    for (field, value) in message.fields() {
        let path = if prefix.is_empty() {
            field.name().to_owned()
        } else {
            format!("{prefix}.{}", field.name())
        };
        match value {
            Value::List(items) => {
                if let Err(e) = screen_list(items.len()) {
                    violations.push(&path, e);
                    continue;
                }
                for (i, item) in items.iter().enumerate() {
                    check(item, &format!("{path}[{i}]"), violations);
                }
            }
            Value::Map(entries) => {
                if let Err(e) = screen_list(entries.len()) {
                    violations.push(&path, e);
                    continue;
                }
                for (key, item) in entries {
                    if let prost_reflect::MapKey::String(k) = key
                        && let Err(e) = screen_text(k)
                    {
                        violations.push(&path, e);
                    }
                    check(item, &path, violations);
                }
            }
            other => check(other, &path, violations),
        }
    }
}

fn check(value: &Value, path: &str, violations: &mut Violations) {
    match value {
        Value::String(text) => {
            if let Err(e) = screen_text(text) {
                violations.push(path, e);
            }
        }
        Value::Message(inner) => walk(inner, path, violations),
        _ => {}
    }
}

/// Screens a decoded request as the layer would (for tests and callers
/// that build requests in-process).
pub fn screen_message(message: &impl prost::Message, name: &str) -> Result<(), Error> {
    let Some(input) = pool().get_message_by_name(name) else {
        return Ok(());
    };
    let decoded = DynamicMessage::decode(input, message.encode_to_vec().as_slice())
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut violations = Violations::default();
    walk(&decoded, "", &mut violations);
    violations.into_result()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(err: Error) -> Vec<String> {
        match err {
            Error::InvalidArgument(v) => v.into_iter().map(|v| v.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_every_bad_string_by_its_path() {
        let request = pb::SubmitRecordRequest {
            record: Some(pb::DepartmentalRecord {
                system: "libraries".into(),
                local_id: "L\u{0}1".into(),
                name: None,
                date_of_birth: String::new(),
                gender: 0,
                address: Some(pb::Address {
                    lines: vec!["1 High St".into(), "bell\u{7}".into()],
                    town: "\u{1b}[2J".into(),
                    postcode: "B1 1AA".into(),
                    uprn: String::new(),
                }),
            }),
            request_id: "x".repeat(crate::record::limits::ANY_TEXT + 1),
            minor_basis: None,
        };
        let err = screen_message(&request, "scr.v1.SubmitRecordRequest").unwrap_err();
        assert_eq!(
            fields(err),
            [
                "record.local_id",
                "record.address.lines[1]",
                "record.address.town",
                "request_id"
            ]
        );
    }

    #[test]
    fn every_rpc_of_the_hub_has_its_input_known() {
        for service in pool().services() {
            for method in service.methods() {
                let path = format!("/{}/{}", service.full_name(), method.name());
                assert!(input_of(&path).is_some(), "{path}");
            }
        }
        assert!(input_of("/grpc.health.v1.Health/Check").is_none());
    }

    #[test]
    fn long_lists_are_refused() {
        let request = pb::ChangeAddressRequest {
            consent_to_share: Some(pb::ConsentToShare {
                target: Some(pb::consent_to_share::Target::Systems(pb::SystemList {
                    systems: vec!["waste".into(); crate::record::limits::ANY_LIST + 1],
                })),
            }),
            ..Default::default()
        };
        let err = screen_message(&request, "scr.v1.ChangeAddressRequest").unwrap_err();
        assert_eq!(fields(err), ["consent_to_share.systems.systems"]);
    }
}
