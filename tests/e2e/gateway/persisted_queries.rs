//! Persisted queries through the gateway: Apollo's automatic persisted
//! queries protocol over POST and GET, and the allow-list mode.

use congdan_gateway::config::PersistedQueryMode;
use congdan_gateway::pipeline::persisted::sha256_hex;
use congdan_gateway::GatewayConfig;
use congdan_tests::{ExtraGateway, Request, TestApp};
use serde_json::{json, Value};

const QUERY: &str = "{ reports { totalCount } }";

#[tokio::test]
async fn automatic_persisted_queries_follow_apollos_protocol() {
    let app = TestApp::spawn().await;
    let extensions = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(QUERY) } });

    // First the hash alone: unknown.
    let (status, body) = Request::post(app.gateway_url(), json!({ "extensions": extensions }))
        .without("accept")
        .await
        .pair();
    assert_eq!(status, 200);
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_FOUND"
    );

    // Then hash and text: runs and is remembered.
    let answer = json!({ "data": { "reports": { "totalCount": 4 } } });
    let (_, body) = Request::post(
        app.gateway_url(),
        json!({ "query": QUERY, "extensions": extensions }),
    )
    .without("accept")
    .await
    .pair();
    assert_eq!(body, answer);

    // The hash alone now runs, over GET too.
    let (_, body) = Request::post(app.gateway_url(), json!({ "extensions": extensions }))
        .without("accept")
        .await
        .pair();
    assert_eq!(body, answer);
    let body: Value = app
        .http
        .get(app.gateway_url())
        .query(&[("extensions", extensions.to_string())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, answer);

    // A hash that is not the text's is refused.
    let wrong =
        json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex("{ other }") } });
    let (status, body) = Request::post(
        app.gateway_url(),
        json!({ "query": QUERY, "extensions": wrong }),
    )
    .without("accept")
    .await
    .pair();
    assert_eq!(status, 400);
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("sha256"));
    app.stop().await;
}

#[tokio::test]
async fn the_allow_list_runs_registered_operations_only() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("operations.json");
    std::fs::write(
        &manifest,
        json!({
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{ "id": sha256_hex(QUERY), "name": "Count", "type": "query", "body": QUERY }]
        })
        .to_string(),
    )
    .unwrap();
    let gateway = ExtraGateway::start(
        &app.system,
        GatewayConfig {
            persisted_queries: PersistedQueryMode::AllowList { manifest },
            ..GatewayConfig::default()
        },
    )
    .await;
    let answer = json!({ "data": { "reports": { "totalCount": 4 } } });
    let by_hash = json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(QUERY) } } });
    assert_eq!(
        Request::post(&gateway.url, by_hash)
            .without("accept")
            .await
            .pair()
            .1,
        answer
    );
    assert_eq!(
        Request::post(&gateway.url, json!({ "query": QUERY }))
            .without("accept")
            .await
            .pair()
            .1,
        answer
    );

    let (status, body) = Request::post(
        &gateway.url,
        json!({ "query": "{ agencies { totalCount } }" }),
    )
    .without("accept")
    .await
    .pair();
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "PERSISTED_QUERY_NOT_IN_LIST"
    );
    gateway.stop().await;
    app.stop().await;
}

/// A text is remembered only after it passed the limits and validation any
/// query passes: refused texts leave nothing in the store.
#[tokio::test]
async fn refused_texts_are_never_remembered() {
    let app = TestApp::spawn().await;
    let url = app.gateway_url();
    let over_a_limit = format!("{{ {} }}", "reports { totalCount } ".repeat(30));
    let invalid = "{ reports { noSuchField } }".to_string();
    let unparsable = "{ reports { ".to_string();
    for (text, code) in [
        (over_a_limit, "LIMIT_EXCEEDED"),
        (invalid, "GRAPHQL_VALIDATION_FAILED"),
        (unparsable, "GRAPHQL_PARSE_FAILED"),
    ] {
        let extensions =
            json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(&text) } });
        let (_, body) = Request::post(&url, json!({ "query": text, "extensions": extensions }))
            .without("accept")
            .await
            .pair();
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
        let (_, body) = Request::post(&url, json!({ "extensions": extensions }))
            .without("accept")
            .await
            .pair();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND",
            "{body}"
        );
    }
    app.stop().await;
}
