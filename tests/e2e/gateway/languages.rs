//! Messages in the caller's language (issue 14): Vietnamese by default,
//! English when the signed-in citizen's profile says so, else when the
//! request's `Accept-Language` prefers it; codes are the same in both.
//! Covered: a mutation's `userErrors`, a subgraph's error, an error the
//! gateway adds while shaping (a denied field) and a request error.

use crate::citizen::support as citizen_support;

use citizen_support::AN;
use congdan_tests::TestApp;
use serde_json::{json, Value};

/// POSTs to the gateway as `token` (if any) with `Accept-Language:
/// accept_language` (if any); the JSON body.
async fn ask(
    app: &TestApp,
    token: Option<&str>,
    accept_language: Option<&str>,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = app
        .http
        .post(app.gateway_url())
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(value) = accept_language {
        request = request.header("accept-language", value);
    }
    request.send().await.unwrap().json().await.unwrap()
}

/// (code, message) of each error of `body`.
fn errors(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors expected: {body}"))
        .iter()
        .map(|e| {
            (
                e["extensions"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                e["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const SUBMIT: &str = r#"mutation($key: String!) {
  submitReport(input: {
    title: "x", description: "Cây lớn đổ ngang đường Lê Thánh Tôn.",
    category: "trees", latitude: 10.7769, longitude: 106.7009, idempotencyKey: $key
  }) { report { id } userErrors { field code message } }
}"#;

/// `first: -1` is refused by the feedback subgraph's pagination.
const NEGATIVE_PAGE: &str = "{ reports(first: -1) { totalCount } }";

/// Staff only: the gateway denies the field to a citizen or anonymous.
const ADMIN_ONLY: &str = r#"mutation { createOpen311ApiKey(name: "x") { id } }"#;

const SYNTAX_ERROR: &str = "{ reports(first: ";

/// The four kinds of message for one caller, as (code, message) lists.
async fn messages(
    app: &TestApp,
    token: Option<&str>,
    accept_language: Option<&str>,
) -> Vec<Vec<(String, String)>> {
    let submitted = ask(app, token, accept_language, SUBMIT, json!({ "key": "x" })).await;
    let user_errors = submitted["data"]["submitReport"]["userErrors"]
        .as_array()
        .unwrap_or_else(|| panic!("userErrors expected: {submitted}"))
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().to_string(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut all = vec![user_errors];
    for query in [NEGATIVE_PAGE, ADMIN_ONLY, SYNTAX_ERROR] {
        all.push(errors(
            &ask(app, token, accept_language, query, json!({})).await,
        ));
    }
    all
}

fn codes(messages: &[Vec<(String, String)>]) -> Vec<Vec<String>> {
    messages
        .iter()
        .map(|list| list.iter().map(|(code, _)| code.clone()).collect())
        .collect()
}

fn texts(messages: &[Vec<(String, String)>]) -> Vec<String> {
    messages
        .iter()
        .flatten()
        .map(|(_, message)| message.clone())
        .collect()
}

/// Every message is the Vietnamese one: each starts as the Vietnamese
/// texts of these errors do.
fn assert_vietnamese(messages: &[Vec<(String, String)>]) {
    let texts = texts(messages);
    for expected in [
        "Tiêu đề dài từ 5 đến 200 ký tự",
        "Khóa chống trùng lặp gồm 8 đến 128 chữ cái",
        "`first` là -1; giá trị phải từ 0 đến",
        "Lỗi cú pháp trong truy vấn",
    ] {
        assert!(
            texts.iter().any(|t| t.starts_with(expected)),
            "{expected:?} in {texts:?}"
        );
    }
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Cần đăng nhập để xem") || t.starts_with("Bạn không có quyền")),
        "{texts:?}"
    );
}

fn assert_english(messages: &[Vec<(String, String)>]) {
    let texts = texts(messages);
    for expected in [
        "the title takes 5 to 200 characters",
        "the idempotency key takes 8 to 128 letters",
        "`first` is -1; it must be between 0 and",
        "syntax error in the query",
    ] {
        assert!(
            texts.iter().any(|t| t.starts_with(expected)),
            "{expected:?} in {texts:?}"
        );
    }
    assert!(texts.iter().any(|t| t.contains("requires")), "{texts:?}");
}

#[tokio::test]
async fn anonymous_callers_read_vietnamese_unless_accept_language_prefers_english() {
    let app = TestApp::spawn().await;
    let vietnamese = messages(&app, None, None).await;
    assert_vietnamese(&vietnamese);
    assert_eq!(
        codes(&vietnamese),
        vec![
            vec!["BAD_USER_INPUT".to_string(), "BAD_USER_INPUT".to_string()],
            vec!["BAD_USER_INPUT".to_string()],
            vec!["UNAUTHENTICATED".to_string()],
            vec!["GRAPHQL_PARSE_FAILED".to_string()],
        ]
    );

    let english = messages(&app, None, Some("en-US,en;q=0.9")).await;
    assert_english(&english);
    assert_eq!(codes(&english), codes(&vietnamese));

    // Weights decide: Vietnamese preferred over English, or English refused.
    for header in ["en;q=0.5, vi", "fr-FR, en;q=0", "vi-VN"] {
        let answer = messages(&app, None, Some(header)).await;
        assert_vietnamese(&answer);
        assert_eq!(codes(&answer), codes(&vietnamese), "{header}");
    }
    app.stop().await;
}

#[tokio::test]
async fn a_citizens_profile_language_decides_over_accept_language() {
    let app = TestApp::spawn().await;
    let before = app.sign_in(AN).await;
    // No profile language yet: Accept-Language decides.
    assert_vietnamese(&messages(&app, Some(&before.token), None).await);
    assert_english(&messages(&app, Some(&before.token), Some("en")).await);

    let changed = ask(
        &app,
        Some(&before.token),
        None,
        "mutation { updateProfile(input: { language: EN }) { profile { language } userErrors { code } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        changed["data"]["updateProfile"]["profile"]["language"], "EN",
        "{changed}"
    );
    // Tokens carry the profile's language from the next sign-in (or
    // refresh) on.
    let english = app.sign_in(AN).await;
    let without_header = messages(&app, Some(&english.token), None).await;
    assert_english(&without_header);
    let asking_vietnamese = messages(&app, Some(&english.token), Some("vi")).await;
    assert_english(&asking_vietnamese);
    assert_eq!(codes(&without_header), codes(&asking_vietnamese));
    assert_eq!(
        codes(&without_header)[2],
        vec!["FORBIDDEN".to_string()],
        "a citizen is denied the admin's field"
    );
    app.stop().await;
}

/// The sign-in endpoints answer their errors in the language the request
/// prefers too, with the same codes.
#[tokio::test]
async fn sign_in_endpoint_errors_follow_accept_language() {
    let app = congdan_tests::TestApp::spawn().await;
    let url = format!("http://{}/auth/refresh", app.system.gateway_addr);
    let mut messages = Vec::new();
    for language in [None, Some("en-US,en;q=0.9")] {
        let mut request = app
            .http
            .post(&url)
            .json(&serde_json::json!({ "refresh_token": "not-a-token" }));
        if let Some(language) = language {
            request = request.header("accept-language", language);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "INVALID_REFRESH_TOKEN", "{body}");
        messages.push(body["error"]["message"].as_str().unwrap().to_string());
    }
    assert_ne!(messages[0], messages[1], "{messages:?}");
    assert!(messages[1].contains("refresh token"), "{messages:?}");
    app.stop().await;
}
