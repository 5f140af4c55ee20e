//! The optional NATS JetStream bridge: publishes every outbox event on
//! `<prefix>.<system>.<type>` with `Nats-Msg-Id` set to the event ID, so
//! JetStream drops a re-sent duplicate. The cursor moves only after
//! JetStream acknowledged the batch.

use crate::events::CloudEvent;
use crate::store::{EventSink, Store, StoredEvent};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::Duration;

/// The dispatcher's cursor name in the store.
const DISPATCHER: &str = "nats";
const BATCH: i64 = 256;

#[derive(Debug, Clone)]
pub struct NatsSettings {
    pub url: String,
    /// Subject prefix; events go to `<prefix>.<system>.<type>`.
    pub subject_prefix: String,
    /// The JetStream stream that captures `<prefix>.>`.
    pub stream: String,
}

impl NatsSettings {
    pub fn new(url: String) -> Self {
        Self {
            url,
            subject_prefix: "scr.events".into(),
            stream: "SCR_EVENTS".into(),
        }
    }
}

struct JetStreamSink {
    js: async_nats::jetstream::Context,
    prefix: String,
}

#[async_trait]
impl EventSink for JetStreamSink {
    async fn publish(&self, events: &[StoredEvent]) -> Result<(), String> {
        // Publish the whole batch, then wait for every acknowledgement.
        let mut acks = Vec::with_capacity(events.len());
        for event in events {
            let subject = format!("{}.{}.{}", self.prefix, event.system, event.event_type);
            let payload =
                serde_json::to_vec(&CloudEvent::from(event)).map_err(|e| e.to_string())?;
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", event.event_id.as_str());
            let ack = self
                .js
                .publish_with_headers(subject, headers, payload.into())
                .await
                .map_err(|e| e.to_string())?;
            acks.push(ack);
        }
        for ack in acks {
            ack.await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Connects, makes sure the stream exists, and returns the running bridge.
pub async fn start(
    store: Arc<dyn Store>,
    settings: NatsSettings,
) -> crate::error::SetupResult<tokio::task::JoinHandle<()>> {
    let client = async_nats::connect(&settings.url).await?;
    let js = async_nats::jetstream::new(client);
    js.get_or_create_stream(async_nats::jetstream::stream::Config {
        name: settings.stream.clone(),
        subjects: vec![format!("{}.>", settings.subject_prefix)],
        duplicate_window: Duration::from_secs(600),
        ..Default::default()
    })
    .await?;
    let sink = JetStreamSink {
        js,
        prefix: settings.subject_prefix.clone(),
    };
    tracing::info!(stream = %settings.stream, "nats bridge started");
    Ok(tokio::spawn(run(store, sink)))
}

async fn run(store: Arc<dyn Store>, sink: JetStreamSink) {
    let mut signal = store.outbox_signal();
    loop {
        signal.borrow_and_update();
        match store.dispatch(DISPATCHER, BATCH, &sink).await {
            Ok(0) => {
                record_lag(store.as_ref()).await;
                // Woken by a commit, or every few seconds: another replica
                // may have let go of the dispatcher, or a delivery failed.
                let _ = tokio::time::timeout(Duration::from_secs(2), signal.changed()).await;
            }
            Ok(sent) => {
                tracing::debug!(sent, "events published to nats");
                record_lag(store.as_ref()).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "nats publish failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// How far publication trails the outbox, for the `scr.outbox.lag` gauge.
async fn record_lag(store: &dyn Store) {
    if let (Ok(head), Ok(cursor)) = (
        store.outbox_head().await,
        store.dispatch_cursor(DISPATCHER).await,
    ) {
        crate::telemetry::metrics::outbox_lag((head - cursor).max(0));
    }
}
