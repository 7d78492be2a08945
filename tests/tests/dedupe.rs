//! Identical subgraph queries in flight at the same moment share one
//! request; mutations never do, and the setting turns it off.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{Context, EmptySubscription, Object, Schema};
use congdan_gateway::GatewayConfig;
use congdan_tests::federation::{spawn_subgraph, Federation};
use serde_json::json;

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
    let calls = Calls::default();
    let schema = Schema::build(Query, Mutation, EmptySubscription)
        .enable_federation()
        .data(calls.clone())
        .finish();
    let config = GatewayConfig {
        dedupe_subgraph_requests: dedupe,
        ..GatewayConfig::default()
    };
    let federation =
        Federation::start_with(vec![spawn_subgraph("slow", schema).await], config).await;
    (federation, calls)
}

async fn concurrently(federation: &Federation, query: &str, n: usize) -> Vec<serde_json::Value> {
    futures::future::join_all((0..n).map(|_| federation.query(query, json!({})))).await
}

#[tokio::test]
async fn identical_concurrent_queries_share_one_subgraph_request() {
    let (federation, calls) = start(true).await;
    let answers = concurrently(&federation, "{ slow }", 20).await;
    assert!(answers
        .iter()
        .all(|a| *a == json!({ "data": { "slow": 42 } })));
    let made = calls.queries.load(Ordering::SeqCst);
    assert!(
        made < 20,
        "20 identical queries made {made} subgraph requests"
    );

    // Mutations are never shared.
    let answers = concurrently(&federation, "mutation { bump }", 5).await;
    assert_eq!(calls.mutations.load(Ordering::SeqCst), 5);
    let mut values: Vec<i64> = answers
        .iter()
        .map(|a| a["data"]["bump"].as_i64().unwrap())
        .collect();
    values.sort();
    assert_eq!(values, vec![1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn without_dedupe_every_query_reaches_the_subgraph() {
    let (federation, calls) = start(false).await;
    concurrently(&federation, "{ slow }", 20).await;
    assert_eq!(calls.queries.load(Ordering::SeqCst), 20);
}
