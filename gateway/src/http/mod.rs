//! axum routes: GraphQL over HTTP (`POST`/`GET /graphql`) with content
//! negotiation, GraphiQL at `/`, `/health`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::config::GatewayConfig;
use crate::error::GatewayError;
use crate::execute::response::{GraphQLError, GraphQLResponse};
use crate::execute::subgraph::SubgraphClient;
use crate::pipeline::{GraphQLRequest, Method, Pipeline};
use crate::plan::PlanCache;
use crate::supergraph::Supergraph;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

/// A running gateway's shared state.
#[derive(Clone)]
pub struct Gateway {
    pipeline: Arc<Pipeline>,
    max_body_bytes: usize,
}

impl Gateway {
    /// Loads the supergraph named by `config` and prepares the subgraph client.
    pub fn from_config(config: &GatewayConfig) -> Result<Self, GatewayError> {
        let sdl = std::fs::read_to_string(&config.supergraph_path).map_err(|e| {
            GatewayError::Supergraph(format!(
                "cannot read {}: {e}",
                config.supergraph_path.display()
            ))
        })?;
        Self::from_sdl(&sdl, config)
    }

    pub fn from_sdl(sdl: &str, config: &GatewayConfig) -> Result<Self, GatewayError> {
        let supergraph = Supergraph::from_sdl(sdl, &config.subgraph_urls)?;
        let client = SubgraphClient::new(config.subgraph_timeout)
            .map_err(|e| GatewayError::Supergraph(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            pipeline: Arc::new(Pipeline {
                supergraph: Arc::new(supergraph),
                plans: PlanCache::new(config.plan_cache_size),
                client,
            }),
            max_body_bytes: config.max_body_bytes,
        })
    }
}

pub fn router(gateway: Gateway) -> Router {
    let limit = gateway.max_body_bytes;
    Router::new()
        .route("/", get(graphiql))
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/health", get(|| async { Json(json!({ "status": "ok" })) }))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(gateway)
}

async fn graphiql() -> Html<String> {
    Html(
        async_graphql::http::GraphiQLSource::build()
            .endpoint("/graphql")
            .title("congdan")
            .finish(),
    )
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
) -> Response {
    let wants_gql = accepts_graphql_response_json(&headers);
    let Ok(Query(params)) = params else {
        return request_error(
            GatewayError::MalformedJson("the query string is malformed".into()),
            wants_gql,
        );
    };
    // A browser opening /graphql gets GraphiQL.
    if params.query.is_none() && accepts_html(&headers) {
        return graphiql().await.into_response();
    }
    let parse_json = |text: Option<String>, what: &str| -> Result<Option<Value>, GatewayError> {
        text.map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| GatewayError::MalformedJson(format!("`{what}` is not JSON: {e}")))
        })
        .transpose()
    };
    let request = match (
        parse_json(params.variables, "variables"),
        parse_json(params.extensions, "extensions"),
    ) {
        (Ok(variables), Ok(extensions)) => GraphQLRequest {
            query: params.query,
            operation_name: params.operation_name,
            variables,
            extensions,
        },
        (Err(e), _) | (_, Err(e)) => return request_error(e, wants_gql),
    };
    respond(gateway.pipeline.run(request, Method::Get).await, wants_gql)
}

async fn graphql_post(State(gateway): State<Gateway>, headers: HeaderMap, body: Bytes) -> Response {
    let wants_gql = accepts_graphql_response_json(&headers);
    let request: GraphQLRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return request_error(GatewayError::MalformedJson(e.to_string()), wants_gql),
    };
    respond(gateway.pipeline.run(request, Method::Post).await, wants_gql)
}

fn accepts_graphql_response_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(GRAPHQL_RESPONSE_JSON))
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

fn respond(result: Result<GraphQLResponse, GatewayError>, wants_gql: bool) -> Response {
    match result {
        Ok(response) => json_response(StatusCode::OK, &response, wants_gql),
        Err(error) => request_error(error, wants_gql),
    }
}

fn request_error(error: GatewayError, wants_gql: bool) -> Response {
    let status = error.status(wants_gql);
    let body = GraphQLResponse::request_error(GraphQLError::new(error.to_string(), error.code()));
    let mut response = json_response(status, &body, wants_gql);
    if matches!(error, GatewayError::MutationOverGet) {
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
    }
    response
}

fn json_response(status: StatusCode, body: &GraphQLResponse, wants_gql: bool) -> Response {
    let content_type = if wants_gql {
        GRAPHQL_RESPONSE_JSON
    } else {
        "application/json"
    };
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [(
                header::CONTENT_TYPE,
                format!("{content_type}; charset=utf-8"),
            )],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
