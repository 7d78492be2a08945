//! GraphQL over WebSocket, in both protocols clients use:
//! `graphql-transport-ws` (the `graphql-ws` npm package) and the legacy
//! `graphql-ws` of subscriptions-transport-ws. The access token comes in
//! `connection_init` (`{"Authorization": "Bearer …"}`, `{"token": …}` or
//! `{"headers": {…}}`) or, from browsers, as the session cookie on the
//! upgrade request. An invalid one closes the socket with 4403. A browser
//! page of another site could open a socket that carries the session
//! cookie, so a cookie is only honoured when the upgrade's `Origin` is this
//! site's (see [`cookie_origin_allowed`]).

use congdan_common::language::Language;
use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use futures::stream::{SplitSink, StreamExt};
use futures::SinkExt;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::streaming::{self, Outgoing, CLIENT_QUEUE, KEEPALIVE};
use super::Gateway;
use crate::execute::response::GraphQLResponse;
use crate::pipeline::{Caller, GraphQLRequest, Method};

pub const TRANSPORT_WS: &str = "graphql-transport-ws";
pub const LEGACY_WS: &str = "graphql-ws";
/// How long a client may take to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Transport,
    Legacy,
}

impl Protocol {
    fn next(self) -> &'static str {
        match self {
            Protocol::Transport => "next",
            Protocol::Legacy => "data",
        }
    }
}

/// What the connection's writer sends.
enum Frame {
    Json(Value),
    /// A message already written as JSON text.
    Text(String),
    Close(u16, String),
}

/// Serves one upgraded connection until either side closes it.
pub async fn serve(
    gateway: Gateway,
    socket: WebSocket,
    upgrade_headers: HeaderMap,
    request_id: Option<String>,
) {
    let protocol = match socket.protocol().and_then(|p| p.to_str().ok()) {
        Some(LEGACY_WS) => Protocol::Legacy,
        _ => Protocol::Transport,
    };
    let (sink, mut incoming) = socket.split();
    let (out, out_rx) = mpsc::channel::<Frame>(CLIENT_QUEUE);
    let closed = CancellationToken::new();
    let writer = tokio::spawn(write(sink, out_rx, closed.clone(), protocol));
    let mut caller: Option<Caller> = None;
    let mut operations: HashMap<String, CancellationToken> = HashMap::new();
    let init_deadline = tokio::time::sleep(INIT_TIMEOUT);
    tokio::pin!(init_deadline);

    let close = |code: u16, reason: &str| {
        let _ = out.try_send(Frame::Close(code, reason.to_string()));
    };
    loop {
        let message = tokio::select! {
            _ = closed.cancelled() => break,
            _ = &mut init_deadline, if caller.is_none() => {
                close(4408, "Connection initialisation timeout");
                break;
            }
            message = incoming.next() => message,
        };
        let text = match message {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
            Some(Ok(_)) => continue,
        };
        let Ok(message) = serde_json::from_str::<Value>(&text) else {
            close(4400, "Invalid message: not JSON");
            break;
        };
        let id = message["id"].as_str().map(str::to_string);
        match (message["type"].as_str().unwrap_or_default(), protocol) {
            ("connection_init", _) => {
                if caller.is_some() {
                    close(4429, "Too many initialisation requests");
                    break;
                }
                let headers = init_headers(&upgrade_headers, &message["payload"]);
                match gateway.caller(&headers).await {
                    Ok(c) => {
                        caller = Some(c);
                        let _ = out.try_send(Frame::Json(json!({ "type": "connection_ack" })));
                    }
                    Err(error) => {
                        if protocol == Protocol::Legacy {
                            let _ = out.try_send(Frame::Json(json!({
                                "type": "connection_error",
                                "payload": {
                                    "message": error.message(Language::of_headers(&headers)),
                                    "extensions": { "code": error.code() }
                                }
                            })));
                        }
                        close(4403, &format!("Forbidden: {error}"));
                        break;
                    }
                }
            }
            ("ping", Protocol::Transport) => {
                let _ = out.try_send(Frame::Json(
                    json!({ "type": "pong", "payload": message["payload"] }),
                ));
            }
            ("pong", Protocol::Transport) => {}
            ("subscribe", Protocol::Transport) | ("start", Protocol::Legacy) => {
                let Some(caller) = caller.clone() else {
                    close(4401, "Unauthorized");
                    break;
                };
                let Some(id) = id else {
                    close(4400, "Invalid message: the operation has no id");
                    break;
                };
                operations.retain(|_, token| !token.is_cancelled());
                if operations.contains_key(&id) {
                    close(4409, &format!("Subscriber for {id} already exists"));
                    break;
                }
                let request: GraphQLRequest =
                    match serde_json::from_value(message["payload"].clone()) {
                        Ok(request) => request,
                        Err(_) => {
                            close(
                                4400,
                                "Invalid message: the payload is not a GraphQL request",
                            );
                            break;
                        }
                    };
                let token = closed.child_token();
                operations.insert(id.clone(), token.clone());
                tokio::spawn(run_operation(
                    gateway.clone(),
                    request,
                    caller,
                    request_id.clone(),
                    id,
                    protocol,
                    out.clone(),
                    token,
                    closed.clone(),
                ));
            }
            ("complete", Protocol::Transport) | ("stop", Protocol::Legacy) => {
                if let Some(token) = id.and_then(|id| operations.remove(&id)) {
                    token.cancel();
                }
            }
            ("connection_terminate", Protocol::Legacy) => break,
            _ => {
                close(4400, "Invalid message: unknown type");
                break;
            }
        }
    }
    // Every operation ends with the connection; dropping their streams
    // completes the subscriptions at the subgraphs.
    for token in operations.values() {
        token.cancel();
    }
    // The writer sends what is queued (a close frame, say), then stops.
    drop(out);
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    closed.cancel();
}

/// Whether an upgrade request may sign in with its session cookie: no
/// cookie, no `Origin` (not a browser), or an `Origin` that is this
/// gateway's own (its `Host`) or the site the web sign-in returns to.
pub fn cookie_origin_allowed(headers: &HeaderMap, web_redirect_uri: Option<&str>) -> bool {
    if crate::auth::cookie(headers, crate::auth::SESSION_COOKIE).is_none() {
        return true;
    }
    let Some(origin) = headers
        .get(axum::http::header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return true;
    };
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    let own = host
        .iter()
        .any(|host| origin == format!("http://{host}") || origin == format!("https://{host}"));
    let web_site = web_redirect_uri
        .and_then(|uri| openidconnect::url::Url::parse(uri).ok())
        .map(|uri| uri.origin().ascii_serialization().to_ascii_lowercase())
        .is_some_and(|site| site == origin);
    own || web_site
}

/// The credentials of `connection_init`: the payload's `Authorization`,
/// `token` or `headers`, over the upgrade request's headers (cookies).
fn init_headers(upgrade: &HeaderMap, payload: &Value) -> HeaderMap {
    let mut headers = upgrade.clone();
    let mut set = |name: &str, value: &Value| {
        if let (Ok(name), Some(Ok(value))) = (
            HeaderName::from_bytes(name.to_ascii_lowercase().as_bytes()),
            value.as_str().map(HeaderValue::from_str),
        ) {
            headers.insert(name, value);
        }
    };
    if let Some(object) = payload.as_object() {
        for (key, value) in object {
            match key.to_ascii_lowercase().as_str() {
                "authorization" | "x-api-key" => set(key, value),
                "token" | "accesstoken" | "access_token" => {
                    if let Some(token) = value.as_str() {
                        set("authorization", &Value::String(format!("Bearer {token}")));
                    }
                }
                "headers" => {
                    for (name, value) in value.as_object().into_iter().flatten() {
                        if matches!(
                            name.to_ascii_lowercase().as_str(),
                            "authorization" | "x-api-key"
                        ) {
                            set(name, value);
                        }
                    }
                }
                _ => {}
            }
        }
    }
    headers
}

#[allow(clippy::too_many_arguments)]
async fn run_operation(
    gateway: Gateway,
    request: GraphQLRequest,
    caller: Caller,
    request_id: Option<String>,
    id: String,
    protocol: Protocol,
    out: mpsc::Sender<Frame>,
    cancelled: CancellationToken,
    connection: CancellationToken,
) {
    let expires_at = caller.expires_at;
    let language = caller.language;
    let stream = match gateway
        .pipeline()
        .subscribe(request, Method::Post, request_id, caller)
        .await
    {
        Ok(stream) => stream,
        Err(error) => {
            let errors = super::error_response(&error, language).errors;
            // graphql-transport-ws carries the list; the legacy protocol
            // has room for one error object, so it gets the first.
            let payload = match protocol {
                Protocol::Transport => json!(errors),
                Protocol::Legacy => json!(errors.first()),
            };
            let _ = out.try_send(Frame::Json(
                json!({ "type": "error", "id": id, "payload": payload }),
            ));
            if protocol == Protocol::Legacy {
                let _ = out.try_send(Frame::Json(json!({ "type": "complete", "id": id })));
            }
            cancelled.cancel();
            return;
        }
    };
    let mut stream = streaming::bounded(streaming::until_expiry(stream, expires_at), CLIENT_QUEUE);
    loop {
        let item = tokio::select! {
            _ = cancelled.cancelled() => return,
            item = stream.next() => item,
        };
        match item {
            Some(Outgoing::Next(response)) => {
                if send_next(&out, protocol, &id, &response).is_err() {
                    overflow(&out, &connection);
                    return;
                }
            }
            Some(Outgoing::Overflowed) => {
                overflow(&out, &connection);
                return;
            }
            None => break,
        }
    }
    let _ = out.try_send(Frame::Json(json!({ "type": "complete", "id": id })));
    cancelled.cancel();
}

fn send_next(
    out: &mpsc::Sender<Frame>,
    protocol: Protocol,
    id: &str,
    response: &GraphQLResponse,
) -> Result<(), ()> {
    let frame = format!(
        "{{\"type\":{},\"id\":{},\"payload\":{}}}",
        Value::from(protocol.next()),
        Value::from(id),
        response.to_json()
    );
    out.try_send(Frame::Text(frame)).map_err(|_| ())
}

/// The client reads too slowly: cut it off rather than buffer without end.
fn overflow(out: &mpsc::Sender<Frame>, connection: &CancellationToken) {
    tracing::warn!("a WebSocket client fell {CLIENT_QUEUE} messages behind; disconnecting it");
    let reason = format!("the client reads too slowly: more than {CLIENT_QUEUE} messages waited");
    if out.try_send(Frame::Close(1008, reason)).is_err() {
        connection.cancel();
    }
}

/// Writes queued frames, and a keepalive when idle, until closed.
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<Frame>,
    closed: CancellationToken,
    protocol: Protocol,
) {
    let mut keepalive = tokio::time::interval(KEEPALIVE);
    keepalive.tick().await;
    loop {
        let frame = tokio::select! {
            _ = closed.cancelled() => break,
            _ = keepalive.tick() => Frame::Json(match protocol {
                Protocol::Transport => json!({ "type": "ping" }),
                Protocol::Legacy => json!({ "type": "ka" }),
            }),
            frame = frames.recv() => match frame {
                Some(frame) => frame,
                None => break,
            },
        };
        let result = match frame {
            Frame::Json(value) => sink.send(Message::Text(value.to_string().into())).await,
            Frame::Text(text) => sink.send(Message::Text(text.into())).await,
            Frame::Close(code, reason) => {
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code,
                        reason: reason.into(),
                    })))
                    .await;
                closed.cancel();
                break;
            }
        };
        if result.is_err() {
            closed.cancel();
            break;
        }
    }
    let _ = sink.close().await;
}
