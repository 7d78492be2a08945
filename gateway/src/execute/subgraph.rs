//! Calling one subgraph over HTTP: pooled keep-alive connections, a timeout
//! per request, and every way a subgraph can fail turned into one error.

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Map, Value};

/// Why a subgraph gave no usable answer. The details are logged; clients see
/// only that the subgraph is unavailable.
#[derive(Debug, thiserror::Error)]
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
}

/// What a subgraph answered.
#[derive(Debug, Deserialize)]
pub struct SubgraphResponse {
    #[serde(default)]
    pub data: Option<Value>,
    #[serde(default)]
    pub errors: Vec<SubgraphErrorEntry>,
}

/// One entry of a subgraph's `errors`.
#[derive(Debug, Deserialize)]
pub struct SubgraphErrorEntry {
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub path: Option<Vec<Value>>,
    #[serde(default)]
    pub extensions: Option<Map<String, Value>>,
}

#[derive(Clone)]
pub struct SubgraphClient {
    http: reqwest::Client,
    timeout: Duration,
    timeouts: HashMap<String, Duration>,
}

impl SubgraphClient {
    /// `timeout` applies to every subgraph but those named in `timeouts`.
    pub fn new(
        timeout: Duration,
        timeouts: HashMap<String, Duration>,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            http,
            timeout,
            timeouts,
        })
    }

    /// POSTs `{query, variables}` to subgraph `name` at `url`, passing the
    /// client request's id and the caller's identity token on.
    pub async fn call(
        &self,
        name: &str,
        url: &str,
        query: &str,
        variables: Map<String, Value>,
        request_id: Option<&str>,
        identity_token: Option<&str>,
    ) -> Result<SubgraphResponse, SubgraphError> {
        let timeout = self.timeouts.get(name).copied().unwrap_or(self.timeout);
        let mut body = Map::new();
        body.insert("query".into(), Value::String(query.to_string()));
        if !variables.is_empty() {
            body.insert("variables".into(), Value::Object(variables));
        }
        let mut request = self
            .http
            .post(url)
            .header(
                "accept",
                "application/graphql-response+json, application/json",
            )
            .json(&body);
        if let Some(id) = request_id {
            request = request.header("x-request-id", id);
        }
        if let Some(token) = identity_token {
            request = request.header(congdan_common::identity::IDENTITY_HEADER, token);
        }
        let request = request.send();
        let response = tokio::time::timeout(timeout, async {
            let response = request
                .await
                .map_err(|e| SubgraphError::Unreachable(e.to_string()))?;
            let status = response.status();
            let bytes = response
                .bytes()
                .await
                .map_err(|e| SubgraphError::Unreachable(e.to_string()))?;
            Ok::<_, SubgraphError>((status, bytes))
        })
        .await
        .map_err(|_| SubgraphError::Timeout(timeout))??;
        let (status, bytes) = response;
        if !status.is_success() {
            return Err(SubgraphError::Status(status.as_u16()));
        }
        serde_json::from_slice(&bytes).map_err(|e| SubgraphError::InvalidResponse(e.to_string()))
    }
}
