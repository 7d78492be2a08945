//! GraphQL over Server-Sent Events, "distinct connections" mode: one
//! operation per HTTP request (`POST` or `GET /graphql` whose `Accept`
//! prefers `text/event-stream`, or a subscription whose `Accept` allows
//! it), `next` events then `complete`. Errors found before execution
//! (syntax, validation, variables, persisted query) are a `next` event
//! too, as the graphql-sse protocol asks: an error status would make
//! `EventSource` and the graphql-sse client drop the body and its codes.

use std::convert::Infallible;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures::stream::{BoxStream, StreamExt};

use super::streaming::{self, Outgoing, CLIENT_QUEUE, KEEPALIVE};
use super::Gateway;
use crate::error::RequestError;
use crate::execute::response::GraphQLResponse;
use crate::metrics::Outcome;

/// The event stream of one operation, or of its request error.
pub fn respond(
    gateway: &Gateway,
    result: Result<BoxStream<'static, GraphQLResponse>, RequestError>,
    expires_at: Option<i64>,
    language: congdan_common::language::Language,
) -> Response {
    let stream = match result {
        Ok(stream) => streaming::until_expiry(stream, expires_at),
        Err(error) => {
            gateway.pipeline.metrics.request(Outcome::Rejected);
            let response = super::error_response(&error, language);
            futures::stream::once(async move { response }).boxed()
        }
    };
    let events = streaming::bounded(stream, CLIENT_QUEUE)
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
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEPALIVE))
        .into_response()
}
