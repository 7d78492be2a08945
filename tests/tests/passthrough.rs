//! Routes the feedback subgraph serves beside GraphQL answer at the
//! gateway's address too.

use congdan_tests::TestApp;
use serde_json::Value;

#[tokio::test]
async fn open311_answers_through_the_gateway() {
    let app = TestApp::spawn().await;
    let base = format!("http://{}", app.system.gateway_addr);
    let services: Value = app
        .http
        .get(format!("{base}/open311/v2/services.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = services
        .as_array()
        .expect("a list of services")
        .iter()
        .filter_map(|s| s["service_code"].as_str())
        .collect();
    assert!(codes.contains(&"roads"), "{services}");

    // The standard's error format for an unknown request, not the gateway's.
    let missing = app
        .http
        .get(format!("{base}/open311/v2/requests/no-such-id.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert!(
        body[0]["code"].is_number() && body[0]["description"].is_string(),
        "{body}"
    );

    // A photo link with a bad signature is refused by its owner.
    let photo = app
        .http
        .get(format!("{base}/feedback/photos/nope?expires=1&signature=x"))
        .send()
        .await
        .unwrap();
    assert!(photo.status().is_client_error(), "{}", photo.status());
    app.stop().await;
}
