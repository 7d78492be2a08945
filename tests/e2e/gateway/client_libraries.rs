//! What client libraries send and expect, through the whole system: the
//! response format chosen from `Accept` by preference and quality (urql's
//! default header lists a stream last and must get JSON), errors before
//! execution as `next` events to a client that asked for a stream
//! (graphql-sse), one error per validation problem with its locations
//! (graphql-ws and plain HTTP), one error object in the legacy
//! `graphql-ws` protocol's `error` message, and bounded batches.

use congdan_tests::subscriptions::{graphql_ws_npm, npm_client, sse_events, Seen, WsClient};
use congdan_tests::{Request, TestApp};
use serde_json::{json, Value};

/// What urql's fetch exchange sends for queries and mutations.
const URQL_ACCEPT: &str = "application/graphql-response+json, application/graphql+json, application/json, text/event-stream, multipart/mixed";
/// Two problems: neither field exists.
const TWO_PROBLEMS: &str = "{ nope alsoNope }";
const WATCH: &str = "subscription { reportUpdated(id: \"r-1\") { id status } }";

fn content_type(response: &reqwest::Response) -> String {
    response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string()
}

/// The two validation errors of [`TWO_PROBLEMS`], as every transport must
/// report them: one per problem, each with its place and code.
fn assert_two_problems(errors: &Value) {
    let errors = errors.as_array().unwrap_or_else(|| panic!("{errors}"));
    assert_eq!(errors.len(), 2, "{errors:?}");
    for (error, column) in errors.iter().zip([3, 8]) {
        assert_eq!(
            error["locations"],
            json!([{ "line": 1, "column": column }]),
            "{error}"
        );
        assert_eq!(
            error["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
            "{error}"
        );
        assert!(
            !error["message"].as_str().unwrap().contains("; "),
            "{error}"
        );
    }
}

#[tokio::test]
async fn urql_gets_json_for_queries_and_mutations() {
    let app = TestApp::spawn().await;
    let url = app.gateway_url();
    let query = "query { reports(first: 1) { totalCount } }";
    let mutation = "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { status } userErrors { code } } }";
    let input = json!({ "input": {
        "title": "Cây đổ chắn đường", "description": "Cây lớn đổ ngang đường Lê Thánh Tôn.",
        "category": "trees", "latitude": 10.7769, "longitude": 106.7009,
        "idempotencyKey": "urql-0001",
    }})
    .to_string();
    let Some(query_lines) = npm_client("@urql/core", "urql.mjs", &[&url, "query", query]).await
    else {
        return;
    };
    let mutation_lines = npm_client(
        "@urql/core",
        "urql.mjs",
        &[&url, "mutation", mutation, &input],
    )
    .await
    .unwrap();
    for (lines, field) in [(&query_lines, "reports"), (&mutation_lines, "submitReport")] {
        let result = &lines[0];
        assert_eq!(
            result["contentTypes"],
            json!(["application/graphql-response+json; charset=utf-8"]),
            "{result}"
        );
        assert_eq!(result["errors"], json!([]), "{result}");
        assert!(result["data"][field].is_object(), "{result}");
    }
    assert_eq!(
        mutation_lines[0]["data"]["submitReport"]["report"]["status"],
        "RECEIVED"
    );

    // urql's header by hand, and a few others: a query is a stream only
    // when the client prefers one.
    let query_body = json!({ "query": query });
    for (accept, stream) in [
        (URQL_ACCEPT, false),
        ("application/json, text/event-stream", false),
        ("text/event-stream;q=0, application/json", false),
        ("text/event-stream;q=0", false),
        ("text/event-stream;q=0.5, application/json", false),
        ("text/event-stream", true),
        ("text/event-stream, application/json", true),
        ("application/json;q=0.5, text/event-stream", true),
    ] {
        let response = Request::post(app.gateway_url(), query_body.clone())
            .header("accept", accept)
            .send()
            .await;
        assert_eq!(response.status(), 200, "{accept}");
        let kind = content_type(&response);
        if stream {
            assert!(kind.starts_with("text/event-stream"), "{accept}: {kind}");
            let events = sse_events(response).await;
            assert_eq!(events.len(), 2, "{accept}: {events:?}");
            assert_eq!(events[1].0, "complete");
        } else {
            assert!(kind.starts_with("application/"), "{accept}: {kind}");
            let body: Value = response.json().await.unwrap();
            assert!(body["data"]["reports"]["totalCount"].is_number(), "{body}");
        }
    }

    // A subscription is streamed whenever the client accepts a stream
    // (here it ends at once: it needs a signed-in caller), and refused with
    // a clear error when it does not.
    let response = Request::post(app.gateway_url(), json!({ "query": WATCH }))
        .header("accept", URQL_ACCEPT)
        .send()
        .await;
    assert!(content_type(&response).starts_with("text/event-stream"));
    let events = sse_events(response).await;
    let first: Value = serde_json::from_str(&events[0].1).unwrap();
    assert_eq!(
        first["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{first}"
    );
    let response = Request::post(app.gateway_url(), json!({ "query": WATCH }))
        .header("accept", "application/json")
        .send()
        .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("text/event-stream"),
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn graphql_sse_gets_errors_before_execution_as_next_events() {
    let app = TestApp::spawn().await;
    let url = app.gateway_url();
    let cases = [
        (json!({ "query": "{ __typename" }), "GRAPHQL_PARSE_FAILED"),
        (
            json!({ "query": TWO_PROBLEMS }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            json!({ "query": "query($n: Int!) { reports(first: $n) { totalCount } }", "variables": { "n": "ten" } }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "extensions": { "persistedQuery": { "version": 1, "sha256Hash": "0".repeat(64) } } }),
            "PERSISTED_QUERY_NOT_FOUND",
        ),
    ];
    for (request, code) in cases {
        let Some(lines) = npm_client("graphql-sse", "sse.mjs", &[&url, &request.to_string()]).await
        else {
            return;
        };
        assert_eq!(lines.len(), 2, "{request}: {lines:?}");
        assert_eq!(
            lines[0]["errors"][0]["extensions"]["code"], code,
            "{lines:?}"
        );
        assert_eq!(lines[1], json!({ "complete": true }));
        if code == "GRAPHQL_VALIDATION_FAILED" {
            assert_two_problems(&lines[0]["errors"]);
        }
    }
    let lines = npm_client(
        "graphql-sse",
        "sse.mjs",
        &[&url, &json!({ "query": "{ __typename }" }).to_string()],
    )
    .await
    .unwrap();
    assert_eq!(
        lines,
        [
            json!({ "data": { "__typename": "Query" } }),
            json!({ "complete": true })
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn validation_errors_are_one_per_problem_on_every_transport() {
    let app = TestApp::spawn().await;
    // Plain HTTP.
    let (status, body) = app.graphql(TWO_PROBLEMS, json!({})).await.pair();
    assert_eq!(status, 400);
    assert_two_problems(&body["errors"]);

    // graphql-transport-ws, with the graphql-ws npm client: the error
    // message carries the list.
    if let Some(lines) = graphql_ws_npm(&app.gateway_url(), TWO_PROBLEMS, None, None).await {
        assert_two_problems(&lines[0]["errors"]);
    }

    // The legacy protocol's `error` message has one error object.
    let mut legacy = WsClient::connect(&app.gateway_url(), "graphql-ws", &[]).await;
    legacy.init(json!({})).await;
    legacy
        .send(json!({ "id": "1", "type": "start", "payload": { "query": TWO_PROBLEMS } }))
        .await;
    let Seen::Json(error) = legacy.next().await else {
        panic!("an error message");
    };
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["id"], "1");
    let payload = &error["payload"];
    assert!(payload.is_object(), "one error object: {payload}");
    assert_eq!(payload["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED");
    assert_eq!(payload["locations"], json!([{ "line": 1, "column": 3 }]));
    assert_eq!(
        legacy.next().await,
        Seen::Json(json!({ "id": "1", "type": "complete" }))
    );
    legacy.close().await;
    app.stop().await;
}

#[tokio::test]
async fn batches_run_each_operation_and_are_bounded() {
    let app = TestApp::spawn().await;
    let accept = "application/graphql-response+json";
    let batch = json!([
        { "query": "{ __typename }" },
        { "query": TWO_PROBLEMS },
        42,
    ]);
    let response = Request::post(app.gateway_url(), batch)
        .header("accept", accept)
        .send()
        .await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let answers = body.as_array().unwrap_or_else(|| panic!("{body}"));
    assert_eq!(answers.len(), 3, "{body}");
    assert_eq!(answers[0], json!({ "data": { "__typename": "Query" } }));
    assert_two_problems(&answers[1]["errors"]);
    assert_eq!(answers[2]["errors"][0]["extensions"]["code"], "BAD_REQUEST");

    // Each operation is checked on its own: one over a limit fails alone.
    let deep = format!("{{ {}__typename{} }}", "a { ".repeat(40), " }".repeat(40));
    let response = Request::post(
        app.gateway_url(),
        json!([{ "query": deep }, { "query": "{ __typename }" }]),
    )
    .header("accept", accept)
    .send()
    .await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body[0]["errors"][0]["extensions"]["code"], "LIMIT_EXCEEDED",
        "{body}"
    );
    assert_eq!(body[1]["data"]["__typename"], "Query", "{body}");

    // Too many, or none: refused whole, saying why.
    let eleven: Vec<Value> = (0..11)
        .map(|_| json!({ "query": "{ __typename }" }))
        .collect();
    let response = Request::post(app.gateway_url(), json!(eleven))
        .header("accept", accept)
        .send()
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BATCH_TOO_LARGE",
        "{body}"
    );
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("at most 10"));
    let response = Request::post(app.gateway_url(), json!([]))
        .header("accept", accept)
        .send()
        .await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_REQUEST",
        "{body}"
    );
    app.stop().await;
}
