//! GraphQL requests as clients send them, one way for every test: a
//! [`Request`] made by [`crate::TestApp::graphql`], [`crate::Session::graphql`],
//! [`crate::federation::Federation::graphql`] or [`Request::to`] for any
//! endpoint, adjusted (headers, a whole body) and sent with `.await`.
//!
//! By default a request asks for `application/graphql-response+json` and
//! for messages in English (the texts tests assert).

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use serde_json::{json, Value};

/// A GraphQL request to send; `.await` sends it.
#[must_use = "a request does nothing until awaited"]
pub struct Request {
    http: reqwest::Client,
    url: String,
    headers: Vec<(String, String)>,
    body: Body,
}

enum Body {
    Json(Value),
    Raw(String),
}

impl Request {
    /// POSTs `query` with `variables` to the GraphQL endpoint at `url`.
    pub fn to(url: impl Into<String>, query: &str, variables: Value) -> Self {
        Self::with_client(reqwest::Client::new(), url, query, variables)
    }

    /// POSTs `body` as the whole JSON body (batches, extensions, persisted
    /// query hashes) to the GraphQL endpoint at `url`.
    pub fn post(url: impl Into<String>, body: Value) -> Self {
        Self::with_client(reqwest::Client::new(), url, "", Value::Null).body(body)
    }

    /// The same over `http` (its connection pool, timeouts).
    pub fn with_client(
        http: reqwest::Client,
        url: impl Into<String>,
        query: &str,
        variables: Value,
    ) -> Self {
        Self {
            http,
            url: url.into(),
            headers: vec![
                ("accept".into(), "application/graphql-response+json".into()),
                ("accept-language".into(), "en".into()),
            ],
            body: Body::Json(json!({ "query": query, "variables": variables })),
        }
    }

    /// Sets header `name` (replacing the default of that name).
    pub fn header(mut self, name: &str, value: impl AsRef<str>) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.headers
            .push((name.to_string(), value.as_ref().to_string()));
        self
    }

    /// Sends no header `name` (say, no `accept`, as some clients do).
    pub fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    /// As `session` when there is one, anonymous otherwise.
    pub fn signed_in(self, session: Option<&crate::Session>) -> Self {
        match session {
            Some(session) => self.bearer(&session.token),
            None => self,
        }
    }

    /// The caller's identity token, as the gateway sends it to a subgraph
    /// (for a subgraph called directly); anonymous with None.
    pub fn identity(self, token: Option<&str>) -> Self {
        match token {
            Some(token) => self.header(congdan_contracts::identity::IDENTITY_HEADER, token),
            None => self,
        }
    }

    /// Sends `body` as the whole JSON body instead of `{query, variables}`.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    /// Sends `body` as it is, with `content-type: application/json`
    /// (malformed bodies).
    pub fn raw_body(mut self, body: impl Into<String>) -> Self {
        self.body = Body::Raw(body.into());
        self
    }

    /// Sends it; the response as it came (streams, for SSE).
    pub async fn send(self) -> reqwest::Response {
        let mut request = self.http.post(&self.url);
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        request = match self.body {
            Body::Json(body) => request.json(&body),
            Body::Raw(body) => request
                .header("content-type", "application/json")
                .body(body),
        };
        request.send().await.expect("the endpoint answers")
    }
}

impl IntoFuture for Request {
    type Output = Response;
    type IntoFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let response = self.send().await;
            let status = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            let text = response.text().await.expect("a body");
            Response {
                status,
                content_type,
                body: serde_json::from_str(&text).unwrap_or(Value::Null),
                text,
            }
        })
    }
}

/// What came back: the status, the content type and the body (JSON, or
/// null when it is not JSON; the text either way).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
    pub text: String,
}

impl Response {
    /// The body of a 200 answer (panics with the body otherwise).
    pub fn ok(self) -> Value {
        assert_eq!(self.status, 200, "unexpected status; body: {}", self.text);
        self.body
    }

    /// The `data` of an answer without errors (panics with the body
    /// otherwise).
    pub fn data(self) -> Value {
        assert!(self.body.get("errors").is_none(), "{}", self.text);
        self.body["data"].clone()
    }

    /// Status and body.
    pub fn pair(self) -> (u16, Value) {
        (self.status, self.body)
    }
}

/// The `extensions.code` of every error in `body`.
pub fn codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default()
}
