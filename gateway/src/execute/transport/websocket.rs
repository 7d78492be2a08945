//! Subscribing to the subgraph that owns a subscription field: one
//! WebSocket per client subscription, speaking `graphql-transport-ws`, with
//! the caller's identity on the upgrade request. Dropping the returned
//! stream completes the subscription at the subgraph and closes the socket.

use std::time::Duration;

use futures::{SinkExt, Stream, StreamExt};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use super::{SubgraphError, SubgraphResponse};

/// Events buffered between the subgraph's socket and the gateway's
/// processing; when full, the subgraph waits (TCP back-pressure).
const UPSTREAM_BUFFER: usize = 64;
/// Longest wait for `connection_ack`.
const ACK_TIMEOUT: Duration = Duration::from_secs(10);

/// `ws://…` for an `http://…` subgraph URL.
pub fn websocket_url(http_url: &str) -> String {
    if let Some(rest) = http_url.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = http_url.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        http_url.to_string()
    }
}

/// Opens the subscription; the stream yields each `next` payload, then ends
/// when the subgraph completes it (an `error` message is yielded as a
/// response with errors first).
pub async fn subscribe(
    url: &str,
    query: &str,
    variables: Map<String, Value>,
    identity_token: Option<&str>,
    language: congdan_common::language::Language,
    request_id: Option<&str>,
) -> Result<impl Stream<Item = SubgraphResponse> + Send + 'static, SubgraphError> {
    let mut request = websocket_url(url)
        .into_client_request()
        .map_err(|e| SubgraphError::Unreachable(e.to_string()))?;
    let headers = request.headers_mut();
    headers.insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    for (name, value) in [
        (congdan_contracts::identity::IDENTITY_HEADER, identity_token),
        ("x-request-id", request_id),
        ("accept-language", Some(language.code())),
    ] {
        if let Some(value) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, value);
        }
    }
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .map_err(|e| SubgraphError::Unreachable(e.to_string()))?;
    let send = |value: Value| Message::Text(value.to_string().into());
    socket
        .send(send(json!({ "type": "connection_init", "payload": {} })))
        .await
        .map_err(|e| SubgraphError::Unreachable(e.to_string()))?;
    let acked = tokio::time::timeout(ACK_TIMEOUT, async {
        while let Some(message) = socket.next().await {
            if let Ok(Message::Text(text)) = message {
                let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                if value["type"] == "connection_ack" {
                    return true;
                }
            }
        }
        false
    })
    .await;
    if !matches!(acked, Ok(true)) {
        return Err(SubgraphError::InvalidResponse(
            "the subgraph did not acknowledge the subscription connection".into(),
        ));
    }
    let mut payload = Map::new();
    payload.insert("query".into(), Value::String(query.to_string()));
    if !variables.is_empty() {
        payload.insert("variables".into(), Value::Object(variables));
    }
    socket
        .send(send(
            json!({ "type": "subscribe", "id": "1", "payload": payload }),
        ))
        .await
        .map_err(|e| SubgraphError::Unreachable(e.to_string()))?;

    let (tx, rx) = mpsc::channel(UPSTREAM_BUFFER);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                // The client went away: end the subscription at the subgraph.
                _ = tx.closed() => {
                    let _ = socket.send(send(json!({ "type": "complete", "id": "1" }))).await;
                    let _ = socket.close(None).await;
                    break;
                }
                message = socket.next() => {
                    let Some(Ok(message)) = message else {
                        let _ = tx.send(lost("the subgraph closed the subscription")).await;
                        break;
                    };
                    let text = match message {
                        Message::Text(text) => text,
                        Message::Close(_) => {
                            let _ = tx.send(lost("the subgraph closed the subscription")).await;
                            break;
                        }
                        _ => continue,
                    };
                    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    match value["type"].as_str() {
                        Some("next") => {
                            let response = serde_json::from_value(value["payload"].clone())
                                .unwrap_or_else(|_| lost("the subgraph sent an invalid event"));
                            if tx.send(response).await.is_err() {
                                let _ = socket.send(send(json!({ "type": "complete", "id": "1" }))).await;
                                let _ = socket.close(None).await;
                                break;
                            }
                        }
                        Some("error") => {
                            let errors = serde_json::from_value(value["payload"].clone()).unwrap_or_default();
                            let _ = tx.send(SubgraphResponse { data: None, errors }).await;
                            break;
                        }
                        Some("complete") => break,
                        Some("ping") => {
                            let _ = socket.send(send(json!({ "type": "pong" }))).await;
                        }
                        _ => {}
                    }
                }
            }
        }
    });
    Ok(tokio_stream::wrappers::ReceiverStream::new(rx))
}

/// A response saying the subscription ended unexpectedly.
fn lost(message: &str) -> SubgraphResponse {
    serde_json::from_value(json!({
        "data": null,
        "errors": [{ "message": message, "extensions": { "code": "SUBGRAPH_UNAVAILABLE" } }]
    }))
    .unwrap_or(SubgraphResponse {
        data: None,
        errors: Vec::new(),
    })
}
