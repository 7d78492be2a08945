//! The event bus (in-process and NATS JetStream) and the transactional
//! outbox: an event is published if and only if its change commits, a relay
//! that was down publishes it when it starts, and a redelivered event is
//! handled once.

use std::sync::Arc;
use std::time::Duration;

use congdan_common::outbox::{enqueue, Relay};
use congdan_contracts::bus::{
    Contract, Event, EventBus, EventStream, InProcessBus, NatsBus, SeenEvents,
};
use congdan_tests::events::{event, report_created, report_updated};
use congdan_tests::{require_service_in_ci, TestDatabase};
use entity::outbox_event;
use futures::StreamExt;
use sea_orm::{EntityTrait, TransactionTrait};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

/// A contract of these tests only, on a topic no subgraph uses.
#[derive(Debug, Serialize, Deserialize)]
struct Pinged {
    n: u32,
}

impl Contract for Pinged {
    const TOPIC: &'static str = "test.bus.pinged";
    const VERSION: u32 = 1;
}

async fn next(stream: &mut EventStream) -> Option<Event> {
    tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .ok()
        .flatten()
}

async fn nothing_more(stream: &mut EventStream) {
    let more = tokio::time::timeout(Duration::from_millis(300), stream.next()).await;
    assert!(more.is_err(), "no further event: {more:?}");
}

async fn delivers_matching_topics_once(bus: &dyn EventBus) {
    let mut feedback = bus.subscribe("feedback.>").await.unwrap();
    let report = event(&report_updated("r1", None, "ASSIGNED"));
    let other = event(&Pinged { n: 1 });
    bus.publish(&other).await.unwrap();
    bus.publish(&report).await.unwrap();
    assert_eq!(next(&mut feedback).await, Some(report));
    nothing_more(&mut feedback).await;
}

#[tokio::test]
async fn the_in_process_bus_delivers_by_topic() {
    delivers_matching_topics_once(&InProcessBus::new(16)).await;
}

async fn nats() -> Option<NatsBus> {
    match NatsBus::connect("nats://127.0.0.1:4222").await {
        Ok(bus) => Some(bus),
        Err(error) => {
            require_service_in_ci("NATS", &error.to_string());
            None
        }
    }
}

#[tokio::test]
async fn nats_jetstream_delivers_by_topic_and_drops_a_republished_id() {
    let Some(bus) = nats().await else { return };
    delivers_matching_topics_once(&bus).await;

    // The same event published twice (a relay that crashed before marking
    // it sent) reaches subscribers once: the id is the message id.
    let mut stream = bus.subscribe(Pinged::TOPIC).await.unwrap();
    let event = event(&Pinged { n: 1 });
    bus.publish(&event).await.unwrap();
    bus.publish(&event).await.unwrap();
    assert_eq!(next(&mut stream).await, Some(event));
    nothing_more(&mut stream).await;
}

#[tokio::test]
async fn an_event_is_published_only_if_its_change_commits_even_when_the_relay_was_down() {
    let database = TestDatabase::sqlite().await;
    congdan::db::migrate(&database.db).await.unwrap();
    let bus = Arc::new(InProcessBus::new(16));
    let mut stream = bus.subscribe("feedback.>").await.unwrap();

    // Rolled back: never published.
    let txn = database.db.begin().await.unwrap();
    enqueue(&txn, &report_created("gone", None)).await.unwrap();
    txn.rollback().await.unwrap();
    // Committed while no relay runs.
    let txn = database.db.begin().await.unwrap();
    let kept = enqueue(&txn, &report_created("kept", None)).await.unwrap();
    txn.commit().await.unwrap();
    nothing_more(&mut stream).await;

    // The relay starts: the committed event goes out and is marked sent.
    let shutdown = CancellationToken::new();
    let relay = Relay::new(database.db.clone(), bus.clone())
        .spawn(Duration::from_millis(50), shutdown.clone());
    assert_eq!(next(&mut stream).await, Some(kept.clone()));
    nothing_more(&mut stream).await;
    shutdown.cancel();
    relay.await.unwrap();
    let row = outbox_event::Entity::find_by_id(kept.id.clone())
        .one(&database.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.published_at.is_some());
    assert_eq!(
        outbox_event::Entity::find()
            .all(&database.db)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_redelivered_event_is_handled_once() {
    let database = TestDatabase::sqlite().await;
    congdan::db::migrate(&database.db).await.unwrap();
    let bus = Arc::new(InProcessBus::new(16));
    let mut stream = bus.subscribe("feedback.>").await.unwrap();
    let event = enqueue(&database.db, &report_updated("r1", None, "ASSIGNED"))
        .await
        .unwrap();
    // A relay published it and crashed before marking it sent...
    bus.publish(&event).await.unwrap();
    // ...so the next relay publishes it again.
    assert_eq!(
        Relay::new(database.db.clone(), bus.clone())
            .publish_pending()
            .await
            .unwrap(),
        1
    );

    let seen = SeenEvents::new(1_000, Duration::from_secs(600));
    let mut handled = Vec::new();
    for _ in 0..2 {
        let delivered = next(&mut stream).await.expect("delivered");
        if seen.first_time(&delivered.id) {
            handled.push(delivered);
        }
    }
    assert_eq!(handled, vec![event]);
}
