//! How the gateway reaches a subgraph: queries and mutations over HTTP
//! ([`http`]), subscriptions over a WebSocket ([`websocket`]); both answer
//! with a [`SubgraphResponse`] or fail with a [`SubgraphError`].

pub mod http;
pub mod websocket;

use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

pub use self::http::SubgraphClient;

/// Why a subgraph gave no usable answer. The details are logged; clients see
/// only that the subgraph is unavailable.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SubgraphError {
    #[error("no URL is known for subgraph `{0}`")]
    UnknownSubgraph(String),
    #[error("the subgraph did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the subgraph could not be reached: {0}")]
    Unreachable(String),
    #[error("the subgraph answered with HTTP status {0}")]
    Status(u16),
    #[error("the subgraph's answer is not a GraphQL response: {0}")]
    InvalidResponse(String),
    #[error("the subgraph failed repeatedly; calls are paused for a moment")]
    CircuitOpen,
}

/// What a subgraph answered.
#[derive(Debug, Clone, Deserialize)]
pub struct SubgraphResponse {
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub errors: Vec<SubgraphErrorEntry>,
}

/// One entry of a subgraph's `errors`.
#[derive(Debug, Clone, Deserialize)]
pub struct SubgraphErrorEntry {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub path: Option<Vec<Value>>,
    #[serde(default)]
    pub extensions: Option<Map<String, Value>>,
}
