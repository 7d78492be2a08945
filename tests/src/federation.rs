//! A harness for federation scenarios: small async-graphql subgraphs served
//! on free loopback ports, composed into a supergraph, and a gateway in front
//! of them.
//!
//! ```ignore
//! let products = spawn_subgraph("products", products_schema()).await;
//! let reviews = spawn_subgraph("reviews", reviews_schema()).await;
//! let fed = Federation::start(vec![products, reviews]).await;
//! let body = fed.graphql("{ products { id reviews { body } } }", json!({})).await.ok();
//! assert_eq!(body, json!({ "data": { ... } }));
//! assert_eq!(fed.requests("reviews"), 1);
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_graphql::{ObjectType, Schema, SubscriptionType};
use async_graphql_axum::GraphQL;
use axum::Router;
use congdan_gateway::GatewayConfig;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::graphql::Request;

/// One running test subgraph: its name, URL, federation SDL and how many
/// GraphQL requests it received.
pub struct TestSubgraph {
    pub name: String,
    pub url: String,
    pub sdl: String,
    requests: Arc<AtomicUsize>,
    shutdown: CancellationToken,
}

impl TestSubgraph {
    /// GraphQL requests received so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for TestSubgraph {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The federation SDL of `schema`, as composition reads it.
pub fn federation_sdl<Q, M, S>(schema: &Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    schema.sdl_with_options(async_graphql::SDLExportOptions::new().federation())
}

/// Serves `schema` at `/graphql` on a free loopback port.
pub async fn spawn_subgraph<Q, M, S>(name: &str, schema: Schema<Q, M, S>) -> TestSubgraph
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let sdl = federation_sdl(&schema);
    let graphql = GraphQL::new(schema);
    let router = Router::new().route(
        "/graphql",
        axum::routing::post_service(graphql.clone()).get_service(graphql),
    );
    spawn_router(name, sdl, router).await
}

/// Serves `schema` with subscriptions too: queries at `POST /graphql`,
/// subscriptions over WebSocket at `GET /graphql`.
pub async fn spawn_subscription_subgraph<Q, M, S>(
    name: &str,
    schema: Schema<Q, M, S>,
) -> TestSubgraph
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let sdl = federation_sdl(&schema);
    let router = Router::new().route(
        "/graphql",
        axum::routing::post_service(GraphQL::new(schema.clone()))
            .get_service(async_graphql_axum::GraphQLSubscription::new(schema)),
    );
    spawn_router(name, sdl, router).await
}

/// Serves any router (say, one answering garbage or HTTP 500) as subgraph
/// `name` with federation SDL `sdl`; composition sees only the SDL.
pub async fn spawn_router(name: &str, sdl: String, router: Router) -> TestSubgraph {
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    let router = router.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            counter.fetch_add(1, Ordering::SeqCst);
            next.run(request)
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    let shutdown = CancellationToken::new();
    let _task = congdan::serve::spawn_server(listener, router, shutdown.clone());
    TestSubgraph {
        name: name.to_string(),
        url,
        sdl,
        requests,
        shutdown,
    }
}

/// Subgraph `name` with `schema`'s SDL at a port nobody listens on.
pub async fn down_subgraph<Q, M, S>(name: &str, schema: Schema<Q, M, S>) -> TestSubgraph
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
    drop(listener);
    TestSubgraph {
        name: name.to_string(),
        url,
        sdl: federation_sdl(&schema),
        requests: Arc::new(AtomicUsize::new(0)),
        shutdown: CancellationToken::new(),
    }
}

/// Composes the subgraphs into a supergraph SDL.
pub fn compose(subgraphs: &[TestSubgraph]) -> Result<String, congdan::compose::ComposeError> {
    let input: Vec<(&str, &str, &str)> = subgraphs
        .iter()
        .map(|s| (s.name.as_str(), s.sdl.as_str(), s.url.as_str()))
        .collect();
    congdan::compose::compose(&input)
}

/// A gateway over a set of test subgraphs.
pub struct Federation {
    pub url: String,
    pub supergraph: String,
    pub subgraphs: Vec<TestSubgraph>,
    http: reqwest::Client,
    shutdown: CancellationToken,
}

impl Federation {
    /// Composes `subgraphs` and starts a gateway with the default settings.
    pub async fn start(subgraphs: Vec<TestSubgraph>) -> Self {
        Self::start_with(subgraphs, GatewayConfig::default()).await
    }

    /// The same with `config` (its subgraph URLs are filled in).
    pub async fn start_with(subgraphs: Vec<TestSubgraph>, config: GatewayConfig) -> Self {
        let supergraph = compose(&subgraphs).expect("the subgraphs compose");
        let mut config = config;
        for subgraph in &subgraphs {
            config
                .subgraph_urls
                .insert(subgraph.name.clone(), subgraph.url.clone());
        }
        let gateway = congdan_gateway::Gateway::from_sdl(&supergraph, &config)
            .unwrap_or_else(|e| panic!("the gateway loads the supergraph: {e}\n{supergraph}"));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
        let shutdown = CancellationToken::new();
        let _task = congdan::serve::spawn_server(
            listener,
            congdan_gateway::router(gateway),
            shutdown.clone(),
        );
        Self {
            url,
            supergraph,
            subgraphs,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .expect("HTTP client"),
            shutdown,
        }
    }

    /// A GraphQL request to the gateway (see [`Request`]).
    pub fn graphql(&self, query: &str, variables: Value) -> Request {
        Request::with_client(self.http.clone(), self.url.clone(), query, variables)
    }

    /// GraphQL requests subgraph `name` received so far.
    pub fn requests(&self, name: &str) -> usize {
        self.subgraphs
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no subgraph named {name}"))
            .requests()
    }
}

impl Drop for Federation {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
