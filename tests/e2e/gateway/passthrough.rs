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

/// Sends `path` exactly as written (no client library normalises it) and
/// returns the status and the raw answer.
async fn raw_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// Dot segments, plain or percent-encoded, never climb out of a
/// pass-through prefix into a subgraph's own `/graphql` (which sits behind
/// none of the gateway's limits).
#[tokio::test]
async fn pass_through_paths_cannot_climb_out_of_their_prefix() {
    let app = TestApp::spawn().await;
    let addr = app.system.gateway_addr;
    let query = "?query=%7B__typename%7D";
    for path in [
        "/open311/v2/%2e%2e/%2e%2e/graphql",
        "/open311/v2/%2E%2e/%2e%2E/graphql",
        "/open311/v2/.%2e/.%2e/graphql",
        "/feedback/photos/../../graphql",
        "/feedback/photos/./../../graphql",
        "/open311/v2/..%2f..%2fgraphql",
        "/open311/v2/..%5c..%5cgraphql",
        "/feedback/photos//..//../graphql",
    ] {
        let (status, answer) = raw_get(addr, &format!("{path}{query}")).await;
        assert_eq!(status, 404, "{path}: {answer}");
        assert!(!answer.contains("__typename"), "{path}: {answer}");
    }
    // What belongs under the prefix still answers, and is never sniffed.
    let (status, answer) = raw_get(addr, "/open311/v2/services.json").await;
    assert_eq!(status, 200, "{answer}");
    assert!(
        answer
            .to_ascii_lowercase()
            .contains("x-content-type-options: nosniff"),
        "{answer}"
    );
    app.stop().await;
}
