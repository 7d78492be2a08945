//! The event bus: one trait, two implementations chosen by configuration —
//! in-process (tokio broadcast) for the all-in-one mode, NATS JetStream for
//! the distributed mode. What travels on it is an [`Event`] envelope around
//! one of the typed contracts of [`crate::events`]; subgraphs feed it from
//! their transactional outbox (`congdan_common::outbox`).
//!
//! Delivery is at least once: an event carries an id, the relay may publish
//! it again after a crash, and consumers skip ids they have seen
//! ([`SeenEvents`]); [`Consumer`] is the loop that follows a topic so.

mod consumer;
mod in_process;
mod nats;
pub mod progress;

use std::pin::Pin;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use futures::Stream;
use serde::{Deserialize, Serialize};

pub use crate::events::{Contract, DecodeError};
pub use consumer::{Consumer, Handler, Subscribed};
pub use in_process::InProcessBus;
pub use nats::NatsBus;

/// Something that happened, for subscribers to react to: the envelope of
/// one [`Contract`], made by [`Event::of`] and read by [`Event::decode`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Unique (UUID v7, so ids sort by time); consumers deduplicate by it.
    pub id: String,
    /// Dot-separated, owner first: `feedback.report.updated`.
    pub topic: String,
    /// The version of the topic's contract the payload follows.
    pub version: u32,
    pub payload: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

impl Event {
    /// The envelope of `contract`, happening now.
    pub fn of<C: Contract>(contract: &C) -> Result<Self, serde_json::Error> {
        Ok(Self {
            id: uuid::Uuid::now_v7().to_string(),
            topic: C::TOPIC.to_string(),
            version: C::VERSION,
            payload: serde_json::to_value(contract)?,
            occurred_at: Utc::now(),
        })
    }

    /// Whether this is an event of `C`'s topic (of any version).
    pub fn is<C: Contract>(&self) -> bool {
        self.topic == C::TOPIC
    }

    /// The contract this event carries, for a consumer that follows more
    /// than its topic: None for another topic; an event of its topic this
    /// build cannot read (a newer version, a broken payload) is logged, by
    /// id and never with its payload, and skipped, since retrying cannot
    /// help.
    pub fn read<C: Contract>(&self) -> Option<C> {
        match self.decode::<C>() {
            Ok(contract) => Some(contract),
            Err(DecodeError::OtherTopic { .. }) => None,
            Err(error) => {
                tracing::warn!(event = %self.id, %error, "an event this build cannot read; skipped");
                None
            }
        }
    }

    /// The contract this event carries: an error for another topic, a
    /// version this build does not know, or a payload that does not fit.
    pub fn decode<C: Contract>(&self) -> Result<C, DecodeError> {
        if !self.is::<C>() {
            return Err(DecodeError::OtherTopic {
                expected: C::TOPIC,
                found: self.topic.clone(),
            });
        }
        if self.version != C::VERSION {
            return Err(DecodeError::Version {
                topic: C::TOPIC,
                expected: C::VERSION,
                found: self.version,
            });
        }
        C::deserialize(&self.payload).map_err(|error| DecodeError::Malformed {
            topic: C::TOPIC,
            error: error.to_string(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("the event bus cannot be reached: {0}")]
    Unavailable(String),
    #[error("the event bus refused the event: {0}")]
    Publish(String),
    #[error("cannot subscribe: {0}")]
    Subscribe(String),
}

/// Events as a subscriber receives them.
pub type EventStream = Pin<Box<dyn Stream<Item = Event> + Send>>;

/// A place to publish events and subscribe to topics. `pattern` is a topic
/// or a prefix ending in `>` (`feedback.>` is every feedback event).
pub trait EventBus: Send + Sync {
    fn publish<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<(), EventError>>;
    fn subscribe<'a>(&'a self, pattern: &'a str) -> BoxFuture<'a, Result<EventStream, EventError>>;
}

/// Whether `topic` matches `pattern` (exact, or a prefix ending in `>`).
pub fn topic_matches(pattern: &str, topic: &str) -> bool {
    match pattern.strip_suffix('>') {
        Some(prefix) => topic.starts_with(prefix),
        None => pattern == topic,
    }
}

/// The ids a consumer has handled recently, so a redelivered event is
/// skipped. Bounded; an id older than the window may be handled twice,
/// which consumers must tolerate anyway.
pub struct SeenEvents {
    ids: moka::sync::Cache<String, ()>,
}

impl SeenEvents {
    pub fn new(capacity: u64, window: Duration) -> Self {
        Self {
            ids: moka::sync::Cache::builder()
                .max_capacity(capacity)
                .time_to_live(window)
                .build(),
        }
    }

    /// True the first time an id is seen.
    pub fn first_time(&self, id: &str) -> bool {
        let entry = self.ids.entry(id.to_string()).or_insert(());
        entry.is_fresh()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_topics_and_prefixes() {
        assert!(topic_matches(
            "feedback.report.updated",
            "feedback.report.updated"
        ));
        assert!(topic_matches("feedback.>", "feedback.report.updated"));
        assert!(!topic_matches("feedback.>", "dossiers.dossier.updated"));
        assert!(!topic_matches("feedback.report", "feedback.report.updated"));
    }

    #[test]
    fn a_seen_id_is_seen_once() {
        let seen = SeenEvents::new(100, Duration::from_secs(60));
        assert!(seen.first_time("a"));
        assert!(!seen.first_time("a"));
        assert!(seen.first_time("b"));
    }
}
