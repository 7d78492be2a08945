//! Identical subgraph queries in flight at the same moment share one
//! request, and identical query operations one execution; mutations never
//! do, two citizens never do, and the settings turn both off.

use std::future::IntoFuture;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, EmptySubscription, Object, Schema};
use congdan_gateway::GatewayConfig;
use congdan_tests::federation::{spawn_subgraph, Federation};
use congdan_tests::sign_in::citizen;
use congdan_tests::TestApp;
use serde_json::json;

use crate::citizen::support as citizen_support;

#[derive(Default, Clone)]
struct Calls {
    queries: Arc<AtomicUsize>,
    mutations: Arc<AtomicUsize>,
}

struct Query;

#[Object]
impl Query {
    /// Slow enough that concurrent requests overlap.
    async fn slow(&self, ctx: &Context<'_>) -> i32 {
        ctx.data_unchecked::<Calls>()
            .queries
            .fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        42
    }

    /// As slow, and answers its argument.
    async fn echo(&self, ctx: &Context<'_>, n: i32) -> i32 {
        ctx.data_unchecked::<Calls>()
            .queries
            .fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        n
    }
}

struct Mutation;

#[Object]
impl Mutation {
    async fn bump(&self, ctx: &Context<'_>) -> i32 {
        let n = ctx
            .data_unchecked::<Calls>()
            .mutations
            .fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        n as i32 + 1
    }
}

async fn start(dedupe: bool) -> (Federation, Calls) {
    start_with(dedupe, dedupe).await
}

async fn start_with(dedupe: bool, coalesce: bool) -> (Federation, Calls) {
    let calls = Calls::default();
    let schema = Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .data(calls.clone())
        .finish();
    let config = GatewayConfig {
        dedupe_subgraph_requests: dedupe,
        coalesce_queries: coalesce,
        ..GatewayConfig::default()
    };
    let federation =
        Federation::start_with(vec![spawn_subgraph("slow", schema).await], config).await;
    (federation, calls)
}

async fn concurrently(federation: &Federation, query: &str, n: usize) -> Vec<serde_json::Value> {
    futures::future::join_all(
        (0..n).map(|_| async { federation.graphql(query, json!({})).await.ok() }),
    )
    .await
}

#[tokio::test]
async fn identical_concurrent_queries_share_one_subgraph_request() {
    // Operation coalescing off: only subgraph requests can be shared.
    let (federation, calls) = start_with(true, false).await;
    let answers = concurrently(&federation, "{ slow }", 20).await;
    assert!(answers
        .iter()
        .all(|a| *a == json!({ "data": { "slow": 42 } })));
    let made = calls.queries.load(Ordering::SeqCst);
    assert!(
        made < 20,
        "20 identical queries made {made} subgraph requests"
    );
    assert_eq!(coalesced(&federation).await, 0);
    mutations_are_never_shared(&federation, &calls).await;
}

/// Five concurrent identical mutations each run, in some order.
async fn mutations_are_never_shared(federation: &Federation, calls: &Calls) {
    let answers = concurrently(federation, "mutation { bump }", 5).await;
    assert_eq!(calls.mutations.load(Ordering::SeqCst), 5);
    let mut values: Vec<i64> = answers
        .iter()
        .map(|a| a["data"]["bump"].as_i64().unwrap())
        .collect();
    values.sort();
    assert_eq!(values, vec![1, 2, 3, 4, 5]);
}

/// `gateway_coalesced_queries_total` from the gateway's `/metrics`.
async fn coalesced(federation: &Federation) -> u64 {
    let metrics = reqwest::get(federation.url.replace("/graphql", "/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find_map(|line| line.strip_prefix("gateway_coalesced_queries_total "))
        .and_then(|n| n.trim().parse().ok())
        .expect("the coalesced counter is exported")
}

#[tokio::test]
async fn identical_concurrent_operations_share_one_execution() {
    // Subgraph deduplication off: only whole operations can be shared.
    let (federation, calls) = start_with(false, true).await;
    let answers = concurrently(&federation, "{ slow }", 20).await;
    assert!(answers
        .iter()
        .all(|a| *a == json!({ "data": { "slow": 42 } })));
    let made = calls.queries.load(Ordering::SeqCst);
    let shared = coalesced(&federation).await;
    assert!(
        made < 20,
        "20 identical operations made {made} subgraph requests"
    );
    assert_eq!(
        shared as usize + made,
        20,
        "each request either ran or shared"
    );
    mutations_are_never_shared(&federation, &calls).await;
}

#[tokio::test]
async fn operations_with_other_variables_are_not_shared() {
    let (federation, calls) = start(true).await;
    let answers = futures::future::join_all((0..10).map(|n| {
        federation
            .graphql("query($n: Int!) { echo(n: $n) }", json!({ "n": n }))
            .into_future()
    }))
    .await;
    for (n, answer) in answers.into_iter().enumerate() {
        assert_eq!(answer.ok(), json!({ "data": { "echo": n } }));
    }
    assert_eq!(calls.queries.load(Ordering::SeqCst), 10);
    assert_eq!(coalesced(&federation).await, 0);
}

#[tokio::test]
async fn without_coalescing_or_dedupe_every_operation_runs() {
    let (federation, calls) = start_with(false, false).await;
    concurrently(&federation, "{ slow }", 20).await;
    assert_eq!(calls.queries.load(Ordering::SeqCst), 20);
    assert_eq!(coalesced(&federation).await, 0);
}

/// Many concurrent `me` queries of two signed-in citizens through the
/// whole system: whatever is shared, each citizen sees only their own
/// record.
#[tokio::test]
async fn concurrent_citizens_never_share_an_answer() {
    let app = TestApp::spawn().await;
    let mut people = Vec::new();
    for number in [citizen_support::AN, citizen_support::BINH] {
        let session = app.sign_in(number).await;
        people.push((citizen(number).name, session.token));
    }
    let query = "{ me { fullName maskedPersonalId } }";
    let answers = futures::future::join_all((0..40).map(|i| {
        let (name, token) = &people[i % 2];
        let app = &app;
        async move {
            let body = app.graphql(query, json!({})).bearer(token).await.body;
            (*name, body)
        }
    }))
    .await;
    for (name, body) in answers {
        assert_eq!(body["data"]["me"]["fullName"], json!(name), "{body}");
    }
    app.stop().await;
}
