//! GraphQL over HTTP at the gateway: GET and POST, content negotiation and
//! clear errors for bad requests.

use congdan_tests::TestApp;
use serde_json::{json, Value};

/// POSTs `body` as it is with `accept`; status, content type and body.
async fn post_raw(app: &TestApp, body: &str, accept: &str) -> (u16, String, Value) {
    let response = app
        .graphql("", Value::Null)
        .raw_body(body)
        .header("accept", accept)
        .await;
    (response.status, response.content_type, response.body)
}

const GQL: &str = "application/graphql-response+json";

#[tokio::test]
async fn bad_requests_get_clear_errors_with_codes() {
    let app = TestApp::spawn().await;

    let (status, content_type, body) = post_raw(&app, "{ not json", GQL).await;
    assert_eq!(status, 400);
    assert!(content_type.starts_with(GQL));
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");
    assert!(body.get("data").is_none(), "no execution, no data: {body}");

    let (status, _, body) = post_raw(&app, r#"{"variables": {}}"#, GQL).await;
    assert_eq!(status, 400);
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("query"));

    let (status, _, body) = post_raw(&app, r#"{"query": "{ reports { nope } }"}"#, GQL).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nope"),
        "{body}"
    );

    // A legacy client that accepts only application/json gets 200 for a
    // well-formed request that fails validation.
    let (status, content_type, body) = post_raw(
        &app,
        r#"{"query": "{ reports { nope } }"}"#,
        "application/json",
    )
    .await;
    assert_eq!(status, 200);
    assert!(content_type.starts_with("application/json"));
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_VALIDATION_FAILED"
    );

    let (status, _, body) = post_raw(&app, r##"{"query": "{ reports(first: "}"##, GQL).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "GRAPHQL_PARSE_FAILED"
    );

    app.stop().await;
}

#[tokio::test]
async fn subgraph_input_errors_reach_the_client_at_the_right_path() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .graphql("{ reports(first: 1000) { totalCount } }", json!({}))
        .await
        .pair();
    assert_eq!(status, 200);
    assert_eq!(
        body["data"],
        Value::Null,
        "reports is non-null, so data is null"
    );
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["path"], json!(["reports"]));
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("100"));
    app.stop().await;
}

#[tokio::test]
async fn queries_run_over_get_and_graphiql_is_served_to_browsers() {
    let app = TestApp::spawn().await;
    let body: Value = app
        .http
        .get(app.gateway_url())
        .query(&[
            (
                "query",
                "query One($id: ID!) { administrativeUnit(id: $id) { name } }",
            ),
            ("variables", r#"{"id": "26737"}"#),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body,
        json!({ "data": { "administrativeUnit": { "name": "Tân Định" } } })
    );

    let page = app
        .http
        .get(format!("http://{}/", app.system.gateway_addr))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .unwrap()
        .to_lowercase()
        .contains("graphiql"));
    app.stop().await;
}

#[tokio::test]
async fn variables_of_the_wrong_type_are_refused_and_defaults_apply() {
    let app = TestApp::spawn().await;
    let code_and_message = |body: &Value| {
        (
            body["errors"][0]["extensions"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            body["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };

    let (status, body) = app
        .graphql(
            "query($n: Int!) { reports(first: $n) { totalCount } }",
            json!({ "n": "abc" }),
        )
        .await
        .pair();
    assert_eq!(status, 400);
    let (code, message) = code_and_message(&body);
    assert_eq!(code, "BAD_USER_INPUT");
    assert!(
        message.contains("$n") && message.contains("Int"),
        "{message}"
    );

    let (status, body) = app
        .graphql(
            "query($n: Int!) { reports(first: $n) { totalCount } }",
            json!({}),
        )
        .await
        .pair();
    assert_eq!(status, 400);
    assert_eq!(
        code_and_message(&body).1,
        "variable `$n` of type `Int!` was not provided"
    );

    let (status, body) = app
        .graphql(
            "query($k: AdministrativeUnitKind) { administrativeUnits(kind: $k) { totalCount } }",
            json!({ "k": "VILLAGE" }),
        )
        .await
        .pair();
    assert_eq!(status, 400);
    assert!(code_and_message(&body).1.contains("WARD"), "{body}");

    // Defaults fill in, also for @include conditions the gateway evaluates.
    let (status, body) = app
        .graphql("query($n: Int = 1, $show: Boolean = true) { reports(first: $n) { totalCount @include(if: $show) edges { node { id } } } }", json!({})).await.pair();
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "data": { "reports": { "totalCount": 4, "edges": [ { "node": { "id": "5f0c1a8e-0001-4000-8000-000000000001" } } ] } } })
    );
    app.stop().await;
}

#[tokio::test]
async fn a_mutation_over_get_is_refused_with_405() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(app.gateway_url())
        .header("accept", GQL)
        .query(&[(
            "query",
            r#"mutation { submitReport(input: { title: "t", description: "d", category: "trees", latitude: 10.7, longitude: 106.7, idempotencyKey: "get-mutation-01" }) { userErrors { code } } }"#,
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "METHOD_NOT_ALLOWED"
    );
    let (_, count) = app
        .graphql("{ reports { totalCount } }", json!({}))
        .await
        .pair();
    assert_eq!(count["data"]["reports"]["totalCount"], 4, "nothing ran");
    app.stop().await;
}
