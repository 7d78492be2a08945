//! GraphQL over Server-Sent Events, "distinct connections" mode: one
//! operation per HTTP request (`POST` or `GET /graphql` with
//! `Accept: text/event-stream`), `next` events then `complete`.

use std::convert::Infallible;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::StreamExt;

use super::streaming::{self, Outgoing, CLIENT_QUEUE, KEEPALIVE};
use super::Gateway;
use crate::error::GatewayError;
use crate::pipeline::{Caller, GraphQLRequest};

/// The event stream of one operation, or the request error.
pub async fn respond(
    gateway: &Gateway,
    request: GraphQLRequest,
    caller: Caller,
    request_id: Option<String>,
) -> Result<Response, GatewayError> {
    let expires_at = caller.expires_at;
    let stream = gateway
        .pipeline()
        .subscribe(request, request_id, caller)
        .await?;
    let events = streaming::bounded(streaming::until_expiry(stream, expires_at), CLIENT_QUEUE)
        .map(|item| match item {
            Outgoing::Next(response) => Ok(Event::default().event("next").data(response.to_json())),
            Outgoing::Overflowed => Event::default().event("next").json_data(serde_json::json!({
                "errors": [{
                    "message": format!("the client reads too slowly: more than {CLIENT_QUEUE} events waited; the stream is closed"),
                    "extensions": { "code": "CLIENT_TOO_SLOW" }
                }]
            })),
        })
        .map(|event| Ok::<_, Infallible>(event.unwrap_or_else(|_| Event::default().event("next").data("{}"))))
        .chain(futures::stream::once(async {
            Ok(Event::default().event("complete").data(""))
        }));
    Ok(Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEPALIVE))
        .into_response())
}

/// Whether the client asks for an event stream.
pub fn wanted(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("text/event-stream"))
}
