//! Calling one subgraph over HTTP: pooled keep-alive connections, a timeout
//! per request, and every way a subgraph can fail turned into one error.

use congdan_common::language::Language;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use sha2::{Digest, Sha256};

use serde_json::{Map, Value};

use super::{SubgraphError, SubgraphResponse};
use crate::execute::breaker::{BreakerSettings, Breakers};
use crate::execute::single_flight::SingleFlight;
use crate::execute::uploads::FileAndPaths;

const JSON: &str = "application/json";

/// Subgraph requests in flight, by subgraph, identity and body.
type InFlight = Arc<SingleFlight<Result<Arc<SubgraphResponse>, SubgraphError>>>;

#[derive(Clone)]
pub struct SubgraphClient {
    http: reqwest::Client,
    timeout: Duration,
    /// Shared: a deduplicated request's work holds a clone of the client.
    timeouts: Arc<HashMap<String, Duration>>,
    /// None when deduplication is off.
    inflight: Option<InFlight>,
    breakers: Arc<Breakers>,
}

impl SubgraphClient {
    /// `timeout` applies to every subgraph but those named in `timeouts`.
    pub fn new(
        timeout: Duration,
        timeouts: HashMap<String, Duration>,
        dedupe: bool,
        breaker: BreakerSettings,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            http,
            timeout,
            timeouts: Arc::new(timeouts),
            inflight: dedupe.then(Default::default),
            breakers: Arc::new(Breakers::new(breaker)),
        })
    }

    /// The pooled HTTP client (for pass-through routes).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// POSTs `{query, variables}` to subgraph `name` at `url`, passing the
    /// client request's id, the caller's identity token and language on.
    /// With `dedupe` (queries only), identical requests in flight at once
    /// (same subgraph, body, identity and language) share one subgraph
    /// request, and its answer: it is not copied for each of them.
    #[allow(clippy::too_many_arguments)]
    pub async fn call(
        &self,
        name: &str,
        url: &str,
        query: &str,
        variables: Map<String, Value>,
        request_id: Option<&str>,
        identity_token: Option<&str>,
        language: Language,
        dedupe: bool,
    ) -> Result<Arc<SubgraphResponse>, SubgraphError> {
        let mut body = Map::new();
        body.insert("query".into(), Value::String(query.to_string()));
        if !variables.is_empty() {
            body.insert("variables".into(), Value::Object(variables));
        }
        let body = Bytes::from(
            serde_json::to_vec(&body).map_err(|e| SubgraphError::InvalidResponse(e.to_string()))?,
        );
        let Some(inflight) = self.inflight.as_ref().filter(|_| dedupe) else {
            return self
                .send(name, url, body, JSON, request_id, identity_token, language)
                .await
                .map(Arc::new);
        };
        let mut hasher = Sha256::new();
        for part in [
            url.as_bytes(),
            identity_token.unwrap_or_default().as_bytes(),
            language.code().as_bytes(),
            &body,
        ] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        let key: [u8; 32] = hasher.finalize().into();
        let client = self.clone();
        let (name, url) = (name.to_string(), url.to_string());
        let (request_id, token) = (
            request_id.map(str::to_string),
            identity_token.map(str::to_string),
        );
        let work = async move {
            client
                .send(
                    &name,
                    &url,
                    body,
                    JSON,
                    request_id.as_deref(),
                    token.as_deref(),
                    language,
                )
                .await
                .map(Arc::new)
        };
        inflight.run(key, work).await.0
    }

    /// A request whose variables carry files, as a multipart request.
    #[allow(clippy::too_many_arguments)]
    pub async fn call_multipart(
        &self,
        name: &str,
        url: &str,
        query: &str,
        variables: &Map<String, Value>,
        files: &[FileAndPaths],
        request_id: Option<&str>,
        identity_token: Option<&str>,
        language: Language,
    ) -> Result<SubgraphResponse, SubgraphError> {
        let (boundary, body) = crate::execute::uploads::encode(query, variables, files);
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.send(
            name,
            url,
            Bytes::from(body),
            &content_type,
            request_id,
            identity_token,
            language,
        )
        .await
    }

    /// One HTTP call, through the subgraph's circuit breaker.
    #[allow(clippy::too_many_arguments)]
    async fn send(
        &self,
        name: &str,
        url: &str,
        body: Bytes,
        content_type: &str,
        request_id: Option<&str>,
        identity_token: Option<&str>,
        language: Language,
    ) -> Result<SubgraphResponse, SubgraphError> {
        if !self.breakers.admit(name) {
            return Err(SubgraphError::CircuitOpen);
        }
        let result = self
            .send_now(
                name,
                url,
                body,
                content_type,
                request_id,
                identity_token,
                language,
            )
            .await;
        let failed = matches!(
            &result,
            Err(SubgraphError::Timeout(_) | SubgraphError::Unreachable(_))
        ) || matches!(&result, Err(SubgraphError::Status(status)) if *status >= 500);
        self.breakers.record(name, !failed);
        result
    }

    #[allow(clippy::too_many_arguments)]
    async fn send_now(
        &self,
        name: &str,
        url: &str,
        body: Bytes,
        content_type: &str,
        request_id: Option<&str>,
        identity_token: Option<&str>,
        language: Language,
    ) -> Result<SubgraphResponse, SubgraphError> {
        let timeout = self.timeouts.get(name).copied().unwrap_or(self.timeout);
        let mut request = self
            .http
            .post(url)
            .header(
                "accept",
                "application/graphql-response+json, application/json",
            )
            .header("content-type", content_type)
            .header("accept-language", language.code())
            .body(body);
        if let Some(id) = request_id {
            request = request.header("x-request-id", id);
        }
        if let Some(token) = identity_token {
            request = request.header(congdan_contracts::identity::IDENTITY_HEADER, token);
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
