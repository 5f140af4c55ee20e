//! scr.v1.Events: a subscriber system's stream and durable cursor.

use super::auth::caller;
use super::{convert, pb};
use crate::events::CloudEvent;
use crate::hub::Hub;
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

pub struct EventsApi {
    hub: Arc<Hub>,
}

impl EventsApi {
    pub fn new(hub: Arc<Hub>) -> Self {
        Self { hub }
    }
}

/// The envelope as a message; `at` the commit time the envelope's `time`
/// renders.
fn event_to_pb(event: CloudEvent, at: chrono::DateTime<chrono::Utc>) -> pb::SubscribeResponse {
    let CloudEvent {
        id,
        source,
        specversion,
        event_type,
        subject,
        time: _,
        sequence,
        datacontenttype,
        data,
    } = event;
    let event = pb::Event {
        id,
        source,
        specversion,
        r#type: event_type,
        subject,
        time: convert::timestamp(at),
        sequence,
        datacontenttype,
        data: data.to_string(),
    };
    pb::SubscribeResponse { event: Some(event) }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<pb::SubscribeResponse, Status>> + Send>>;

#[tonic::async_trait]
impl pb::events_server::Events for EventsApi {
    type SubscribeStream = EventStream;

    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let caller = caller(&request)?;
        let pb::SubscribeRequest {
            system,
            after_sequence,
        } = request.into_inner();
        let system = convert::system_code(&system, "system")?;
        let events = self.hub.subscribe(&caller, &system, after_sequence).await?;
        let stream = ReceiverStream::new(events).map(|item| {
            item.map(|e| event_to_pb(CloudEvent::from(&e), e.at))
                .map_err(Status::from)
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn acknowledge(
        &self,
        request: Request<pb::AcknowledgeRequest>,
    ) -> Result<Response<pb::AcknowledgeResponse>, Status> {
        let caller = caller(&request)?;
        let pb::AcknowledgeRequest { system, sequence } = request.into_inner();
        let system = convert::system_code(&system, "system")?;
        self.hub.acknowledge(&caller, &system, sequence).await?;
        Ok(Response::new(pb::AcknowledgeResponse {}))
    }
}
