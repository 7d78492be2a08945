//! The HTTP surface of a subgraph: `POST`/`GET /graphql` (with the caller's
//! identity verified from the gateway's header and the language of
//! `Accept-Language`), `/health` (the process is
//! alive) and `/ready` (the database answers).

use std::sync::Arc;

use async_graphql::{Executor, ObjectType, Schema, SubscriptionType};
use async_graphql_axum::{GraphQLProtocol, GraphQLRequest, GraphQLResponse, GraphQLWebSocket};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::json;

use crate::language::Language;
use congdan_contracts::bus::{EventBus, InProcessBus};
use congdan_contracts::identity::{IdentityVerifier, IDENTITY_HEADER};

/// What a subgraph is built from: its database, how it learns who is asking,
/// and the secrets of personal data.
#[derive(Clone)]
pub struct Deps {
    pub db: DatabaseConnection,
    pub identity: IdentityVerifier,
    pub secrets: Arc<Secrets>,
    /// Where events are published (by the outbox relay) and subscribed to.
    pub bus: Arc<dyn EventBus>,
}

/// Server-side secrets and settings that concern personal data.
#[derive(Clone)]
pub struct Secrets {
    /// Keys personal identification numbers are hashed (for lookup) and
    /// encrypted (for their owner) with; 32 bytes.
    pub personal_data_key: [u8; 32],
    /// Personal identification numbers that are made admins when they sign
    /// in (how the first admin exists).
    pub bootstrap_admins: Vec<String>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets")
            .field("bootstrap_admins", &self.bootstrap_admins.len())
            .finish_non_exhaustive()
    }
}

impl Deps {
    /// For tests and tools: anonymous callers only, a random key.
    pub fn anonymous(db: DatabaseConnection) -> Self {
        Self {
            db,
            identity: IdentityVerifier::anonymous_only(),
            secrets: Arc::new(Secrets {
                personal_data_key: rand::random(),
                bootstrap_admins: Vec::new(),
            }),
            bus: Arc::new(InProcessBus::new(1024)),
        }
    }
}

#[derive(Clone)]
struct Served<E> {
    executor: E,
    identity: IdentityVerifier,
    db: DatabaseConnection,
    /// What `_service { sdl }` answers: [`federation_sdl`], the same SDL
    /// `congdan compose` composes, so other composers see `@authenticated`.
    sdl: Arc<str>,
}

/// Builds the router for one subgraph schema.
pub fn router<Q, M, S>(schema: Schema<Q, M, S>, deps: &Deps) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let served = Served {
        sdl: federation_sdl(&schema).into(),
        executor: schema,
        identity: deps.identity.clone(),
        db: deps.db.clone(),
    };
    Router::new()
        .route(
            "/graphql",
            get(graphql_get::<Schema<Q, M, S>>).post(graphql::<Schema<Q, M, S>>),
        )
        .route("/health", get(health))
        .route("/ready", get(ready::<Schema<Q, M, S>>))
        .with_state(served)
        .layer(catch_panics())
}

/// Turns a panic in a request into a GraphQL error with a code (one log
/// line, from the hook [`log_panics`] installs) instead of a dropped
/// connection: no input may take a request's process down with it.
pub fn catch_panics() -> tower_http::catch_panic::CatchPanicLayer<PanicAnswer> {
    tower_http::catch_panic::CatchPanicLayer::custom(PanicAnswer)
}

/// The answer to a request that panicked.
#[derive(Clone, Copy)]
pub struct PanicAnswer;

impl tower_http::catch_panic::ResponseForPanic for PanicAnswer {
    type ResponseBody = axum::body::Body;

    fn response_for_panic(
        &mut self,
        _: Box<dyn std::any::Any + Send + 'static>,
    ) -> axum::http::Response<Self::ResponseBody> {
        use axum::response::IntoResponse;
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "errors": [{
                "message": "internal error",
                "extensions": { "code": "INTERNAL_SERVER_ERROR" }
            }] })),
        )
            .into_response()
    }
}

/// Logs a panic as one line (where, and the message) instead of a
/// backtrace per request.
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        tracing::error!(%location, %message, "panicked");
    }));
}

/// `GET /graphql`: a WebSocket upgrade serves subscriptions (both
/// protocols async-graphql speaks), anything else is a query.
async fn graphql_get<E: Executor>(
    State(served): State<Served<E>>,
    request: axum::extract::Request,
) -> axum::response::Response {
    use axum::extract::{FromRequest, FromRequestParts, WebSocketUpgrade};
    use axum::response::IntoResponse;
    let (mut parts, body) = request.into_parts();
    if let Ok(upgrade) = WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &()).await {
            Ok(protocol) => protocol,
            Err(rejection) => return rejection.into_response(),
        };
        let mut data = async_graphql::Data::default();
        data.insert(Language::of_headers(&parts.headers));
        if let Some(identity) = served.identity_of(&parts.headers).await {
            data.insert(identity);
        }
        let executor = served.executor.clone();
        return upgrade
            .protocols(async_graphql::http::ALL_WEBSOCKET_PROTOCOLS)
            .on_upgrade(move |stream| {
                GraphQLWebSocket::new(stream, executor, protocol)
                    .with_data(data)
                    .serve()
            })
            .into_response();
    }
    let headers = parts.headers.clone();
    let request = axum::extract::Request::from_parts(parts, body);
    match GraphQLRequest::from_request(request, &()).await {
        Ok(request) => graphql(State(served), headers, request)
            .await
            .into_response(),
        Err(rejection) => rejection.into_response(),
    }
}

impl<E> Served<E> {
    /// The identity the gateway's header carries, if it verifies.
    async fn identity_of(
        &self,
        headers: &HeaderMap,
    ) -> Option<congdan_contracts::identity::Identity> {
        let token = headers.get(IDENTITY_HEADER)?.to_str().ok()?;
        match self.identity.verify(token).await {
            Ok(identity) => Some(identity),
            // Anonymous, as if no header had come.
            Err(error) => {
                tracing::warn!(%error, "refused an identity token");
                None
            }
        }
    }
}

async fn graphql<E: Executor>(
    State(served): State<Served<E>>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> GraphQLResponse {
    let mut request = request.into_inner().data(Language::of_headers(&headers));
    if let Some(identity) = served.identity_of(&headers).await {
        request = request.data(identity);
    }
    let mut response = served.executor.execute(request).await;
    if let async_graphql::Value::Object(data) = &mut response.data {
        if let Some(async_graphql::Value::Object(service)) = data.get_mut("_service") {
            if let Some(sdl) = service.get_mut("sdl") {
                *sdl = async_graphql::Value::String(served.sdl.to_string());
            }
        }
    }
    response.into()
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn ready<E>(State(served): State<Served<E>>) -> (StatusCode, Json<serde_json::Value>) {
    match served.db.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(error) => {
            tracing::warn!(%error, "readiness check: database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": "database does not answer" })),
            )
        }
    }
}

/// The subgraph's SDL as composition sees it: async-graphql's federation
/// SDL with `@authenticated` imported from the federation spec instead of
/// declared as a custom directive.
pub fn federation_sdl<Q, M, S>(schema: &Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let sdl = schema.sdl_with_options(async_graphql::SDLExportOptions::new().federation());
    sdl.lines()
        .filter(|line| !line.starts_with("directive @authenticated "))
        .map(|line| {
            line.replace(
                "\"@requiresScopes\"]",
                "\"@requiresScopes\", \"@authenticated\"]",
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    #[tokio::test]
    async fn a_panicking_request_gets_an_error_with_a_code_and_the_server_goes_on() {
        let router = Router::new()
            .route(
                "/boom",
                get(|| async {
                    let empty: Vec<u8> = Vec::new();
                    // An index out of bounds, as a bug on hostile input would.
                    empty[usize::MAX].to_string()
                }),
            )
            .route("/fine", get(|| async { "ok" }))
            .layer(catch_panics());
        let request = |path: &str| {
            axum::http::Request::builder()
                .uri(path)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let response = router.clone().oneshot(request("/boom")).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            body["errors"][0]["extensions"]["code"],
            "INTERNAL_SERVER_ERROR"
        );
        let response = router.oneshot(request("/fine")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}
