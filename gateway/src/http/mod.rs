//! axum routes: GraphQL over HTTP (`POST`/`GET /graphql`) with content
//! negotiation, batches, subscriptions over WebSocket and SSE on the same
//! path, GraphiQL at `/`, `/health`.

mod accept;
mod batch;
mod client_address;
mod multipart;
mod passthrough;
mod sse;
mod streaming;
mod websocket;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{DefaultBodyLimit, Query, State, WebSocketUpgrade};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use congdan_common::language::Language;

use crate::auth::citizen::{CitizenClient, CITIZEN_SUBGRAPH};
use crate::auth::Auth;
use crate::config::{GatewayConfig, MetricsAccess, PersistedQueryMode};
use crate::error::{RequestError, SignInError, StartupError};
use crate::execute::response::{GraphQLError, GraphQLResponse};
use crate::execute::transport::SubgraphClient;
use crate::metrics::{Metrics, Outcome};
use crate::pipeline::persisted::PersistedQueries;
use crate::pipeline::{Answer, Caller, GraphQLRequest, Method, Pipeline};
use crate::plan::Policy;
use crate::supergraph::Supergraph;

use self::accept::{Negotiated, Stream};

/// A running gateway's shared state.
#[derive(Clone)]
pub struct Gateway {
    pipeline: Arc<Pipeline>,
    max_body_bytes: usize,
    max_upload_bytes: usize,
    /// Sign-in and callers' credentials; None serves anonymous callers only.
    auth: Option<Arc<Auth>>,
    /// The citizen subgraph, as sign-in calls it.
    citizen: CitizenClient,
    metrics_access: MetricsAccess,
    /// Whether the client's address is the last `X-Forwarded-For` entry
    /// (behind a proxy that appends it) rather than the peer's.
    trust_forwarded_for: bool,
    /// Path prefixes forwarded to subgraphs as they are.
    passthrough: Arc<[crate::config::PassthroughRoute]>,
}

impl Gateway {
    /// Loads the supergraph named by `config` and prepares the subgraph client.
    pub fn from_config(config: &GatewayConfig) -> Result<Self, StartupError> {
        let sdl = std::fs::read_to_string(&config.supergraph_path).map_err(|e| {
            StartupError::Supergraph(format!(
                "cannot read {}: {e}",
                config.supergraph_path.display()
            ))
        })?;
        let gateway = Self::from_sdl(&sdl, config)?;
        if let Some(interval) = config.supergraph_poll_interval {
            crate::pipeline::reload::watch(
                config.supergraph_path.clone(),
                interval,
                &sdl,
                config.subgraph_urls.clone(),
                Arc::downgrade(&gateway.pipeline),
            );
        }
        Ok(gateway)
    }

    pub fn from_sdl(sdl: &str, config: &GatewayConfig) -> Result<Self, StartupError> {
        let supergraph = Supergraph::from_sdl(sdl, &config.subgraph_urls)?;
        if let Some(route) = config
            .passthrough
            .iter()
            .find(|route| !supergraph.endpoints.contains_key(&route.subgraph))
        {
            return Err(StartupError::Config(format!(
                "the pass-through route {} names subgraph `{}`, which the supergraph does not have",
                route.prefix, route.subgraph
            )));
        }
        let metrics = Arc::new(Metrics::new(supergraph.endpoints.keys()));
        let persisted = match &config.persisted_queries {
            PersistedQueryMode::Off => PersistedQueries::Off,
            PersistedQueryMode::Automatic { max_bytes } => PersistedQueries::automatic(*max_bytes),
            PersistedQueryMode::AllowList { manifest } => PersistedQueries::allow_list(manifest)?,
        };
        let client = SubgraphClient::new(
            config.subgraph_timeout,
            config.subgraph_timeouts.clone(),
            config.dedupe_subgraph_requests,
            config.breaker,
        )
        .map_err(|e| StartupError::Config(format!("cannot build the HTTP client: {e}")))?;
        let pipeline = Arc::new(Pipeline::new(
            supergraph,
            config.plan_cache_size,
            client.clone(),
            Arc::new(Policy {
                introspection: config.introspection,
                limits: config.limits.clone(),
                anonymous_mutations_per_minute: config.anonymous_mutations_per_minute,
            }),
            metrics,
            persisted,
            config.coalesce_queries,
        ));
        let citizen_url = {
            let pipeline = Arc::downgrade(&pipeline);
            Arc::new(move || {
                let pipeline = pipeline.upgrade()?;
                let loaded = pipeline.current();
                loaded.supergraph.endpoints.get(CITIZEN_SUBGRAPH).cloned()
            })
        };
        Ok(Self {
            citizen: CitizenClient::new(client, citizen_url),
            pipeline,
            max_body_bytes: config.max_body_bytes,
            max_upload_bytes: config.max_upload_bytes,
            auth: None,
            metrics_access: config.metrics.clone(),
            trust_forwarded_for: config.trust_forwarded_for,
            passthrough: config.passthrough.clone().into(),
        })
    }

    /// Turns on sign-in, tokens and partner keys.
    pub fn with_auth(mut self, auth: Arc<Auth>) -> Self {
        self.auth = Some(auth);
        self
    }

    pub fn pipeline(&self) -> &Arc<Pipeline> {
        &self.pipeline
    }

    /// The HTTP client subgraphs are called with.
    pub(crate) fn http(&self) -> &reqwest::Client {
        self.pipeline.client.http()
    }

    pub(crate) fn max_body_bytes(&self) -> usize {
        self.max_body_bytes
    }

    /// Who sent a request with these headers.
    pub(crate) async fn caller(&self, headers: &HeaderMap) -> Result<Caller, RequestError> {
        let mut caller = match &self.auth {
            Some(auth) => auth.caller(headers, &self.citizen).await?,
            None => Caller {
                language: Language::of_headers(headers),
                ..Caller::default()
            },
        };
        caller.client = client_address::of(headers);
        Ok(caller)
    }
}

pub fn router(gateway: Gateway) -> Router {
    // Uploads may be larger; JSON bodies are held to their own limit in
    // `graphql_post`.
    let limit = gateway.max_body_bytes.max(gateway.max_upload_bytes);
    let trust_forwarded_for = gateway.trust_forwarded_for;
    let auth_routes = match &gateway.auth {
        Some(auth) => crate::auth::routes::router(crate::auth::routes::AuthState {
            auth: auth.clone(),
            citizen: gateway.citizen.clone(),
        }),
        None => Router::new(),
    };
    Router::new()
        .route("/", get(graphiql))
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/schema.graphql", get(api_sdl))
        .route("/metrics", get(metrics))
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .with_state(gateway.clone())
        .merge(passthrough::router(gateway))
        .merge(auth_routes)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(move |request, next| {
            client_address::stamp(trust_forwarded_for, request, next)
        }))
        .layer(congdan_common::server::catch_panics())
}

async fn graphiql() -> Html<String> {
    Html(
        async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .title("congdan")
            .finish(),
    )
}

/// Prometheus text, as the configuration allows: to anyone (development),
/// to a bearer of the metrics token, or to nobody (production without a
/// token: 404).
async fn metrics(State(gateway): State<Gateway>, headers: HeaderMap) -> Response {
    match &gateway.metrics_access {
        MetricsAccess::Public => {}
        MetricsAccess::Closed => return StatusCode::NOT_FOUND.into_response(),
        MetricsAccess::Bearer(token) => {
            let given = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or_default();
            // Digests compared, so the time taken says nothing of the token.
            if Sha256::digest(given.as_bytes()) != Sha256::digest(token.expose().as_bytes()) {
                return (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer")],
                )
                    .into_response();
            }
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        gateway.pipeline.metrics.render(),
    )
        .into_response()
}

/// The API schema as SDL (what partners build clients from), to whoever
/// may introspect: the same permission as `__schema`.
async fn api_sdl(State(gateway): State<Gateway>, headers: HeaderMap) -> Response {
    let caller = match gateway.caller(&headers).await {
        Ok(caller) => caller,
        Err(error) => {
            let language = Language::of_headers(&headers);
            return plain_error(StatusCode::UNAUTHORIZED, &error, language);
        }
    };
    if !gateway.pipeline.policy.introspection && !caller.may_introspect {
        return plain_error(
            StatusCode::FORBIDDEN,
            &RequestError::IntrospectionDisabled,
            caller.language,
        );
    }
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        gateway.pipeline.current().supergraph.api_sdl.clone(),
    )
        .into_response()
}

/// An error with its code, for the routes that are not GraphQL.
fn plain_error(status: StatusCode, error: &RequestError, language: Language) -> Response {
    (
        status,
        Json(json!({ "errors": [{
            "message": error.message(language),
            "extensions": { "code": error.code() }
        }] })),
    )
        .into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

async fn graphql_get(
    State(gateway): State<Gateway>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, axum::extract::rejection::QueryRejection>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if let Ok(upgrade) = upgrade {
        let web_site = gateway
            .auth
            .as_ref()
            .map(|auth| auth.config.web_redirect_uri.as_str());
        if !websocket::cookie_origin_allowed(&headers, web_site) {
            return plain_error(
                StatusCode::FORBIDDEN,
                &RequestError::Forbidden(
                    "a session cookie is accepted only from this site's pages".into(),
                ),
                Language::of_headers(&headers),
            );
        }
        let request_id = request_id(&headers).map(str::to_string);
        return upgrade
            .protocols([websocket::TRANSPORT_WS, websocket::LEGACY_WS])
            .on_upgrade(move |socket| websocket::serve(gateway, socket, headers, request_id))
            .into_response();
    }
    // A browser opening /graphql gets GraphiQL.
    if let Ok(Query(GetParams { query: None, .. })) = &params {
        if accepts_html(&headers) {
            return graphiql().await.into_response();
        }
    }
    let request = params
        .map_err(|_| RequestError::MalformedJson("the query string is malformed".into()))
        .and_then(|Query(params)| get_request(params));
    run(&gateway, &headers, request, Method::Get).await
}

/// The request a GET carries in its query string.
fn get_request(params: GetParams) -> Result<GraphQLRequest, RequestError> {
    let parse_json = |text: Option<String>, what: &str| -> Result<Option<Value>, RequestError> {
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| RequestError::MalformedJson(format!("`{what}` is not JSON: {e}")))
        })
        .transpose()
    };
    Ok(GraphQLRequest {
        variables: parse_json(params.variables, "variables")?,
        extensions: parse_json(params.extensions, "extensions")?,
        query: params.query,
        operation_name: params.operation_name,
        uploads: None,
    })
}

async fn graphql_post(
    State(gateway): State<Gateway>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    let body = post_body(&gateway, &headers, body);
    if let Ok(PostBody::Json(body)) = &body {
        if batch::is_batch(body) {
            return batch::respond(&gateway, &headers, body, Negotiated::from_headers(&headers))
                .await;
        }
    }
    let request = match body {
        Ok(PostBody::Json(body)) => {
            serde_json::from_slice(&body).map_err(|e| RequestError::MalformedJson(e.to_string()))
        }
        Ok(PostBody::Multipart(body)) => multipart::parse(&headers, body).await,
        Err(error) => Err(error),
    };
    run(&gateway, &headers, request, Method::Post).await
}

/// A POST body the gateway reads: JSON within its limit, or a multipart
/// (file upload) request within the upload limit.
enum PostBody {
    Json(Bytes),
    Multipart(Bytes),
}

fn post_body(
    gateway: &Gateway,
    headers: &HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<PostBody, RequestError> {
    let multipart = multipart::is_multipart(headers);
    if !is_json_body(headers) && !multipart {
        return Err(RequestError::UnsupportedMediaType);
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let limit = if multipart {
                gateway.max_upload_bytes
            } else {
                gateway.max_body_bytes
            };
            return Err(RequestError::BodyTooLarge(limit));
        }
        Err(rejection) => return Err(RequestError::MalformedJson(rejection.body_text())),
    };
    if multipart {
        return Ok(PostBody::Multipart(body));
    }
    if body.len() > gateway.max_body_bytes {
        return Err(RequestError::BodyTooLarge(gateway.max_body_bytes));
    }
    Ok(PostBody::Json(body))
}

/// The tail GET and POST share: the request each parsed (or why it could
/// not be), the caller established, the operation run and answered.
async fn run(
    gateway: &Gateway,
    headers: &HeaderMap,
    request: Result<GraphQLRequest, RequestError>,
    method: Method,
) -> Response {
    let accept = Negotiated::from_headers(headers);
    let refused = |error| {
        let language = Language::of_headers(headers);
        respond(
            gateway,
            Err(error),
            accept.graphql_response_json(),
            language,
        )
    };
    let request = match request {
        Ok(request) => request,
        Err(error) => return refused(error),
    };
    match gateway.caller(headers).await {
        Ok(caller) => answer(gateway, headers, request, method, caller, accept).await,
        Err(error) => refused(error),
    }
}

/// Runs one operation and answers in the form `Accept` prefers: JSON, or
/// an event stream when the client prefers one or the operation is a
/// subscription and the client accepts one.
async fn answer(
    gateway: &Gateway,
    headers: &HeaderMap,
    request: GraphQLRequest,
    method: Method,
    caller: Caller,
    accept: Negotiated,
) -> Response {
    let request_id = request_id(headers).map(str::to_string);
    let expires_at = caller.expires_at;
    let language = caller.language;
    let pipeline = &gateway.pipeline;
    match accept.stream {
        Stream::Preferred => {
            let result = pipeline
                .subscribe(request, method, request_id, caller)
                .await;
            sse::respond(gateway, result, expires_at, language)
        }
        Stream::Acceptable => {
            match pipeline
                .run_or_subscribe(request, method, request_id, caller)
                .await
            {
                Ok(Answer::Stream(stream)) => {
                    sse::respond(gateway, Ok(stream), expires_at, language)
                }
                Ok(Answer::Once(response)) => respond(
                    gateway,
                    Ok(response),
                    accept.graphql_response_json(),
                    language,
                ),
                Err(error) => respond(
                    gateway,
                    Err(error),
                    accept.graphql_response_json(),
                    language,
                ),
            }
        }
        Stream::Refused => {
            let result = pipeline
                .run(request, method, request_id.as_deref(), &caller)
                .await;
            respond(gateway, result, accept.graphql_response_json(), language)
        }
    }
}

fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-request-id").and_then(|v| v.to_str().ok())
}

/// POST bodies must say they are JSON (`application/json`, or the older
/// `application/graphql+json`), with any charset parameter.
fn is_json_body(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v == "application/graphql+json")
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

fn respond(
    gateway: &Gateway,
    result: Result<GraphQLResponse, RequestError>,
    wants_gql: bool,
    language: Language,
) -> Response {
    let metrics = &gateway.pipeline.metrics;
    match result {
        Ok(response) => {
            metrics.request(if response.errors.is_empty() {
                Outcome::Ok
            } else {
                Outcome::Partial
            });
            json_response(StatusCode::OK, &response, wants_gql)
        }
        Err(error) => {
            metrics.request(Outcome::Rejected);
            request_error(error, wants_gql, language)
        }
    }
}

/// The answer to a request that failed before execution: one error per
/// problem (validation finds several), each with its code, in `language`.
pub(crate) fn error_response(error: &RequestError, language: Language) -> GraphQLResponse {
    let errors = match error {
        RequestError::Validation(problems) => problems
            .iter()
            .map(|problem| {
                let message = match language {
                    Language::Vi => format!("Truy vấn không hợp lệ: {}", problem.message),
                    Language::En => problem.message.clone(),
                };
                GraphQLError::new(message, error.code()).with_locations(problem.locations.clone())
            })
            .collect(),
        _ => vec![GraphQLError::new(
            error.message(language).into_owned(),
            error.code(),
        )],
    };
    GraphQLResponse { data: None, errors }
}

fn request_error(error: RequestError, wants_gql: bool, language: Language) -> Response {
    let status = error.status(wants_gql);
    let mut response = json_response(status, &error_response(&error, language), wants_gql);
    let headers = response.headers_mut();
    match error {
        RequestError::MutationOverGet => {
            headers.insert(header::ALLOW, HeaderValue::from_static("POST"));
        }
        RequestError::Credentials(SignInError::Unauthenticated(_)) => {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        RequestError::Credentials(SignInError::RateLimited {
            retry_after_secs, ..
        }) => {
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                headers.insert(header::RETRY_AFTER, value);
            }
        }
        _ => {}
    }
    response
}

fn json_response(status: StatusCode, body: &GraphQLResponse, wants_gql: bool) -> Response {
    json_text(status, body.to_json(), wants_gql)
}

/// A JSON body with the content type the client negotiated.
fn json_text(status: StatusCode, body: String, wants_gql: bool) -> Response {
    let content_type = if wants_gql {
        "application/graphql-response+json; charset=utf-8"
    } else {
        "application/json; charset=utf-8"
    };
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}
