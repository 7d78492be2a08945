//! Protection limits: a request over a limit gets a 400 naming the limit,
//! before any subgraph is called.

use congdan_gateway::plan::limits::Limits;
use congdan_gateway::GatewayConfig;
use congdan_tests::{ExtraGateway, Request, TestApp};
use serde_json::{json, Value};

/// A gateway whose every subgraph URL is a closed port: any request that
/// reached a subgraph would answer SUBGRAPH_UNAVAILABLE instead.
async fn gateway_without_subgraphs(app: &TestApp, limits: Limits) -> ExtraGateway {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/graphql", closed.local_addr().unwrap());
    drop(closed);
    let mut config = GatewayConfig {
        limits,
        ..GatewayConfig::default()
    };
    for name in [
        "citizen",
        "feedback",
        "dossiers",
        "directories",
        "geo",
        "content",
    ] {
        config.subgraph_urls.insert(name.into(), dead.clone());
    }
    ExtraGateway::start(&app.system, config).await
}

fn assert_limit(status: u16, body: &Value, message: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body}"
    );
    assert_eq!(body["errors"][0]["message"], message);
    assert!(body.get("data").is_none());
}

#[tokio::test]
async fn each_limit_is_enforced_before_any_subgraph_call() {
    let app = TestApp::spawn().await;
    let limits = Limits {
        max_tokens: 200,
        max_depth: 4,
        max_aliases: 2,
        max_root_fields: 3,
        max_directives: 2,
        max_cost: 500,
        ..Limits::default()
    };
    let gateway = gateway_without_subgraphs(&app, limits).await;

    let (status, body) = Request::to(
        &gateway.url,
        "{ reports { edges { node { ward { name } } } } }",
        json!({}),
    )
    .await
    .pair();
    assert_limit(status, &body, "the query is 5 levels deep; the limit is 4");

    let (status, body) = Request::to(
        &gateway.url,
        "{ a: reports { totalCount } b: reports { totalCount } c: reports { totalCount } }",
        json!({}),
    )
    .await
    .pair();
    assert_limit(status, &body, "the query has 3 aliases; the limit is 2");

    let (status, body) = Request::to(&gateway.url, "{ reports { totalCount } agencies { totalCount } articles { totalCount } services { totalCount } }", json!({})).await.pair();
    assert_limit(
        status,
        &body,
        "the query selects 4 root fields; the limit is 3",
    );

    let (status, body) = Request::to(&gateway.url, "{ reports @skip(if: false) { totalCount @include(if: true) } agencies @skip(if: false) { totalCount } }", json!({})).await.pair();
    assert_limit(status, &body, "the query uses 3 directives; the limit is 2");

    let (status, body) = Request::to(
        &gateway.url,
        "{ reports(first: 100) { edges { node { id title description } } } }",
        json!({}),
    )
    .await
    .pair();
    assert_limit(
        status,
        &body,
        "the query's estimated cost is 501; the limit is 500",
    );

    let long = format!("{{ {} }}", "reports { totalCount } ".repeat(60));
    let (status, body) = Request::to(&gateway.url, &long, json!({})).await.pair();
    assert_limit(
        status,
        &body,
        "the query has more than 200 tokens; the limit is 200",
    );

    // Within every limit, the request goes on to the (missing) subgraphs.
    let (status, body) = Request::to(&gateway.url, "{ reports { totalCount } }", json!({}))
        .await
        .pair();
    assert_eq!(status, 200);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBGRAPH_UNAVAILABLE"
    );

    gateway.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn deeply_nested_and_oversized_documents_are_refused_cleanly() {
    let app = TestApp::spawn().await;
    let deep = format!("{}{}", "{ reports ".repeat(3_000), "}".repeat(3_000));
    let (status, body) = Request::to(app.gateway_url(), &deep, json!({}))
        .await
        .pair();
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");

    let huge = json!({ "query": format!("{{ reports {{ totalCount }} }} # {}", "x".repeat(2 * 1024 * 1024)) });
    let response = app
        .http
        .post(app.gateway_url())
        .header("accept-language", "en")
        .json(&huge)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED");
    assert_eq!(
        body["errors"][0]["message"],
        "the request body is larger than 1048576 bytes"
    );
    app.stop().await;
}
