//! The feedback subgraph through the gateway: categories are data, and
//! every report has one.

use congdan_tests::TestApp;
use serde_json::{json, Value};

#[tokio::test]
async fn categories_are_listed_with_their_handling_times() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .graphql(r#"{ reportCategories(first: 3) {
                totalCount
                edges { node { key group title en: title(language: EN) agencyKind targetHandlingHours allowsAnonymous } }
            } }"#, json!({})).await.pair();
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "data": { "reportCategories": {
            "totalCount": 15,
            "edges": [
                { "node": { "key": "roads", "group": "technical_infrastructure", "title": "Đường sá, cầu, hầm", "en": "Roads, bridges and tunnels", "agencyKind": "urban_infrastructure", "targetHandlingHours": 120, "allowsAnonymous": true } },
                { "node": { "key": "street_lights", "group": "technical_infrastructure", "title": "Chiếu sáng công cộng", "en": "Street lights", "agencyKind": "urban_infrastructure", "targetHandlingHours": 72, "allowsAnonymous": true } },
                { "node": { "key": "drainage_flooding", "group": "technical_infrastructure", "title": "Thoát nước, ngập nước", "en": "Drainage and flooding", "agencyKind": "urban_infrastructure", "targetHandlingHours": 48, "allowsAnonymous": true } }
            ]
        } } })
    );

    let (_, body) = app
        .graphql(
            "{ reports { edges { node { category { key } } } } }",
            json!({}),
        )
        .await
        .pair();
    let keys: Vec<&str> = body["data"]["reports"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["category"]["key"]
                .as_str()
                .expect("every report has a category")
        })
        .collect();
    assert_eq!(
        keys,
        [
            "roads",
            "street_lights",
            "drainage_flooding",
            "sidewalk_encroachment"
        ]
    );
    app.stop().await;
}

const SUBMIT: &str = r#"mutation($input: SubmitReportInput!) {
    submitReport(input: $input) {
        report { id title status category { key } location { latitude longitude } address ward { id } }
        userErrors { field code message }
    }
}"#;

fn input(key: &str) -> serde_json::Value {
    json!({
        "title": "Cây đổ chắn đường",
        "description": "Một cây lớn đổ chắn ngang đường sau cơn mưa chiều nay.",
        "category": "trees",
        "latitude": 10.7769,
        "longitude": 106.7009,
        "address": " 12 Lê Thánh Tôn ",
        "idempotencyKey": key,
    })
}

#[tokio::test]
async fn an_anonymous_report_is_submitted_once_per_idempotency_key_with_its_event() {
    use entity::outbox_event;
    use sea_orm::EntityTrait;

    let app = TestApp::spawn().await;
    let (status, first) = app
        .graphql(SUBMIT, json!({ "input": input("phone-retry-0001") }))
        .await
        .pair();
    assert_eq!(status, 200, "{first}");
    let payload = &first["data"]["submitReport"];
    assert_eq!(payload["userErrors"], json!([]));
    let report = &payload["report"];
    // Not public until an agency handles it, and an anonymous reporter
    // cannot be told from anyone else.
    assert_eq!(report["title"], Value::Null);
    assert_eq!(report["status"], "RECEIVED");
    assert_eq!(report["category"], json!({ "key": "trees" }));
    assert_eq!(
        report["location"],
        json!({ "latitude": 10.7769, "longitude": 106.7009 })
    );
    assert_eq!(report["address"], Value::Null);

    // The phone retries: the same report, nothing new.
    let (_, retry) = app
        .graphql(SUBMIT, json!({ "input": input("phone-retry-0001") }))
        .await
        .pair();
    assert_eq!(retry["data"]["submitReport"]["report"]["id"], report["id"]);
    let (_, count) = app
        .graphql("{ reports { totalCount } }", json!({}))
        .await
        .pair();
    assert_eq!(
        count["data"]["reports"]["totalCount"], 5,
        "4 demo reports and one new"
    );

    // One event, written with the report (besides the directory's agency
    // list going to feedback, ADR 6).
    let events: Vec<_> = outbox_event::Entity::find()
        .all(&app.database.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.topic.starts_with("feedback.report."))
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].topic, "feedback.report.created");
    assert!(events[0].payload.contains(report["id"].as_str().unwrap()));
    app.stop().await;
}

#[tokio::test]
async fn invalid_submissions_get_user_errors_and_create_nothing() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            json!({ "latitude": 21.0278, "longitude": 105.8342 }),
            "latitude",
            "OUTSIDE_CITY",
        ),
        (json!({ "latitude": 95.0 }), "latitude", "BAD_USER_INPUT"),
        (
            json!({ "category": "potholes" }),
            "category",
            "UNKNOWN_CATEGORY",
        ),
        (
            json!({ "category": "ideas" }),
            "category",
            "SIGN_IN_REQUIRED",
        ),
        (json!({ "title": "Cây" }), "title", "BAD_USER_INPUT"),
        (
            json!({ "idempotencyKey": "short" }),
            "idempotencyKey",
            "BAD_USER_INPUT",
        ),
    ];
    for (i, (change, field, code)) in cases.into_iter().enumerate() {
        let mut input = input(&format!("invalid-case-{i:04}"));
        for (k, v) in change.as_object().unwrap() {
            input[k] = v.clone();
        }
        let (status, body) = app.graphql(SUBMIT, json!({ "input": input })).await.pair();
        assert_eq!(status, 200);
        let payload = &body["data"]["submitReport"];
        assert_eq!(payload["report"], serde_json::Value::Null, "{body}");
        assert_eq!(
            payload["userErrors"][0]["field"],
            json!(["input", field]),
            "{body}"
        );
        assert_eq!(payload["userErrors"][0]["code"], code, "{body}");
    }
    let (_, count) = app
        .graphql("{ reports { totalCount } }", json!({}))
        .await
        .pair();
    assert_eq!(
        count["data"]["reports"]["totalCount"], 4,
        "nothing was created"
    );
    app.stop().await;
}

/// Control characters (U+0000 above all, which PostgreSQL cannot store)
/// are refused with BAD_USER_INPUT at every edge, on both databases, and
/// nothing is stored; forged list cursors are BAD_USER_INPUT too, never a
/// panic.
async fn hostile_text_and_cursors(app: TestApp) {
    let submit = "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } userErrors { code } } }";
    let mut nul_title = input("nul-title");
    nul_title["title"] = json!("Ổ gà\u{0} lớn");
    let mut escape_description = input("esc-description");
    escape_description["description"] = json!("Đèn \u{1b}[2J không sáng từ tối qua đến giờ");
    for bad in [nul_title, escape_description] {
        let (_, body) = app.graphql(submit, json!({ "input": bad })).await.pair();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }
    let (_, body) = app
        .graphql(r#"{ similarReports(category: "roads\u0000", latitude: 10.77, longitude: 106.7) { id } }"#, json!({})).await.pair();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    // Nothing was stored: the four demo reports only.
    let (_, body) = app
        .graphql("{ reports { totalCount } }", json!({}))
        .await
        .pair();
    assert_eq!(body["data"]["reports"]["totalCount"], 4, "{body}");

    // Forged cursors: i64::MAX (overflowed the query builder and panicked),
    // u64::MAX (wrapped to the first page).
    for forged in [
        "bzo5MjIzMzcyMDM2ODU0Nzc1ODA3",
        "bzoxODQ0Njc0NDA3MzcwOTU1MTYxNQ",
    ] {
        let (status, body) = app
            .graphql(
                "query($after: String) { reports(after: $after) { totalCount } }",
                json!({ "after": forged }),
            )
            .await
            .pair();
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
            "{body}"
        );
    }

    // Open311, through the gateway: query, path and form.
    let base = app.gateway_url().replace("/graphql", "");
    // (A control character in the path never leaves the gateway: 404.)
    for (path, status) in [
        ("/open311/v2/requests.json?service_code=roads%00", 400),
        ("/open311/v2/requests.json?service_request_id=a%00b", 400),
        ("/open311/v2/requests/abc%00.json", 404),
    ] {
        let response = app.http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), status, "{path}");
    }
    let response = app
        .http
        .post(format!("{base}/open311/v2/requests.json"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("api_key=x&service_code=roads&lat=10.77&long=106.7&description=abc%00defghijkl")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    app.stop().await;
}

#[tokio::test]
async fn hostile_text_and_cursors_are_refused_on_sqlite() {
    hostile_text_and_cursors(TestApp::spawn().await).await;
}

#[tokio::test]
async fn hostile_text_and_cursors_are_refused_on_postgres() {
    if let Some(database) = congdan_tests::TestDatabase::postgres().await {
        hostile_text_and_cursors(TestApp::spawn_on(database).await).await;
    }
}

/// Anonymous mutations are limited per client address; the refusal says
/// when to retry, and nothing is stored for it.
#[tokio::test]
async fn anonymous_mutations_are_rate_limited_per_client() {
    let app = TestApp::spawn().await;
    let gateway = congdan_tests::ExtraGateway::start(
        &app.system,
        congdan_gateway::GatewayConfig {
            anonymous_mutations_per_minute: 3,
            ..Default::default()
        },
    )
    .await;
    let submit = |key: String| {
        let (http, url) = (app.http.clone(), gateway.url.clone());
        async move {
            let response = http
                .post(url)
                .header("accept", "application/graphql-response+json")
                .json(&json!({
                    "query": "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } userErrors { code message } } }",
                    "variables": { "input": input(&key) },
                }))
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    for n in 0..3 {
        let (status, body) = submit(format!("burst-key-{n}")).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body["data"]["submitReport"]["report"]["id"].is_string(),
            "{body}"
        );
    }
    let (status, body) = submit("burst-key-3".into()).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    // Queries are not limited.
    let (_, body) = app
        .graphql("{ reports { totalCount } }", json!({}))
        .await
        .pair();
    assert_eq!(body["data"]["reports"]["totalCount"], 7, "{body}");
    gateway.stop().await;
    app.stop().await;
}
