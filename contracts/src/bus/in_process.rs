//! The in-process bus of the all-in-one mode: a tokio broadcast channel.

use futures::future::{BoxFuture, FutureExt};
use futures::StreamExt;
use tokio::sync::broadcast;

use super::{topic_matches, Event, EventBus, EventError, EventStream};

#[derive(Clone)]
pub struct InProcessBus {
    sender: broadcast::Sender<Event>,
}

impl InProcessBus {
    /// `capacity` events are kept for slow subscribers; one that falls
    /// further behind misses events (logged) rather than growing memory.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity);
        Self { sender }
    }
}

impl EventBus for InProcessBus {
    fn publish<'a>(&'a self, event: &'a Event) -> BoxFuture<'a, Result<(), EventError>> {
        // No subscriber is not an error: nobody is listening yet.
        let _ = self.sender.send(event.clone());
        async { Ok(()) }.boxed()
    }

    fn subscribe<'a>(&'a self, pattern: &'a str) -> BoxFuture<'a, Result<EventStream, EventError>> {
        let receiver = self.sender.subscribe();
        super::progress::step();
        let pattern = pattern.to_string();
        async move {
            let stream = futures::stream::unfold(receiver, |mut receiver| async move {
                loop {
                    match receiver.recv().await {
                        Ok(event) => return Some((event, receiver)),
                        Err(broadcast::error::RecvError::Lagged(missed)) => {
                            tracing::warn!(missed, "a slow subscriber missed events");
                        }
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            })
            .filter(move |event| futures::future::ready(topic_matches(&pattern, &event.topic)));
            Ok(Box::pin(stream) as EventStream)
        }
        .boxed()
    }
}
