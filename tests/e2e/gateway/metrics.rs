//! `/metrics` in Prometheus text: requests by outcome, plan cache hits and
//! misses, subgraph latency and errors.

use congdan_tests::TestApp;
use serde_json::json;

fn metric(text: &str, name_and_labels: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name_and_labels)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name_and_labels} is in /metrics:\n{text}"))
}

#[tokio::test]
async fn texts_that_differ_only_in_layout_share_one_plan() {
    let app = TestApp::spawn().await;
    let a = "{ reports(first: 1) { edges { node { title } } } }";
    let b = "query { reports(first: 1) {\n edges { ...E } } } fragment E on ReportEdge { node { title } }";
    let (_, first) = app.graphql(a, json!({})).await.pair();
    let (_, second) = app.graphql(b, json!({})).await.pair();
    assert_eq!(first, second);
    let plans = congdan_gateway::plan::ShapeCache::new(10);
    let sg = supergraph();
    let one = congdan_gateway::plan::prepare(&sg, a, None, &Default::default(), &plans).unwrap();
    let two = congdan_gateway::plan::prepare(&sg, b, None, &Default::default(), &plans).unwrap();
    let (one, two) = (one.planned.unwrap().1, two.planned.unwrap().1);
    assert!(
        std::sync::Arc::ptr_eq(&one, &two),
        "the second text reused the first's plan"
    );
    app.stop().await;
}

fn supergraph() -> congdan_gateway::supergraph::Supergraph {
    congdan_gateway::supergraph::Supergraph::from_sdl(
        congdan::serve::BUILT_IN_SUPERGRAPH,
        &Default::default(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_repeated_query_is_planned_once_and_counted() {
    let app = TestApp::spawn().await;
    for _ in 0..10 {
        let (status, _) = app
            .graphql(
                "{ reports(first: 2) { edges { node { title ward { name } } } } }",
                json!({}),
            )
            .await
            .pair();
        assert_eq!(status, 200);
    }
    let (status, _) = app.graphql("{ nope }", json!({})).await.pair();
    assert_eq!(status, 400);

    let text = app
        .http
        .get(format!("http://{}/metrics", app.system.gateway_addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(metric(&text, "gateway_plan_cache_total{result=\"hit\"}"), 9);
    // The repeated query once, the invalid one once (errors are not cached).
    assert_eq!(
        metric(&text, "gateway_plan_cache_total{result=\"miss\"}"),
        2
    );
    assert_eq!(metric(&text, "gateway_requests_total{outcome=\"ok\"}"), 10);
    assert_eq!(
        metric(&text, "gateway_requests_total{outcome=\"rejected\"}"),
        1
    );
    assert_eq!(
        metric(
            &text,
            "gateway_subgraph_request_duration_seconds_count{subgraph=\"feedback\"}"
        ),
        10
    );
    assert_eq!(
        metric(
            &text,
            "gateway_subgraph_request_duration_seconds_count{subgraph=\"geo\"}"
        ),
        10
    );
    assert_eq!(
        metric(&text, "gateway_subgraph_errors_total{subgraph=\"geo\"}"),
        0
    );
    app.stop().await;
}

/// `/metrics` is for whoever the configuration allows: a bearer of the
/// metrics token, or nobody (production without a token).
#[tokio::test]
async fn metrics_answer_only_whom_the_configuration_allows() {
    use congdan_gateway::config::{MetricsAccess, Secret};
    use congdan_gateway::GatewayConfig;
    let app = congdan_tests::TestApp::spawn().await;
    let metrics_url =
        |gateway: &congdan_tests::ExtraGateway| gateway.url.replace("/graphql", "/metrics");
    let tokened = congdan_tests::ExtraGateway::start(
        &app.system,
        GatewayConfig {
            metrics: MetricsAccess::Bearer(Secret::new("s3cret-metrics".into())),
            ..GatewayConfig::default()
        },
    )
    .await;
    let url = metrics_url(&tokened);
    for (authorization, status) in [
        (None, 401),
        (Some("Bearer wrong"), 401),
        (Some("Bearer s3cret-metrics"), 200),
    ] {
        let mut request = app.http.get(&url);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        assert_eq!(
            request.send().await.unwrap().status(),
            status,
            "{authorization:?}"
        );
    }
    tokened.stop().await;
    let closed = congdan_tests::ExtraGateway::start(
        &app.system,
        GatewayConfig {
            metrics: MetricsAccess::Closed,
            ..GatewayConfig::default()
        },
    )
    .await;
    let response = app.http.get(metrics_url(&closed)).send().await.unwrap();
    assert_eq!(response.status(), 404);
    closed.stop().await;
    app.stop().await;
}
