//! Subscriptions through the gateway: the owning subgraph's events over a
//! WebSocket to it, each completed with fields another subgraph owns, served
//! to clients over `graphql-transport-ws`, the legacy `graphql-ws` and SSE;
//! protocol errors, keepalive, teardown reaching the subgraph, and a slow
//! client cut off at its bounded queue.

use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, EmptyMutation, Object, Schema, SimpleObject, Subscription, ID};
use congdan_tests::federation::{spawn_subgraph, spawn_subscription_subgraph, Federation};
use congdan_tests::subscriptions::{sse_events, Seen, WsClient};
use futures::Stream;
use serde_json::{json, Value};

/// How many subscriptions the events subgraph is serving right now (and
/// has started in all); a test waits for the count it expects.
#[derive(Clone)]
struct Active(Arc<tokio::sync::watch::Sender<Counts>>);

#[derive(Clone, Copy, Default)]
struct Counts {
    running: usize,
    started: usize,
}

impl Default for Active {
    fn default() -> Self {
        Self(Arc::new(tokio::sync::watch::channel(Counts::default()).0))
    }
}

impl Active {
    fn now(&self) -> usize {
        self.0.borrow().running
    }

    /// Waits until `n` subscriptions run.
    async fn until(&self, what: &str, n: usize) {
        self.until_counts(what, |c| c.running == n).await;
    }

    /// Waits until `check` holds, for at most 30 s (a bound for a loaded
    /// machine, not a timing expectation).
    async fn until_counts(&self, what: &str, check: impl Fn(&Counts) -> bool) {
        let mut counts = self.0.subscribe();
        let reached = counts.wait_for(check);
        tokio::time::timeout(Duration::from_secs(30), reached)
            .await
            .unwrap_or_else(|_| panic!("{what} did not happen"))
            .expect("the counts live as long as the subgraph");
    }
}

struct Guard(Active);

impl Drop for Guard {
    fn drop(&mut self) {
        self.0 .0.send_modify(|c| c.running -= 1);
    }
}

#[derive(SimpleObject)]
#[graphql(name = "Tick")]
struct Tick {
    id: ID,
    n: i32,
    /// Padding, to make events large.
    blob: String,
}

struct EventsQuery;

#[Object(name = "Query")]
impl EventsQuery {
    async fn ping(&self) -> bool {
        true
    }
    #[graphql(entity)]
    async fn tick_by_id(&self, id: ID) -> Tick {
        Tick {
            n: id.parse().unwrap_or(0),
            id,
            blob: String::new(),
        }
    }
}

struct EventsSubscription;

#[Subscription(name = "Subscription")]
impl EventsSubscription {
    /// `count` ticks (every `every_ms`), then the end; forever when count is 0.
    async fn ticks(
        &self,
        ctx: &Context<'_>,
        count: i32,
        #[graphql(default = 10)] every_ms: u64,
        #[graphql(default = 0)] blob_bytes: usize,
    ) -> impl Stream<Item = Tick> {
        let active = ctx.data_unchecked::<Active>().clone();
        active.0.send_modify(|c| {
            c.running += 1;
            c.started += 1;
        });
        let guard = Guard(active);
        futures::stream::unfold((0, guard), move |(n, guard)| async move {
            if count > 0 && n >= count {
                return None;
            }
            if every_ms > 0 {
                tokio::time::sleep(Duration::from_millis(every_ms)).await;
            }
            let tick = Tick {
                id: ID(n.to_string()),
                n,
                blob: "x".repeat(blob_bytes),
            };
            Some((tick, (n + 1, guard)))
        })
    }
}

#[derive(SimpleObject)]
#[graphql(name = "Tick")]
struct TickLabel {
    id: ID,
    label: String,
}

struct LabelsQuery;

#[Object(name = "Query")]
impl LabelsQuery {
    #[graphql(entity)]
    async fn tick_by_id(&self, id: ID) -> TickLabel {
        TickLabel {
            label: format!("tick #{}", id.as_str()),
            id,
        }
    }
}

async fn federation() -> (Federation, Active) {
    let active = Active::default();
    let events = Schema::build(EventsQuery, EmptyMutation, EventsSubscription)
        .enable_federation()
        .enable_subscription_in_federation()
        .data(active.clone())
        .finish();
    let labels = Schema::build(LabelsQuery, EmptyMutation, async_graphql::EmptySubscription)
        .enable_federation()
        .finish();
    let federation = Federation::start(vec![
        spawn_subscription_subgraph("events", events).await,
        spawn_subgraph("labels", labels).await,
    ])
    .await;
    (federation, active)
}

const THREE_TICKS: &str = "subscription { ticks(count: 3) { n label } }";

fn tick(n: i32) -> Value {
    json!({ "data": { "ticks": { "n": n, "label": format!("tick #{n}") } } })
}

#[tokio::test]
async fn graphql_transport_ws_streams_events_joined_with_another_subgraph() {
    let (federation, active) = federation().await;
    let mut client = WsClient::connect(&federation.url, "graphql-transport-ws", &[]).await;
    client.init(json!({})).await;
    client.send(json!({ "type": "ping" })).await;
    assert_eq!(
        client.next().await,
        Seen::Json(json!({ "type": "pong", "payload": null }))
    );
    client
        .send(json!({ "id": "a", "type": "subscribe", "payload": { "query": THREE_TICKS } }))
        .await;
    for n in 0..3 {
        assert_eq!(
            client.next().await,
            Seen::Json(json!({ "id": "a", "type": "next", "payload": tick(n) }))
        );
    }
    assert_eq!(
        client.next().await,
        Seen::Json(json!({ "id": "a", "type": "complete" }))
    );
    // A query over the same socket answers once.
    client
        .send(json!({ "id": "q", "type": "subscribe", "payload": { "query": "{ ping }" } }))
        .await;
    assert_eq!(
        client.next().await,
        Seen::Json(json!({ "id": "q", "type": "next", "payload": { "data": { "ping": true } } }))
    );
    assert_eq!(
        client.next().await,
        Seen::Json(json!({ "id": "q", "type": "complete" }))
    );
    client.close().await;
    active.until("the subgraph's subscriptions end", 0).await;
}

#[tokio::test]
async fn the_legacy_graphql_ws_protocol_works_too() {
    let (federation, _) = federation().await;
    let mut client = WsClient::connect(&federation.url, "graphql-ws", &[]).await;
    client.init(json!({})).await;
    client
        .send(json!({ "id": "1", "type": "start", "payload": { "query": THREE_TICKS } }))
        .await;
    for n in 0..3 {
        assert_eq!(
            client.next().await,
            Seen::Json(json!({ "id": "1", "type": "data", "payload": tick(n) }))
        );
    }
    assert_eq!(
        client.next().await,
        Seen::Json(json!({ "id": "1", "type": "complete" }))
    );
    client.close().await;
}

#[tokio::test]
async fn server_sent_events_carry_a_subscription() {
    let (federation, _) = federation().await;
    let response = reqwest::Client::new()
        .post(&federation.url)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": THREE_TICKS }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let events = sse_events(response).await;
    let expected: Vec<(String, String)> = (0..3)
        .map(|n| ("next".to_string(), tick(n).to_string()))
        .chain([("complete".to_string(), String::new())])
        .collect();
    assert_eq!(events, expected);

    // GET works too, and an error before execution is a `next` event (the
    // graphql-sse protocol: a client reading a stream keeps its code).
    let url = format!("{}?query={}", federation.url, urlencode(THREE_TICKS));
    let response = reqwest::Client::new()
        .get(&url)
        .header("accept", "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(sse_events(response).await.len(), 4);
    let response = reqwest::Client::new()
        .post(&federation.url)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": "subscription { nope }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let events = sse_events(response).await;
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].0, "next");
    let body: Value = serde_json::from_str(&events[0].1).unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert_eq!(events[1].0, "complete");
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap()[2..].to_string()
}

#[tokio::test]
async fn a_client_that_leaves_ends_the_subscription_at_the_subgraph() {
    let (federation, active) = federation().await;
    let forever = "subscription { ticks(count: 0) { n } }";

    // Completing one operation ends it upstream.
    let mut client = WsClient::connect(&federation.url, "graphql-transport-ws", &[]).await;
    client.init(json!({})).await;
    client
        .send(json!({ "id": "1", "type": "subscribe", "payload": { "query": forever } }))
        .await;
    assert!(matches!(client.next().await, Seen::Json(v) if v["type"] == "next"));
    assert_eq!(active.now(), 1);
    client.send(json!({ "id": "1", "type": "complete" })).await;
    active.until("the subgraph sees the completion", 0).await;

    // Dropping the connection ends every operation upstream.
    client
        .send(json!({ "id": "2", "type": "subscribe", "payload": { "query": forever } }))
        .await;
    client
        .send(json!({ "id": "3", "type": "subscribe", "payload": { "query": forever } }))
        .await;
    active.until("two subscriptions run", 2).await;
    drop(client);
    active.until("the subgraph sees the disconnect", 0).await;

    // So does an SSE client that goes away.
    let response = reqwest::Client::new()
        .post(&federation.url)
        .header("accept", "text/event-stream")
        .json(&json!({ "query": forever }))
        .send()
        .await
        .unwrap();
    active.until("the SSE subscription runs", 1).await;
    drop(response);
    active
        .until("the subgraph sees the SSE client leave", 0)
        .await;
}

#[tokio::test]
async fn protocol_mistakes_close_with_the_protocol_codes() {
    let (federation, _) = federation().await;
    let subscribe = json!({ "id": "1", "type": "subscribe", "payload": { "query": THREE_TICKS } });

    let mut early = WsClient::connect(&federation.url, "graphql-transport-ws", &[]).await;
    early.send(subscribe.clone()).await;
    assert!(matches!(early.next().await, Seen::Closed(Some(4401), _)));

    let mut twice = WsClient::connect(&federation.url, "graphql-transport-ws", &[]).await;
    twice.init(json!({})).await;
    twice.send(json!({ "type": "connection_init" })).await;
    assert!(matches!(twice.next().await, Seen::Closed(Some(4429), _)));

    let mut duplicate = WsClient::connect(&federation.url, "graphql-transport-ws", &[]).await;
    duplicate.init(json!({})).await;
    let forever = json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { ticks(count: 0) { n } }" } });
    duplicate.send(forever.clone()).await;
    duplicate.send(forever).await;
    loop {
        match duplicate.next().await {
            Seen::Json(v) if v["type"] == "next" => continue,
            Seen::Closed(code, reason) => {
                assert_eq!(code, Some(4409), "{reason}");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    let mut garbage = WsClient::connect(&federation.url, "graphql-transport-ws", &[]).await;
    garbage.send_raw("{not json").await;
    assert!(matches!(garbage.next().await, Seen::Closed(Some(4400), _)));

    // An operation error is an `error` message, and the socket stays open.
    let mut invalid = WsClient::connect(&federation.url, "graphql-transport-ws", &[]).await;
    invalid.init(json!({})).await;
    invalid.send(json!({ "id": "x", "type": "subscribe", "payload": { "query": "subscription { nope }" } })).await;
    match invalid.next().await {
        Seen::Json(v) => {
            assert_eq!(v["type"], "error");
            assert_eq!(
                v["payload"][0]["extensions"]["code"],
                "GRAPHQL_VALIDATION_FAILED"
            );
        }
        other => panic!("unexpected {other:?}"),
    }
    invalid.send(subscribe).await;
    assert!(matches!(invalid.next().await, Seen::Json(v) if v["type"] == "next"));
}

#[tokio::test]
async fn a_client_too_slow_to_read_is_disconnected() {
    let (federation, active) = federation().await;
    let mut client = WsClient::connect(&federation.url, "graphql-transport-ws", &[]).await;
    client.init(json!({})).await;
    // 2,000 events of 64 KiB as fast as the subgraph can: 128 MiB, far more
    // than socket buffers and the bounded queue hold.
    client
        .send(json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription { ticks(count: 2000, everyMs: 0, blobBytes: 65536) { n blob } }"
        } }))
        .await;
    // Unread, the client falls behind until the gateway cuts it off and
    // ends the upstream subscription.
    active
        .until_counts("the gateway ends the upstream subscription", |c| {
            c.started == 1 && c.running == 0
        })
        .await;
    let mut received = 0;
    let closed = loop {
        match client.next().await {
            Seen::Json(v) if v["type"] == "next" => received += 1,
            Seen::Json(v) => panic!("unexpected {v}"),
            Seen::Closed(code, reason) => break (code, reason),
        }
    };
    assert!(
        received < 2000,
        "the client was cut off before the end ({received} received)"
    );
    if let (Some(code), reason) = &closed {
        assert_eq!(*code, 1008, "{reason}");
        assert!(reason.contains("too slowly"), "{reason}");
    }
    active.until("the upstream subscription ends", 0).await;
}

#[tokio::test]
async fn the_graphql_ws_npm_client_subscribes() {
    let (federation, _) = federation().await;
    let Some(lines) =
        congdan_tests::subscriptions::graphql_ws_npm(&federation.url, THREE_TICKS, None, None)
            .await
    else {
        return;
    };
    let mut expected: Vec<Value> = (0..3).map(tick).collect();
    expected.push(json!({ "complete": true }));
    assert_eq!(lines, expected);
}
