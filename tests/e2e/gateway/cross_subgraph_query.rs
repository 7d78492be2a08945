//! A client query that the gateway plans across subgraphs joined by entity
//! keys, answered with exactly the JSON a client expects.

use std::net::SocketAddr;

use congdan_gateway::GatewayConfig;
use congdan_tests::{ExtraGateway, Request, TestApp};
use serde_json::json;

#[tokio::test]
async fn reports_come_with_their_ward_names_from_geo() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .graphql(
            r#"query LatestReports($n: Int) {
                reports(first: $n) {
                    totalCount
                    edges { node { id title status ward { id name fullName kind } } }
                }
            }"#,
            json!({ "n": 2 }),
        )
        .await
        .pair();
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "data": {
                "reports": {
                    "totalCount": 4,
                    "edges": [
                        { "node": {
                            "id": "5f0c1a8e-0001-4000-8000-000000000001",
                            // Not public before an agency handles it.
                            "title": null,
                            "status": "RECEIVED",
                            "ward": { "id": "26740", "name": "Sài Gòn", "fullName": "Phường Sài Gòn", "kind": "WARD" }
                        } },
                        { "node": {
                            "id": "5f0c1a8e-0001-4000-8000-000000000002",
                            "title": null,
                            "status": "ASSIGNED",
                            "ward": { "id": "26743", "name": "Bến Thành", "fullName": "Phường Bến Thành", "kind": "WARD" }
                        } }
                    ]
                }
            }
        })
    );
    app.stop().await;
}

#[tokio::test]
async fn aliases_typename_and_three_subgraphs_in_one_request() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .graphql(r#"{
                hotline: agency(id: "hotline-1022") { __typename name phone: hotline ward { name } }
                committee: agency(id: "ubnd-tan-dinh") { name ward { __typename where: fullName } }
                firstService: services(first: 1, group: FEEDBACK) { edges { node { key title(language: EN) } } }
            }"#, json!({})).await.pair();
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "data": {
                "hotline": { "__typename": "Agency", "name": "Tổng đài 1022 TP.HCM", "phone": "1022", "ward": null },
                "committee": {
                    "name": "Ủy ban nhân dân phường Tân Định",
                    "ward": { "__typename": "AdministrativeUnit", "where": "Phường Tân Định" }
                },
                "firstService": { "edges": [ { "node": { "key": "feedback.report", "title": "Report an issue" } } ] }
            }
        })
    );
    app.stop().await;
}

#[tokio::test]
async fn fields_come_back_in_request_order_across_subgraphs() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(app.gateway_url())
        .json(&json!({ "query": "{ z: reports(first: 1) { edges { node { ward { name id } status id } } } a: agencies(first: 1) { totalCount } }" }))
        .send()
        .await
        .unwrap();
    // Compared as text: JSON object equality would ignore the order.
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"data":{"z":{"edges":[{"node":{"ward":{"name":"Sài Gòn","id":"26740"},"status":"RECEIVED","id":"5f0c1a8e-0001-4000-8000-000000000001"}}]},"a":{"totalCount":13}}}"#
    );
    app.stop().await;
}

#[tokio::test]
async fn a_subgraph_that_is_down_leaves_the_rest_of_the_answer() {
    let app = TestApp::spawn().await;
    // A second gateway whose geo subgraph URL points at a closed port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_addr: SocketAddr = closed.local_addr().unwrap();
    drop(closed);
    let mut config = GatewayConfig::default();
    config
        .subgraph_urls
        .insert("geo".into(), format!("http://{closed_addr}/graphql"));
    let gateway = ExtraGateway::start(&app.system, config).await;

    let body: serde_json::Value = Request::to(
        &gateway.url,
        "{ report(id: \"5f0c1a8e-0001-4000-8000-000000000002\") { status ward { name } } }",
        json!({}),
    )
    .await
    .body;
    assert_eq!(
        body["data"],
        json!({ "report": { "status": "ASSIGNED", "ward": null } })
    );
    let errors = body["errors"]
        .as_array()
        .expect("an error says what is missing");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["extensions"]["code"], "SUBGRAPH_UNAVAILABLE");
    assert_eq!(errors[0]["path"], json!(["report", "ward"]));
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        !message.contains("127.0.0.1"),
        "no internal address leaks: {message}"
    );

    // A list: every ward is null, with one error for the one failed fetch
    // (no error per item for the non-null fields that are missing).
    let body: serde_json::Value = Request::to(
        &gateway.url,
        "{ reports(first: 3) { edges { node { status ward { fullName } } } } }",
        json!({}),
    )
    .await
    .body;
    assert_eq!(
        body["data"],
        json!({ "reports": { "edges": [
            { "node": { "status": "RECEIVED", "ward": null } },
            { "node": { "status": "ASSIGNED", "ward": null } },
            { "node": { "status": "IN_PROGRESS", "ward": null } }
        ] } })
    );
    assert_eq!(body["errors"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBGRAPH_UNAVAILABLE"
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["reports", "edges", 0, "node", "ward"])
    );

    gateway.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_subgraph_slower_than_its_own_timeout_is_reported_and_the_rest_answers() {
    let app = TestApp::spawn().await;
    let mut config = GatewayConfig::default();
    // No answer can arrive in zero time: geo always times out here, while
    // feedback keeps the default timeout.
    config
        .subgraph_timeouts
        .insert("geo".into(), std::time::Duration::ZERO);
    let gateway = ExtraGateway::start(&app.system, config).await;
    let body: serde_json::Value = Request::to(
        &gateway.url,
        "{ report(id: \"5f0c1a8e-0001-4000-8000-000000000003\") { title ward { name } } }",
        json!({}),
    )
    .await
    .body;
    assert_eq!(
        body["data"],
        json!({ "report": { "title": "Ngập nước sau mưa", "ward": null } })
    );
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "SUBGRAPH_UNAVAILABLE"
    );
    assert_eq!(body["errors"][0]["path"], json!(["report", "ward"]));
    gateway.stop().await;
    app.stop().await;
}

#[tokio::test]
async fn a_ward_that_geo_does_not_know_is_null() {
    use entity::feedback::report;
    use sea_orm::{ActiveModelTrait, Set};

    let app = TestApp::spawn().await;
    report::ActiveModel {
        id: Set("00000000-0000-4000-8000-00000000abcd".into()),
        title: Set("Cây đổ".into()),
        description: Set("Cây đổ chắn ngang đường".into()),
        category: Set("trees".into()),
        status: Set("received".into()),
        latitude: Set(10.78),
        longitude: Set(106.70),
        address: Set(None),
        ward_code: Set(Some("99999".into())),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.database.db)
    .await
    .unwrap();
    let (_, body) = app
        .graphql(
            r#"{ report(id: "00000000-0000-4000-8000-00000000abcd") { status ward { id name } } }"#,
            json!({}),
        )
        .await
        .pair();
    // Geo cannot resolve the unknown unit: the nullable `ward` is null,
    // with geo's NOT_FOUND at its path (never an internal error).
    assert_eq!(
        body,
        json!({
            "data": { "report": { "status": "RECEIVED", "ward": null } },
            "errors": [{
                "message": "administrative unit not found",
                "path": ["report", "ward"],
                "extensions": { "code": "NOT_FOUND" }
            }]
        })
    );
    app.stop().await;
}
