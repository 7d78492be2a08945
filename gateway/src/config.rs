//! The gateway's typed configuration, read once at start.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// Path of the supergraph SDL to serve.
    pub supergraph_path: PathBuf,
    /// Subgraph URLs that replace the ones in the supergraph's `join__graph`,
    /// by subgraph name.
    pub subgraph_urls: HashMap<String, String>,
    /// How long one subgraph request may take.
    pub subgraph_timeout: Duration,
    /// Timeouts for particular subgraphs, by name.
    pub subgraph_timeouts: HashMap<String, Duration>,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Number of query plans kept in the plan cache.
    pub plan_cache_size: u64,
    /// Whether anonymous callers may introspect the API schema (on in
    /// development, off in production).
    pub introspection: bool,
    pub limits: crate::plan::limits::Limits,
    /// How often the supergraph file is checked for changes (hot reload);
    /// None turns reloading off.
    pub supergraph_poll_interval: Option<Duration>,
    pub persisted_queries: PersistedQueryMode,
    /// Identical subgraph queries in flight at once share one request.
    pub dedupe_subgraph_requests: bool,
    /// Identical query operations in flight at once (same operation,
    /// variables and caller) share one execution and its answer.
    pub coalesce_queries: bool,
    /// Largest multipart (file upload) request body, in bytes.
    pub max_upload_bytes: usize,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
    /// When a failing subgraph's circuit opens, and for how long.
    pub breaker: crate::execute::breaker::BreakerSettings,
    /// Mutations an anonymous client address may send per minute (0: no
    /// limit).
    pub anonymous_mutations_per_minute: u32,
    /// Whether the client's address is the last `X-Forwarded-For` entry.
    pub trust_forwarded_for: bool,
    /// Plain HTTP routes subgraphs serve beside GraphQL, reached through
    /// the gateway's address (none by default; the `congdan` binary
    /// configures feedback's).
    pub passthrough: Vec<PassthroughRoute>,
}

/// A path prefix whose requests go to a subgraph as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassthroughRoute {
    /// Starts and ends with `/` (`/open311/v2/`).
    pub prefix: String,
    /// The subgraph, by its name in the supergraph.
    pub subgraph: String,
}

impl std::str::FromStr for PassthroughRoute {
    type Err = String;

    /// `PREFIX=SUBGRAPH`, e.g. `/open311/v2/=feedback`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (prefix, subgraph) = text
            .split_once('=')
            .ok_or_else(|| format!("`{text}` is not PREFIX=SUBGRAPH"))?;
        let (prefix, subgraph) = (prefix.trim(), subgraph.trim());
        let segments_ok = prefix.trim_matches('/').split('/').all(|s| {
            !s.is_empty() && s != "." && s != ".." && !s.contains(['%', '\\', '{', '}', '*'])
        });
        if prefix.len() < 2 || !prefix.starts_with('/') || !prefix.ends_with('/') || !segments_ok {
            return Err(format!(
                "the prefix `{prefix}` must be a plain path that starts and ends with `/`"
            ));
        }
        if subgraph.is_empty() {
            return Err(format!("`{text}` names no subgraph"));
        }
        Ok(Self {
            prefix: prefix.to_string(),
            subgraph: subgraph.to_string(),
        })
    }
}

/// Who may read `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Anyone (development).
    Public,
    /// Whoever sends `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// Nobody: `/metrics` answers 404 (production without a token).
    Closed,
}

/// A secret setting: its value is never printed (`Debug` and `Display`
/// show a placeholder), only read where it is used.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Self(value.to_string()))
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("…")
    }
}

/// How persisted queries are handled.
/// What the automatic persisted query store holds by default: 16 MiB.
pub const DEFAULT_PERSISTED_QUERIES_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PersistedQueryMode {
    Off,
    /// Apollo's automatic persisted queries, remembering at most this many
    /// bytes of texts.
    Automatic {
        max_bytes: u64,
    },
    /// Only the operations of this manifest run.
    AllowList {
        manifest: PathBuf,
    },
}

impl Default for GatewayConfig {
    fn default() -> Self {
        Self {
            supergraph_path: PathBuf::from("schema/supergraph.graphql"),
            subgraph_urls: HashMap::new(),
            subgraph_timeout: Duration::from_secs(10),
            subgraph_timeouts: HashMap::new(),
            max_body_bytes: 1024 * 1024,
            plan_cache_size: 1024,
            introspection: true,
            limits: Default::default(),
            supergraph_poll_interval: Some(Duration::from_secs(2)),
            metrics: MetricsAccess::Public,
            breaker: Default::default(),
            anonymous_mutations_per_minute: 20,
            trust_forwarded_for: false,
            persisted_queries: PersistedQueryMode::Automatic {
                max_bytes: DEFAULT_PERSISTED_QUERIES_BYTES,
            },
            dedupe_subgraph_requests: true,
            coalesce_queries: true,
            max_upload_bytes: 30 * 1024 * 1024,
            passthrough: Vec::new(),
        }
    }
}
