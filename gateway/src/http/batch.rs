//! Batched operations: a JSON array of requests in one `POST` (Apollo's
//! `BatchHttpLink`, graphql-request's `batchRequests`), answered with the
//! array of their responses in the same order. Each operation runs as if
//! it came alone, with its own limits, its own check of the caller's
//! credentials (a partner key's rate limit counts every one) and its own
//! errors; they run concurrently, as the requests a client batches would
//! have, so one must not depend on another's effect. A batch is answered
//! as JSON, never as a stream.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use congdan_common::language::Language;
use serde_json::Value;

use super::accept::Negotiated;
use super::Gateway;
use crate::error::RequestError;
use crate::execute::response::GraphQLResponse;
use crate::metrics::Outcome;
use crate::pipeline::{GraphQLRequest, Method};

/// Operations one batch may hold.
pub const MAX_OPERATIONS: usize = 10;

/// Whether a JSON body is an array (a batch) rather than one request.
pub fn is_batch(body: &[u8]) -> bool {
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[')
}

/// Runs every operation of the array in `body` and answers their responses
/// as one array; an unreadable, empty or too large batch is one request
/// error.
pub async fn respond(
    gateway: &Gateway,
    headers: &HeaderMap,
    body: &[u8],
    accept: Negotiated,
) -> Response {
    let wants_gql = accept.graphql_response_json();
    let language = Language::of_headers(headers);
    let items = match serde_json::from_slice::<Vec<Value>>(body) {
        Ok(items) => items,
        Err(e) => {
            return super::respond(
                gateway,
                Err(RequestError::MalformedJson(e.to_string())),
                wants_gql,
                language,
            )
        }
    };
    if items.is_empty() {
        return super::respond(gateway, Err(RequestError::EmptyBatch), wants_gql, language);
    }
    if items.len() > MAX_OPERATIONS {
        let error = RequestError::BatchTooLarge {
            actual: items.len(),
            limit: MAX_OPERATIONS,
        };
        return super::respond(gateway, Err(error), wants_gql, language);
    }
    let request_id = super::request_id(headers);
    let responses = futures::future::join_all(items.into_iter().enumerate().map(
        |(index, item)| async move {
            let result = run_one(gateway, headers, request_id, index, item).await;
            let metrics = &gateway.pipeline.metrics;
            match result {
                Ok(response) => {
                    metrics.request(if response.errors.is_empty() {
                        Outcome::Ok
                    } else {
                        Outcome::Partial
                    });
                    response
                }
                Err(error) => {
                    metrics.request(Outcome::Rejected);
                    super::error_response(&error, language)
                }
            }
        },
    ))
    .await;
    let mut body = String::from("[");
    for (i, response) in responses.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&response.to_json());
    }
    body.push(']');
    super::json_text(StatusCode::OK, body, wants_gql)
}

async fn run_one(
    gateway: &Gateway,
    headers: &HeaderMap,
    request_id: Option<&str>,
    index: usize,
    item: Value,
) -> Result<GraphQLResponse, RequestError> {
    let request: GraphQLRequest = serde_json::from_value(item)
        .map_err(|e| RequestError::MalformedJson(format!("operation {index} of the batch: {e}")))?;
    let caller = gateway.caller(headers).await?;
    gateway
        .pipeline
        .run(request, Method::Post, request_id, &caller)
        .await
}

#[cfg(test)]
mod tests {
    use super::is_batch;

    #[test]
    fn an_array_body_is_a_batch() {
        assert!(is_batch(b" \n[{\"query\":\"{a}\"}]"));
        assert!(!is_batch(b"{\"query\":\"{a}\"}"));
        assert!(!is_batch(b""));
    }
}
