//! Change events out of the transactional outbox: CloudEvents envelopes, the
//! per-system subscription stream, and the optional NATS JetStream bridge.

pub mod nats;
mod stream;

pub use stream::subscribe;

use crate::store::StoredEvent;
use serde::{Deserialize, Serialize};

/// The `source` of every event the hub sends.
pub const SOURCE: &str = "/scr-hub";

/// A CloudEvents 1.0 envelope (structured JSON mode).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    pub id: String,
    pub source: String,
    pub specversion: String,
    #[serde(rename = "type")]
    pub event_type: String,
    pub subject: String,
    pub time: String,
    /// Extension attribute: the outbox sequence, increasing in commit order.
    pub sequence: i64,
    pub datacontenttype: String,
    pub data: serde_json::Value,
}

impl From<&StoredEvent> for CloudEvent {
    fn from(e: &StoredEvent) -> Self {
        Self {
            id: e.event_id.clone(),
            source: SOURCE.to_owned(),
            specversion: "1.0".to_owned(),
            event_type: e.event_type.clone(),
            subject: e.customer_id.as_str().to_owned(),
            time: e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            sequence: e.seq,
            datacontenttype: "application/json".to_owned(),
            data: serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null),
        }
    }
}
