//! Clients for the gateway's streaming transports: a WebSocket client
//! speaking either protocol, and an SSE reader over plain HTTP.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// What a WebSocket client saw next.
#[derive(Debug, PartialEq)]
pub enum Seen {
    Json(Value),
    Closed(Option<u16>, String),
}

pub struct WsClient {
    socket: Socket,
}

impl WsClient {
    /// Connects to `http_url` (turned into `ws://`) offering `protocol`.
    pub async fn connect(http_url: &str, protocol: &str, headers: &[(&str, &str)]) -> Self {
        let url = http_url.replacen("http://", "ws://", 1);
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "sec-websocket-protocol",
            HeaderValue::from_str(protocol).unwrap(),
        );
        for (name, value) in headers {
            request.headers_mut().insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .expect("the WebSocket upgrade succeeds");
        assert_eq!(
            response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok()),
            Some(protocol),
            "the server picked the protocol"
        );
        Self { socket }
    }

    pub async fn send(&mut self, value: Value) {
        self.socket
            .send(Message::Text(value.to_string().into()))
            .await
            .expect("send");
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.to_string().into()))
            .await
            .expect("send");
    }

    /// The next JSON message or the close, skipping keepalives.
    pub async fn next(&mut self) -> Seen {
        self.next_within(Duration::from_secs(10))
            .await
            .expect("a message within 10 s")
    }

    /// [`WsClient::next`], or None when nothing came within `wait`.
    pub async fn next_within(&mut self, wait: Duration) -> Option<Seen> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let message = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?;
            match message {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON");
                    if matches!(value["type"].as_str(), Some("ka") | Some("ping")) {
                        continue;
                    }
                    return Some(Seen::Json(value));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(Seen::Closed(
                        frame.as_ref().map(|f| u16::from(f.code)),
                        frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    ))
                }
                Some(Ok(_)) => continue,
                None | Some(Err(_)) => return Some(Seen::Closed(None, String::new())),
            }
        }
    }

    /// Sends `connection_init` with `payload` and expects `connection_ack`.
    pub async fn init(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        assert_eq!(
            self.next().await,
            Seen::Json(json!({ "type": "connection_ack" }))
        );
    }

    pub async fn close(mut self) {
        let _ = self
            .socket
            .close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }))
            .await;
    }
}

/// The events of a GraphQL-over-SSE response: (event name, data).
pub async fn sse_events(response: reqwest::Response) -> Vec<(String, String)> {
    let text = tokio::time::timeout(Duration::from_secs(20), response.text())
        .await
        .expect("the stream ends within 20 s")
        .expect("a body");
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .filter_map(|block| {
            let mut event = String::new();
            let mut data = String::new();
            for line in block.lines() {
                if let Some(name) = line.strip_prefix("event:") {
                    event = name.trim().to_string();
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.trim_start());
                }
            }
            (!event.is_empty()).then_some((event, data))
        })
        .collect()
}

/// Runs the `graphql-ws` npm client (`tests/audit/subscribe.mjs`) against
/// `http_url`; returns the JSON lines it printed. None (test skipped) when
/// the npm packages are not installed; a panic under `CI=true`.
pub async fn graphql_ws_npm(
    http_url: &str,
    query: &str,
    token: Option<&str>,
    max_results: Option<usize>,
) -> Option<Vec<Value>> {
    let url = http_url.replacen("http://", "ws://", 1);
    let max = max_results.map(|m| m.to_string()).unwrap_or_default();
    npm_client(
        "graphql-ws",
        "subscribe.mjs",
        &[&url, query, token.unwrap_or(""), &max],
    )
    .await
}

/// Runs `node tests/audit/<script> <args>` (a script that drives the npm
/// package `package`); returns the JSON lines it printed. None (test
/// skipped) when the npm packages are not installed; a panic under
/// `CI=true`, or when the script fails.
pub async fn npm_client(package: &str, script: &str, args: &[&str]) -> Option<Vec<Value>> {
    let audit = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("audit");
    if !audit.join("node_modules").join(package).exists() {
        crate::require_service_in_ci(
            &format!("the {package} npm package"),
            "run `npm ci --prefix tests/audit` (as .ci/run does)",
        );
        return None;
    }
    let mut command = tokio::process::Command::new("node");
    command.arg(script).args(args).current_dir(&audit);
    let output = tokio::time::timeout(Duration::from_secs(30), command.output())
        .await
        .expect("the npm client finishes within 30 s")
        .expect("node runs");
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect(),
    )
}

/// Publishes `event` on `bus` until `delivered` completes: once now, and
/// again each time the event machinery moves (a subscription reaching the
/// bus, say), so a subscriber that subscribed after the first publication
/// still gets it, once (subscribers skip event ids they have seen). For at
/// most 30 s, a bound for a loaded machine.
pub async fn publish_until<T>(
    bus: &dyn congdan_contracts::bus::EventBus,
    event: &congdan_contracts::bus::Event,
    delivered: impl std::future::Future<Output = T>,
) -> T {
    let mut progress = congdan_contracts::bus::progress::watch();
    let mut delivered = std::pin::pin!(delivered);
    let waited = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            progress.borrow_and_update();
            bus.publish(event).await.expect("the bus takes the event");
            tokio::select! {
                value = &mut delivered => return value,
                changed = progress.changed() => {
                    if changed.is_err() {
                        // The count lives as long as the process: never here.
                        std::future::pending::<()>().await;
                    }
                }
            }
        }
    })
    .await;
    waited.unwrap_or_else(|_| panic!("event {} was never delivered", event.id))
}
