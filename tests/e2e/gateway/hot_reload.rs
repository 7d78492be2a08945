//! Hot reload: a changed supergraph file is served to new requests; an
//! invalid one is refused and the old one stays.

use std::time::Duration;

use congdan_gateway::GatewayConfig;
use congdan_tests::{logs, subgraph_urls, Request, TestApp};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

/// The body `query` gets from the gateway at `url`.
async fn answer(url: &str, query: &str) -> Value {
    Request::to(url, query, json!({})).await.body
}

#[tokio::test]
async fn a_changed_supergraph_file_is_served_and_a_bad_one_refused() {
    // The gateway logs each reload and each refusal with the file's path,
    // which only this test uses.
    logs::capture();
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supergraph.graphql");
    let shown = path.display().to_string();
    let reloaded = ["supergraph reloaded", shown.as_str()];
    let refusals = ["the new supergraph is refused", shown.as_str()];
    std::fs::write(&path, congdan::serve::BUILT_IN_SUPERGRAPH).unwrap();

    let config = GatewayConfig {
        supergraph_path: path.clone(),
        subgraph_urls: subgraph_urls(&app.system),
        supergraph_poll_interval: Some(Duration::from_millis(50)),
        ..GatewayConfig::default()
    };
    let gateway = congdan_gateway::Gateway::from_config(&config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let server =
        congdan::serve::spawn_server(listener, congdan_gateway::router(gateway), shutdown.clone());

    let agencies = "{ agencies { totalCount } }";
    let answered = json!({ "data": { "agencies": { "totalCount": 13 } } });
    assert_eq!(answer(&url, agencies).await, answered);

    // A supergraph without the directories subgraph: `agencies` is gone.
    let sdls: Vec<(String, String)> = congdan::compose::subgraph_sdls()
        .into_iter()
        .filter(|(name, _)| name.as_str() != "directories")
        .map(|(name, sdl)| (name.as_str().to_string(), sdl))
        .collect();
    let urls = subgraph_urls(&app.system);
    let input: Vec<(&str, &str, &str)> = sdls
        .iter()
        .map(|(name, sdl)| (name.as_str(), sdl.as_str(), urls[name].as_str()))
        .collect();
    std::fs::write(&path, congdan::compose::compose(&input).unwrap()).unwrap();
    let refused =
        |body: &Value| body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED";
    logs::wait_for(&reloaded, 1).await;
    assert!(
        refused(&answer(&url, agencies).await),
        "the new supergraph is served"
    );
    assert_eq!(
        answer(&url, "{ reports { totalCount } }").await,
        json!({ "data": { "reports": { "totalCount": 4 } } })
    );

    // An invalid file is refused: the last good supergraph stays.
    let refused_before = logs::lines_with(&refusals).len();
    std::fs::write(&path, "this is not a supergraph {").unwrap();
    logs::wait_for(&refusals, refused_before + 1).await;
    assert!(refused(&answer(&url, agencies).await));
    assert_eq!(
        answer(&url, "{ reports { totalCount } }").await,
        json!({ "data": { "reports": { "totalCount": 4 } } })
    );

    // Back to the full supergraph.
    std::fs::write(&path, congdan::serve::BUILT_IN_SUPERGRAPH).unwrap();
    logs::wait_for(&reloaded, 2).await;
    assert_eq!(answer(&url, agencies).await, answered);

    shutdown.cancel();
    server.await.unwrap().unwrap();
    app.stop().await;
}
