//! Following a topic of the bus: the one loop every consumer runs. It
//! skips event ids it has seen ([`SeenEvents`]), subscribes again when the
//! stream ends, retries a failed [`Handler`] a few times with backoff, and
//! stops at shutdown. What a consumer does with an event is its handler.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Event, EventBus, EventError, EventStream, SeenEvents};

/// Attempts at one event before it is given up on (logged as an error).
const ATTEMPTS: u32 = 5;
/// The wait after the first failed attempt; it doubles after each.
const FIRST_RETRY: Duration = Duration::from_millis(100);
/// The waits between subscription attempts: from the first, doubling up
/// to the last.
const FIRST_RESUBSCRIBE: Duration = Duration::from_millis(200);
const LAST_RESUBSCRIBE: Duration = Duration::from_secs(10);

/// What a consumer does with each event it has not seen before. An error
/// makes the consumer try again; handling must therefore be idempotent.
pub trait Handler: Send + Sync + 'static {
    /// Logged when handling fails, so it must not carry personal data.
    type Error: std::fmt::Display + Send;

    fn handle(&self, event: &Event) -> impl Future<Output = Result<(), Self::Error>> + Send;
}

/// A consumer of one topic pattern (see [`EventBus::subscribe`]), not yet
/// subscribed: [`Consumer::subscribe`] then [`Subscribed::run`], or
/// [`Consumer::spawn`].
pub struct Consumer<H> {
    /// Names the consumer in logs.
    name: &'static str,
    bus: Arc<dyn EventBus>,
    pattern: String,
    seen: SeenEvents,
    handler: H,
}

impl<H: Handler> Consumer<H> {
    /// Remembers 10,000 event ids for an hour; see [`Consumer::dedupe`].
    pub fn new(
        name: &'static str,
        bus: Arc<dyn EventBus>,
        pattern: impl Into<String>,
        handler: H,
    ) -> Self {
        Self {
            name,
            bus,
            pattern: pattern.into(),
            seen: SeenEvents::new(10_000, Duration::from_secs(3600)),
            handler,
        }
    }

    /// How many event ids to remember, and for how long, to skip
    /// redeliveries.
    pub fn dedupe(mut self, capacity: u64, window: Duration) -> Self {
        self.seen = SeenEvents::new(capacity, window);
        self
    }

    /// Subscribes now, so nothing published after this returns is missed.
    pub async fn subscribe(self) -> Result<Subscribed<H>, EventError> {
        let events = self.bus.subscribe(&self.pattern).await?;
        Ok(Subscribed {
            consumer: self,
            events,
        })
    }

    /// Runs the consumer until `shutdown`, subscribing first (retrying
    /// until the bus answers).
    pub fn spawn(self, shutdown: CancellationToken) -> JoinHandle<()> {
        self.spawn_then(shutdown, async {})
    }

    /// Like [`Consumer::spawn`], and runs `subscribed` once the subscription
    /// stands: what it publishes (a request for a snapshot, say) cannot be
    /// answered before the consumer listens.
    pub fn spawn_then(
        self,
        shutdown: CancellationToken,
        subscribed: impl Future<Output = ()> + Send + 'static,
    ) -> JoinHandle<()> {
        tokio::spawn(async move {
            if let Some(events) = self.subscribe_until_done(&shutdown).await {
                super::progress::step();
                subscribed.await;
                Subscribed {
                    consumer: self,
                    events,
                }
                .run(shutdown)
                .await;
            }
        })
    }

    /// Subscribes, retrying with backoff; None at shutdown.
    async fn subscribe_until_done(&self, shutdown: &CancellationToken) -> Option<EventStream> {
        let mut wait = FIRST_RESUBSCRIBE;
        loop {
            match self.bus.subscribe(&self.pattern).await {
                Ok(events) => return Some(events),
                Err(error) => {
                    tracing::warn!(consumer = self.name, %error, "cannot subscribe; retrying")
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return None,
                _ = tokio::time::sleep(wait) => {}
            }
            wait = (wait * 2).min(LAST_RESUBSCRIBE);
        }
    }

    /// Handles `event`, retrying a failure with backoff; gives up (an
    /// error in the log) after [`ATTEMPTS`], or at shutdown.
    async fn handle_with_retry(&self, event: &Event, shutdown: &CancellationToken) {
        let mut wait = FIRST_RETRY;
        for attempt in 1..=ATTEMPTS {
            let error = match self.handler.handle(event).await {
                Ok(()) => return,
                Err(error) => error,
            };
            // Ids and topics only: payloads carry citizen ids.
            if attempt == ATTEMPTS {
                tracing::error!(consumer = self.name, event = %event.id, topic = %event.topic,
                    attempt, %error, "cannot handle an event; gave up on it");
                return;
            }
            tracing::warn!(consumer = self.name, event = %event.id, topic = %event.topic,
                attempt, %error, "cannot handle an event; retrying");
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(wait) => {}
            }
            wait *= 2;
        }
    }
}

/// A subscribed consumer: [`Subscribed::run`] handles events until
/// shutdown.
pub struct Subscribed<H> {
    consumer: Consumer<H>,
    events: EventStream,
}

impl<H: Handler> Subscribed<H> {
    /// Handles each new event in turn until `shutdown`; subscribes again
    /// when the stream ends (the bus reconnects).
    pub async fn run(self, shutdown: CancellationToken) {
        let Self {
            consumer,
            mut events,
        } = self;
        loop {
            let next = tokio::select! {
                _ = shutdown.cancelled() => return,
                next = events.next() => next,
            };
            let Some(event) = next else {
                tracing::warn!(
                    consumer = consumer.name,
                    "the event stream ended; subscribing again"
                );
                match consumer.subscribe_until_done(&shutdown).await {
                    Some(again) => events = again,
                    None => return,
                }
                continue;
            };
            if consumer.seen.first_time(&event.id) {
                consumer.handle_with_retry(&event, &shutdown).await;
                super::progress::step();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use serde::{Deserialize, Serialize};

    use super::*;
    use crate::bus::{progress, Contract, InProcessBus};

    /// A contract of these tests only.
    #[derive(Debug, Serialize, Deserialize)]
    struct Happened {
        n: u32,
    }

    impl Contract for Happened {
        const TOPIC: &'static str = "test.thing.happened";
        const VERSION: u32 = 1;
    }

    /// Another topic, which the consumer does not follow.
    #[derive(Debug, Serialize, Deserialize)]
    struct Other {}

    impl Contract for Other {
        const TOPIC: &'static str = "test.other";
        const VERSION: u32 = 1;
    }

    const TOPIC: &str = Happened::TOPIC;

    fn happened(n: u32) -> Event {
        Event::of(&Happened { n }).unwrap()
    }

    /// Records the ids it handled; fails the first `failures` attempts.
    #[derive(Clone, Default)]
    struct Recorder {
        handled: Arc<Mutex<Vec<String>>>,
        attempts: Arc<Mutex<u32>>,
        failures: u32,
    }

    impl Recorder {
        fn handled(&self) -> Vec<String> {
            self.handled.lock().unwrap().clone()
        }
    }

    impl Handler for Recorder {
        type Error = String;

        async fn handle(&self, event: &Event) -> Result<(), String> {
            let mut attempts = self.attempts.lock().unwrap();
            *attempts += 1;
            if *attempts <= self.failures {
                return Err(format!("failure {attempts}"));
            }
            self.handled.lock().unwrap().push(event.id.clone());
            Ok(())
        }
    }

    async fn subscribed(
        bus: &Arc<InProcessBus>,
        recorder: &Recorder,
    ) -> (JoinHandle<()>, CancellationToken) {
        let shutdown = CancellationToken::new();
        let consumer = Consumer::new("test", bus.clone(), TOPIC, recorder.clone())
            .subscribe()
            .await
            .unwrap();
        (tokio::spawn(consumer.run(shutdown.clone())), shutdown)
    }

    /// Waits (ten seconds at most) until `done`, checking again whenever
    /// the event machinery moves (a consumer handled or gave up on an
    /// event).
    async fn until(done: impl Fn() -> bool) {
        let mut progress = progress::watch();
        let waited = tokio::time::timeout(Duration::from_secs(10), async {
            while !done() {
                progress.changed().await.unwrap();
            }
        });
        waited.await.expect("done in time");
    }

    async fn stops(task: JoinHandle<()>, shutdown: CancellationToken) {
        shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(2), task)
            .await
            .expect("the consumer stops at shutdown")
            .unwrap();
    }

    #[tokio::test]
    async fn an_event_delivered_twice_is_handled_once() {
        let bus = Arc::new(InProcessBus::new(16));
        let recorder = Recorder::default();
        let (task, shutdown) = subscribed(&bus, &recorder).await;
        let event = happened(1);
        let other = Event::of(&Other {}).unwrap();
        let last = happened(2);
        for e in [&event, &event, &other, &last] {
            bus.publish(e).await.unwrap();
        }
        until(|| recorder.handled().len() == 2).await;
        assert_eq!(recorder.handled(), [event.id, last.id]);
        stops(task, shutdown).await;
    }

    #[tokio::test]
    async fn a_failed_event_is_retried_until_handled() {
        let bus = Arc::new(InProcessBus::new(16));
        let recorder = Recorder {
            failures: 2,
            ..Recorder::default()
        };
        let (task, shutdown) = subscribed(&bus, &recorder).await;
        let event = happened(1);
        bus.publish(&event).await.unwrap();
        until(|| !recorder.handled().is_empty()).await;
        assert_eq!(recorder.handled(), [event.id]);
        assert_eq!(*recorder.attempts.lock().unwrap(), 3);
        stops(task, shutdown).await;
    }

    #[tokio::test]
    async fn shutdown_stops_a_waiting_or_retrying_consumer() {
        let bus = Arc::new(InProcessBus::new(16));
        let recorder = Recorder::default();
        let (task, shutdown) = subscribed(&bus, &recorder).await;
        stops(task, shutdown).await;

        // Between the attempts at an event that keeps failing.
        let failing = Recorder {
            failures: u32::MAX,
            ..Recorder::default()
        };
        let shutdown = CancellationToken::new();
        let (subscribed, standing) = tokio::sync::oneshot::channel();
        let task = Consumer::new("test", bus.clone(), TOPIC, failing.clone()).spawn_then(
            shutdown.clone(),
            async move {
                let _ = subscribed.send(());
            },
        );
        standing.await.unwrap();
        bus.publish(&happened(1)).await.unwrap();
        until(|| *failing.attempts.lock().unwrap() >= 1).await;
        stops(task, shutdown).await;
        assert!(failing.handled().is_empty());
    }
}
