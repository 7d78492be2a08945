//! Each subgraph on its own: `/health`, `/ready`, `_service { sdl }` and
//! `_entities`, called directly over HTTP.

use congdan::subgraphs::SubgraphName;
use congdan_tests::TestApp;
use serde_json::{json, Value};

#[tokio::test]
async fn every_subgraph_is_healthy_ready_and_prints_its_sdl() {
    let app = TestApp::spawn().await;
    for subgraph in SubgraphName::ALL {
        let base = app.subgraph_url(subgraph);
        let health = app.http.get(format!("{base}/health")).send().await.unwrap();
        assert_eq!(health.status(), 200, "{subgraph} /health");
        let ready = app.http.get(format!("{base}/ready")).send().await.unwrap();
        assert_eq!(ready.status(), 200, "{subgraph} /ready");

        let body: Value = app
            .http
            .post(format!("{base}/graphql"))
            .json(&json!({ "query": "{ _service { sdl } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let served = body["data"]["_service"]["sdl"].as_str().unwrap_or_default();
        assert_eq!(
            served.trim_end(),
            subgraph.sdl().trim_end(),
            "{subgraph}: _service.sdl is what `congdan compose` prints"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn geo_resolves_administrative_units_as_entities() {
    let app = TestApp::spawn().await;
    let body: Value = app
        .http
        .post(format!("{}/graphql", app.subgraph_url(SubgraphName::Geo)))
        .json(&json!({
            "query": "query($r: [_Any!]!) { _entities(representations: $r) { ... on AdministrativeUnit { id name kind } } }",
            "variables": { "r": [
                { "__typename": "AdministrativeUnit", "id": "26737" },
                { "__typename": "AdministrativeUnit", "id": "00000" }
            ] }
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["data"]["_entities"],
        json!([{ "id": "26737", "name": "Tân Định", "kind": "WARD" }, null])
    );
    app.stop().await;
}

#[tokio::test]
async fn ready_says_unavailable_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.database.db.clone().close().await.unwrap();
    let ready = app
        .http
        .get(format!(
            "{}/ready",
            app.subgraph_url(SubgraphName::Feedback)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(ready.status(), 503);
    let health = app
        .http
        .get(format!(
            "{}/health",
            app.subgraph_url(SubgraphName::Feedback)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200, "the process itself is alive");
    app.system.shutdown().await.unwrap();
}
