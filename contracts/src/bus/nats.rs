//! NATS JetStream, for the distributed mode: events are kept in one stream,
//! `CONGDAN`, on subjects `congdan.<topic>`. The event id is the message id,
//! so JetStream drops a republished duplicate within its window.

use async_nats::jetstream::{self, consumer::pull::OrderedConfig, consumer::DeliverPolicy};
use futures::future::{BoxFuture, FutureExt};
use futures::StreamExt;

use super::{Event, EventBus, EventError, EventStream};

const STREAM: &str = "CONGDAN";
const PREFIX: &str = "congdan";

#[derive(Clone)]
pub struct NatsBus {
    jetstream: jetstream::Context,
}

impl NatsBus {
    /// Connects to `url` (`nats://127.0.0.1:4222`) and makes sure the stream exists.
    pub async fn connect(url: &str) -> Result<Self, EventError> {
        let client = async_nats::connect(url)
            .await
            .map_err(|e| EventError::Unavailable(e.to_string()))?;
        let jetstream = jetstream::new(client);
        jetstream
            .get_or_create_stream(jetstream::stream::Config {
                name: STREAM.to_string(),
                subjects: vec![format!("{PREFIX}.>")],
                max_age: std::time::Duration::from_secs(7 * 24 * 3600),
                ..Default::default()
            })
            .await
            .map_err(|e| EventError::Unavailable(e.to_string()))?;
        Ok(Self { jetstream })
    }
}

impl EventBus for NatsBus {
    fn publish<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<(), EventError>> {
        async move {
            let payload =
                serde_json::to_vec(event).map_err(|e| EventError::Publish(e.to_string()))?;
            let mut headers = async_nats::HeaderMap::new();
            headers.insert("Nats-Msg-Id", event.id.as_str());
            let ack = self
                .jetstream
                .publish_with_headers(format!("{PREFIX}.{}", event.topic), headers, payload.into())
                .await
                .map_err(|e| EventError::Publish(e.to_string()))?;
            ack.await.map_err(|e| EventError::Publish(e.to_string()))?;
            Ok(())
        }
        .boxed()
    }

    /// New events only (an ordered, ephemeral consumer per subscription).
    fn subscribe<'a>(&'a self, pattern: &'a str) -> BoxFuture<'a, Result<EventStream, EventError>> {
        async move {
            let stream = self
                .jetstream
                .get_stream(STREAM)
                .await
                .map_err(|e| EventError::Subscribe(e.to_string()))?;
            let consumer = stream
                .create_consumer(OrderedConfig {
                    filter_subject: format!("{PREFIX}.{pattern}"),
                    deliver_policy: DeliverPolicy::New,
                    ..Default::default()
                })
                .await
                .map_err(|e| EventError::Subscribe(e.to_string()))?;
            let messages = consumer
                .messages()
                .await
                .map_err(|e| EventError::Subscribe(e.to_string()))?;
            super::progress::step();
            let events = messages.filter_map(|message| async move {
                let message = message
                    .map_err(|e| tracing::warn!(error = %e, "event stream interrupted"))
                    .ok()?;
                serde_json::from_slice::<Event>(&message.payload)
                    .map_err(|e| tracing::warn!(error = %e, "an event that is not ours"))
                    .ok()
            });
            Ok(Box::pin(events) as EventStream)
        }
        .boxed()
    }
}
