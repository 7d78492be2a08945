//! Plain HTTP routes a subgraph serves beside GraphQL, reached through the
//! gateway's address: the feedback subgraph's signed photo links
//! (`/feedback/photos/{id}`) and its Open311 GeoReport v2 facade
//! (`/open311/v2/...`). The request goes to the owning subgraph's base URL
//! with the same path and query; nothing of the caller's credentials is
//! forwarded (photo links are signed, Open311 carries its `api_key`).

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;

use super::Gateway;

/// Path prefixes and the subgraph that serves them.
const ROUTES: [(&str, &str); 2] = [
    ("/feedback/photos/", "feedback"),
    ("/open311/v2/", "feedback"),
];

pub fn router(gateway: Gateway) -> Router {
    ROUTES
        .iter()
        .fold(Router::new(), |router, (prefix, _)| {
            router.route(&format!("{prefix}{{*rest}}"), any(forward))
        })
        .with_state(gateway)
}

async fn forward(State(gateway): State<Gateway>, request: Request) -> Response {
    let path = request.uri().path().to_string();
    let Some((_, subgraph)) = ROUTES.iter().find(|(prefix, _)| path.starts_with(prefix)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(url) = gateway
        .pipeline()
        .current()
        .supergraph
        .endpoints
        .get(*subgraph)
        .cloned()
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let base = url.trim_end_matches("/graphql").trim_end_matches('/');
    let target = match request.uri().query() {
        Some(query) => format!("{base}{path}?{query}"),
        None => format!("{base}{path}"),
    };
    let method = request.method().clone();
    let mut outgoing = gateway.http().request(method, target);
    for name in [header::CONTENT_TYPE, header::ACCEPT, header::IF_NONE_MATCH] {
        if let Some(value) = request.headers().get(&name) {
            outgoing = outgoing.header(name, value);
        }
    }
    if let Some(id) = request.headers().get("x-request-id") {
        outgoing = outgoing.header("x-request-id", id);
    }
    let body = match axum::body::to_bytes(request.into_body(), gateway.max_body_bytes()).await {
        Ok(body) => body,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    match outgoing.body(body).send().await {
        Ok(upstream) => {
            let status = upstream.status();
            let mut response = Response::builder().status(status.as_u16());
            for name in [
                header::CONTENT_TYPE,
                header::CACHE_CONTROL,
                header::ETAG,
                header::CONTENT_DISPOSITION,
            ] {
                if let Some(value) = upstream.headers().get(name.as_str()) {
                    response = response.header(name, value.as_bytes());
                }
            }
            match upstream.bytes().await {
                Ok(bytes) => response
                    .body(Body::from(bytes))
                    .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response()),
                // The subgraph broke off its answer: not an empty success.
                Err(error) => {
                    tracing::warn!(subgraph, %error, "pass-through answer cut short");
                    unavailable(subgraph)
                }
            }
        }
        Err(error) => {
            tracing::warn!(subgraph, %error, "pass-through request failed");
            unavailable(subgraph)
        }
    }
}

fn unavailable(subgraph: &str) -> Response {
    (
        StatusCode::BAD_GATEWAY,
        format!("the {subgraph} service is unavailable"),
    )
        .into_response()
}
