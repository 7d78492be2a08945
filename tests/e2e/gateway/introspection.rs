//! Introspection through the gateway shows the API schema only, answers in
//! request order beside subgraph fields, and can be turned off.

use std::path::PathBuf;
use std::process::Command;

use congdan_gateway::GatewayConfig;
use congdan_tests::{require_service_in_ci, ExtraGateway, TestApp};
use serde_json::{json, Value};

/// The query GraphiQL and most client generators send.
const FULL_INTROSPECTION: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
}
"#;

#[tokio::test]
async fn the_full_introspection_query_shows_the_api_schema_only() {
    let app = TestApp::spawn().await;
    let (status, body) = app.graphql(FULL_INTROSPECTION, json!({})).await.pair();
    assert_eq!(status, 200);
    assert!(body.get("errors").is_none(), "{body}");
    let schema = &body["data"]["__schema"];
    assert_eq!(schema["queryType"], json!({ "name": "Query" }));
    assert_eq!(schema["mutationType"], json!({ "name": "Mutation" }));
    let types = schema["types"].as_array().unwrap();
    let names: Vec<&str> = types.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for expected in [
        "Query",
        "Report",
        "AdministrativeUnit",
        "AdministrativeUnitKind",
        "String",
        "Boolean",
        "__Schema",
    ] {
        assert!(names.contains(&expected), "{expected} is listed");
    }
    for name in &names {
        assert!(
            !name.starts_with("join__") && !name.starts_with("link__") && *name != "_Any",
            "internal type {name} leaks"
        );
    }
    let query = types.iter().find(|t| t["name"] == "Query").unwrap();
    let query_fields: Vec<&str> = query["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(query_fields.contains(&"reports"));
    assert!(
        !query_fields.iter().any(|f| f.starts_with('_')),
        "{query_fields:?}"
    );
    let kind = types
        .iter()
        .find(|t| t["name"] == "AdministrativeUnitKind")
        .unwrap();
    assert_eq!(kind["kind"], "ENUM");
    let mut values: Vec<&str> = kind["enumValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    values.sort_unstable();
    assert_eq!(values, ["COMMUNE", "SPECIAL_ZONE", "WARD"]);
    let directives: Vec<&str> = schema["directives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(
        directives.contains(&"skip") && directives.contains(&"include"),
        "{directives:?}"
    );
    assert!(
        !directives.iter().any(|d| d.starts_with("join__")),
        "{directives:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn type_lookup_and_subgraph_fields_answer_together_in_request_order() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .graphql(
            r#"query($t: String!) {
                __typename
                unit: __type(name: $t) {
                    name kind
                    fields { name type { kind ofType { name } } }
                }
                reports(first: 1) { totalCount }
                missing: __type(name: "NoSuchType") { name }
            }"#,
            json!({ "t": "GeoPoint" }),
        )
        .await
        .pair();
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "data": {
            "__typename": "Query",
            "unit": {
                "name": "GeoPoint", "kind": "OBJECT",
                "fields": [
                    { "name": "latitude", "type": { "kind": "NON_NULL", "ofType": { "name": "Float" } } },
                    { "name": "longitude", "type": { "kind": "NON_NULL", "ofType": { "name": "Float" } } }
                ]
            },
            "reports": { "totalCount": 4 },
            "missing": null
        } })
    );
    let keys: Vec<&String> = body["data"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["__typename", "unit", "reports", "missing"]);
    app.stop().await;
}

#[tokio::test]
async fn introspection_can_be_turned_off_and_the_sdl_is_served() {
    let app = TestApp::spawn().await;
    let gateway = ExtraGateway::start(
        &app.system,
        GatewayConfig {
            introspection: false,
            ..GatewayConfig::default()
        },
    )
    .await;
    let response = app
        .http
        .post(&gateway.url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ __schema { types { name } } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INTROSPECTION_DISABLED"
    );
    // Ordinary queries still run.
    let body: Value = app
        .http
        .post(&gateway.url)
        .json(&json!({ "query": "{ reports { totalCount } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body, json!({ "data": { "reports": { "totalCount": 4 } } }));
    // The SDL follows the same permission as `__schema`.
    let response = app
        .http
        .get(gateway.url.replace("/graphql", "/schema.graphql"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INTROSPECTION_DISABLED"
    );
    gateway.stop().await;

    let sdl = app
        .http
        .get(format!("http://{}/schema.graphql", app.system.gateway_addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sdl.contains("type Report"), "{sdl}");
    assert!(
        !sdl.contains("join__") && !sdl.contains("__Schema"),
        "{sdl}"
    );
    app.stop().await;
}

/// The `graphql` package's own `getIntrospectionQuery()` (nine levels of
/// `ofType`) is answered, and the schema built from the answer is the one
/// `/schema.graphql` serves (`tests/audit/introspection.mjs` sorts and
/// prints both with the same printer).
#[tokio::test]
async fn the_standard_introspection_query_builds_the_served_schema() {
    let audit_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("audit");
    if !audit_dir.join("node_modules/graphql").exists() {
        require_service_in_ci(
            "the graphql npm package",
            "run `npm ci --prefix tests/audit` (as .ci/run does)",
        );
        return;
    }
    let app = TestApp::spawn().await;
    let graphql_url = app.gateway_url();
    let sdl_url = format!("http://{}/schema.graphql", app.system.gateway_addr);
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("introspection.mjs")
            .arg(graphql_url)
            .arg(sdl_url)
            .current_dir(&audit_dir)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs");
    assert!(
        output.status.success(),
        "the introspection script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(
        (&result["status"], &result["errors"]),
        (&json!(200), &Value::Null),
        "{result}"
    );
    let introspected = result["introspected"].as_str().expect("a schema");
    assert!(introspected.contains("type Report"), "{introspected}");
    // One line at a time, so that a difference shows where it is.
    let introspected: Vec<&str> = introspected.lines().collect();
    let served: Vec<&str> = result["served"].as_str().unwrap().lines().collect();
    assert_eq!(introspected, served);
    app.stop().await;
}
