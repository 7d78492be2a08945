//! Command line and environment: every setting has an environment variable
//! and a default that runs the all-in-one system with nothing configured.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use congdan_gateway::config::{MetricsAccess, PersistedQueryMode, Secret};
use congdan_gateway::plan::limits::Limits;

use crate::subgraphs::SubgraphName;

/// An SQLite file under `./data`, created if missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/congdan.db?mode=rwc";

#[derive(Debug, Parser)]
#[command(
    name = "congdan",
    version,
    about = "Digital-citizen backend: a GraphQL federation gateway and its six subgraphs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// All in one process: migrations, demo data, six subgraphs and the gateway (the default).
    Serve(ServeArgs),
    /// The gateway alone, in front of subgraphs running elsewhere.
    Gateway(GatewayArgs),
    /// One subgraph alone.
    Subgraph(SubgraphArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Apply migrations, insert the demo data (once) and exit.
    Seed,
    /// Print each subgraph's SDL and the composed supergraph under schema/.
    Compose(ComposeArgs),
    /// A development OpenID provider standing in for VNeID, with test citizens.
    DevVneid(DevVneidArgs),
}

#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Database URL: `sqlite://PATH?mode=rwc` or `postgres://USER@HOST:PORT/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
    /// PostgreSQL schema to use (default: the server's search path).
    #[arg(long, env = "DATABASE_SCHEMA", global = true)]
    pub database_schema: Option<String>,
    /// Log filter, e.g. `info` or `congdan_gateway=debug,info`.
    #[arg(long, env = "LOG_LEVEL", default_value = "info", global = true)]
    pub log_level: String,
    /// Log format: `text` for people, `json` for log collectors.
    #[arg(long, env = "LOG_FORMAT", default_value = "text", global = true)]
    pub log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Where the gateway listens.
    #[arg(long, env = "GATEWAY_ADDR", default_value = "127.0.0.1:4000")]
    pub gateway_addr: SocketAddr,
    /// Interface the six subgraphs listen on.
    #[arg(long, env = "SUBGRAPHS_HOST", default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub subgraphs_host: IpAddr,
    /// First subgraph port; the six take consecutive ports (0: any free ports).
    #[arg(long, env = "SUBGRAPHS_BASE_PORT", default_value_t = 4001)]
    pub subgraphs_base_port: u16,
    /// Skip the demo data.
    #[arg(long, env = "NO_SEED", default_value_t = false)]
    pub no_seed: bool,
    /// NATS server for the event bus (`nats://127.0.0.1:4222`); unset: in-process.
    #[arg(long, env = "EVENT_BUS_URL")]
    pub event_bus_url: Option<String>,
    #[command(flatten)]
    pub outbox: OutboxArgs,
    #[command(flatten)]
    pub auth: AuthArgs,
    #[command(flatten)]
    pub dev_vneid: DevVneidArgs,
    #[command(flatten)]
    pub gateway: GatewayOptions,
    #[command(flatten)]
    pub personal_data: PersonalDataArgs,
    /// The feedback subgraph's settings, when given here (tests do); None:
    /// it reads its own `FEEDBACK_*` variables.
    #[arg(skip)]
    pub feedback: Option<Box<congdan_feedback::FeedbackConfig>>,
}

#[derive(Debug, Clone, Args)]
pub struct GatewayArgs {
    /// Where the gateway listens.
    #[arg(long, env = "GATEWAY_ADDR", default_value = "127.0.0.1:4000")]
    pub gateway_addr: SocketAddr,
    /// Subgraph URL overrides, `name=url`, repeatable; also read from
    /// `SUBGRAPH_URL_<NAME>` variables.
    #[arg(long = "subgraph-url", value_name = "NAME=URL")]
    pub subgraph_urls: Vec<String>,
    /// NATS server of the event bus, to learn of deleted accounts (their
    /// sessions are revoked); unset: they end at their next refresh.
    #[arg(long, env = "EVENT_BUS_URL")]
    pub event_bus_url: Option<String>,
    #[command(flatten)]
    pub gateway: GatewayOptions,
    #[command(flatten)]
    pub auth: AuthArgs,
}

/// Sign-in with VNeID and the gateway's tokens.
#[derive(Clone, Args)]
pub struct AuthArgs {
    /// The VNeID issuer URL. Unset: the all-in-one mode starts the
    /// development provider; `congdan gateway` expects `congdan dev-vneid`
    /// at its default address.
    #[arg(long, env = "VNEID_ISSUER")]
    pub vneid_issuer: Option<String>,
    /// The gateway's web client id at the provider.
    #[arg(long, env = "VNEID_CLIENT_ID", default_value = "congdan-web")]
    pub vneid_client_id: String,
    /// The web client's secret (default: the development provider's).
    #[arg(long, env = "VNEID_CLIENT_SECRET", hide_env_values = true)]
    pub vneid_client_secret: Option<String>,
    /// The web client's private key for `private_key_jwt` (a PKCS#8 PEM,
    /// or the path of its file), used when the provider offers that method.
    #[arg(long, env = "VNEID_CLIENT_PRIVATE_KEY", hide_env_values = true)]
    pub vneid_client_private_key: Option<String>,
    /// Where the provider sends browsers back: this gateway's public
    /// `/auth/callback` (default: on the gateway's listen address).
    #[arg(long, env = "VNEID_REDIRECT_URI")]
    pub vneid_redirect_uri: Option<String>,
    /// Where the provider sends browsers after logging out there: this
    /// gateway's public `/auth/logged-out` (default: beside the callback).
    #[arg(long, env = "VNEID_POST_LOGOUT_REDIRECT_URI")]
    pub vneid_post_logout_redirect_uri: Option<String>,
    /// The mobile app's (public) client id.
    #[arg(long, env = "VNEID_MOBILE_CLIENT_ID", default_value = "congdan-mobile")]
    pub vneid_mobile_client_id: String,
    /// Redirect URIs the mobile app may use, comma-separated.
    #[arg(
        long,
        env = "VNEID_MOBILE_REDIRECT_URIS",
        default_value = "congdan://auth/callback",
        value_delimiter = ','
    )]
    pub vneid_mobile_redirect_uris: Vec<String>,
    /// Scopes asked for, space-separated.
    #[arg(
        long,
        env = "VNEID_SCOPES",
        default_value = "openid profile email phone"
    )]
    pub vneid_scopes: String,
    /// Lifetime of the gateway's access tokens, in seconds (at most 900).
    #[arg(long, env = "ACCESS_TOKEN_TTL_SECS", default_value_t = 900)]
    pub access_token_ttl_secs: u64,
    /// Lifetime of a refresh token (and of an unused mobile session), in seconds.
    #[arg(long, env = "REFRESH_TOKEN_TTL_SECS", default_value_t = 30 * 24 * 3600)]
    pub refresh_token_ttl_secs: u64,
    /// Lifetime of a web session cookie, in seconds.
    #[arg(long, env = "WEB_SESSION_TTL_SECS", default_value_t = 7 * 24 * 3600)]
    pub web_session_ttl_secs: u64,
    /// How often the gateway's signing key is replaced, in seconds.
    #[arg(long, env = "SIGNING_KEY_ROTATION_SECS", default_value_t = 24 * 3600)]
    pub signing_key_rotation_secs: u64,
    /// Requests per minute of a partner API key created without a limit.
    #[arg(long, env = "PARTNER_DEFAULT_RPM", default_value_t = 600)]
    pub partner_default_rpm: u32,
}

impl std::fmt::Debug for AuthArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthArgs")
            .field("vneid_issuer", &self.vneid_issuer)
            .field("vneid_client_id", &self.vneid_client_id)
            .finish_non_exhaustive()
    }
}

/// Where `congdan dev-vneid` listens by default.
pub const DEFAULT_DEV_VNEID_ISSUER: &str = "http://127.0.0.1:4010";

impl AuthArgs {
    /// The gateway's sign-in configuration. `issuer` and `default_secret`
    /// come from the development provider when no real one is configured;
    /// `gateway_addr` gives the default callback.
    pub fn auth_config(
        &self,
        issuer: String,
        default_secret: Option<String>,
        gateway_addr: SocketAddr,
        environment: Environment,
    ) -> Result<congdan_gateway::auth::AuthConfig, congdan_gateway::GatewayError> {
        use congdan_gateway::auth::client_key::ClientKey;
        use congdan_gateway::auth::oidc::OidcClient;
        let assertion_key = match &self.vneid_client_private_key {
            Some(setting) => Some(std::sync::Arc::new(ClientKey::load(setting)?)),
            None => None,
        };
        Ok(congdan_gateway::auth::AuthConfig {
            issuer,
            scopes: self
                .vneid_scopes
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            web_client: OidcClient {
                client_id: self.vneid_client_id.clone(),
                client_secret: self.vneid_client_secret.clone().or(default_secret),
                assertion_key,
            },
            web_redirect_uri: self.web_redirect_uri(gateway_addr),
            post_logout_redirect_uri: self.post_logout_redirect_uri(gateway_addr),
            mobile_client: OidcClient {
                client_id: self.vneid_mobile_client_id.clone(),
                client_secret: None,
                assertion_key: None,
            },
            mobile_redirect_uris: self.vneid_mobile_redirect_uris.clone(),
            secure_cookies: environment != Environment::Development,
            access_token_ttl: Duration::from_secs(self.access_token_ttl_secs),
            refresh_token_ttl: Duration::from_secs(self.refresh_token_ttl_secs),
            web_session_ttl: Duration::from_secs(self.web_session_ttl_secs),
            key_rotation: Duration::from_secs(self.signing_key_rotation_secs),
            default_partner_rpm: self.partner_default_rpm,
        })
    }

    /// Refuses production without a real provider: the development one
    /// signs anyone in as any test citizen (an admin among them).
    pub fn check_provider(&self, environment: Environment) -> Result<(), String> {
        match (&self.vneid_issuer, environment) {
            (None, Environment::Production) => Err(
                "ENVIRONMENT=production needs VNEID_ISSUER: without it the development \
                 provider would sign anyone in as any test citizen"
                    .into(),
            ),
            _ => Ok(()),
        }
    }

    pub fn web_redirect_uri(&self, gateway_addr: SocketAddr) -> String {
        self.vneid_redirect_uri
            .clone()
            .unwrap_or_else(|| format!("http://{gateway_addr}/auth/callback"))
    }

    /// `VNEID_POST_LOGOUT_REDIRECT_URI`, or `/auth/logged-out` where the
    /// callback is.
    pub fn post_logout_redirect_uri(&self, gateway_addr: SocketAddr) -> String {
        self.vneid_post_logout_redirect_uri
            .clone()
            .unwrap_or_else(|| {
                let callback = self.web_redirect_uri(gateway_addr);
                let base = callback
                    .strip_suffix("/auth/callback")
                    .unwrap_or(callback.trim_end_matches('/'));
                format!("{base}/auth/logged-out")
            })
    }
}

#[derive(Debug, Clone, Args)]
pub struct GatewayOptions {
    /// Supergraph SDL the gateway serves. The all-in-one mode falls back to
    /// the copy built into the binary when this file does not exist.
    #[arg(
        long = "supergraph",
        env = "SUPERGRAPH_PATH",
        default_value = "schema/supergraph.graphql"
    )]
    pub supergraph_path: PathBuf,
    /// How often to check the supergraph file for changes, in milliseconds
    /// (hot reload); 0 turns reloading off.
    #[arg(long, env = "SUPERGRAPH_POLL_MS", default_value_t = 2_000)]
    pub supergraph_poll_ms: u64,
    /// How long a subgraph request may take, in milliseconds.
    #[arg(long, env = "SUBGRAPH_TIMEOUT_MS", default_value_t = 10_000)]
    pub subgraph_timeout_ms: u64,
    /// Largest request body, in bytes.
    #[arg(long, env = "MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Largest multipart (file upload) request, in bytes.
    #[arg(long, env = "MAX_UPLOAD_BYTES", default_value_t = 30 * 1024 * 1024)]
    pub max_upload_bytes: usize,
    /// Number of query plans kept in memory.
    #[arg(long, env = "PLAN_CACHE_SIZE", default_value_t = 1024)]
    pub plan_cache_size: u64,
    /// `development` or `production`: production gets the safe defaults
    /// (introspection off for anonymous callers).
    #[arg(long, env = "ENVIRONMENT", default_value = "development")]
    pub environment: Environment,
    /// Whether anonymous callers may introspect the schema (default: on in
    /// development, off in production).
    #[arg(long, env = "INTROSPECTION", action = clap::ArgAction::Set)]
    pub introspection: Option<bool>,
    /// Persisted queries: `apq` (Apollo's automatic persisted queries),
    /// `allow-list` (only the operations of PERSISTED_QUERIES_MANIFEST run)
    /// or `off`.
    #[arg(long, env = "PERSISTED_QUERIES", default_value = "apq")]
    pub persisted_queries: PersistedQueriesArg,
    /// Manifest of registered operations for `allow-list` (Apollo's
    /// persisted query manifest, or a JSON object of sha256 → text).
    #[arg(long, env = "PERSISTED_QUERIES_MANIFEST")]
    pub persisted_queries_manifest: Option<PathBuf>,
    /// For `apq`: most bytes of operation texts remembered (the oldest
    /// unused go first).
    #[arg(long, env = "PERSISTED_QUERIES_MAX_BYTES", default_value_t = congdan_gateway::config::DEFAULT_PERSISTED_QUERIES_BYTES)]
    pub persisted_queries_max_bytes: u64,
    /// Identical subgraph queries in flight at the same moment (same
    /// subgraph, body and identity) share one request (`true`/`false`).
    #[arg(long, env = "DEDUPE_SUBGRAPH_REQUESTS", default_value_t = true, action = clap::ArgAction::Set)]
    pub dedupe_subgraph_requests: bool,
    /// Identical query operations in flight at the same moment (same
    /// operation, variables and caller; never mutations, never two
    /// citizens) share one execution and its answer (`true`/`false`).
    #[arg(long, env = "COALESCE_QUERIES", default_value_t = true, action = clap::ArgAction::Set)]
    pub coalesce_queries: bool,
    /// Largest query, in GraphQL tokens.
    #[arg(long, env = "MAX_QUERY_TOKENS", default_value_t = 10_000)]
    pub max_query_tokens: usize,
    /// Deepest selection nesting.
    #[arg(long, env = "MAX_QUERY_DEPTH", default_value_t = 12)]
    pub max_query_depth: usize,
    /// Most levels of `ofType` in an introspection query (not counted as
    /// depth).
    #[arg(long, env = "MAX_TYPE_REF_DEPTH", default_value_t = 10)]
    pub max_type_ref_depth: usize,
    /// Most aliases in one query.
    #[arg(long, env = "MAX_ALIASES", default_value_t = 30)]
    pub max_aliases: usize,
    /// Most root fields in one operation.
    #[arg(long, env = "MAX_ROOT_FIELDS", default_value_t = 20)]
    pub max_root_fields: usize,
    /// Most directives in one query.
    #[arg(long, env = "MAX_DIRECTIVES", default_value_t = 50)]
    pub max_directives: usize,
    /// Highest estimated cost (each field 1, sub-selections multiplied by
    /// `first`/`last`/`limit`).
    #[arg(long, env = "MAX_QUERY_COST", default_value_t = 50_000)]
    pub max_query_cost: u64,
    /// Bearer token that reads `/metrics`; without it `/metrics` is open in
    /// development and closed (404) in production.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,
    /// Consecutive failed calls (timeout, unreachable, 5xx) after which a
    /// subgraph is not called for SUBGRAPH_BREAKER_COOLDOWN_MS; 0 turns
    /// the circuit breaker off.
    #[arg(long, env = "SUBGRAPH_BREAKER_FAILURES", default_value_t = 5)]
    pub subgraph_breaker_failures: u32,
    /// How long an open circuit refuses calls before one probe.
    #[arg(long, env = "SUBGRAPH_BREAKER_COOLDOWN_MS", default_value_t = 5_000)]
    pub subgraph_breaker_cooldown_ms: u64,
    /// Mutations an anonymous client address may send per minute; 0 turns
    /// the limit off.
    #[arg(long, env = "ANONYMOUS_MUTATIONS_PER_MINUTE", default_value_t = 20)]
    pub anonymous_mutations_per_minute: u32,
    /// Behind a proxy that appends the client to `X-Forwarded-For`: take
    /// the client's address from its last entry (`true`/`false`).
    #[arg(long, env = "TRUST_FORWARDED_FOR", default_value_t = false, action = clap::ArgAction::Set)]
    pub trust_forwarded_for: bool,
    /// Longest planning of one operation, in milliseconds.
    #[arg(long, env = "MAX_PLAN_MS", default_value_t = 2_000)]
    pub max_plan_ms: u64,
}

impl GatewayOptions {
    pub fn subgraph_timeout(&self) -> Duration {
        Duration::from_millis(self.subgraph_timeout_ms)
    }

    /// Introspection as configured, or the environment's default.
    pub fn introspection(&self) -> bool {
        self.introspection
            .unwrap_or(self.environment == Environment::Development)
    }

    pub fn persisted_queries(&self) -> Result<PersistedQueryMode, String> {
        Ok(match self.persisted_queries {
            PersistedQueriesArg::Off => PersistedQueryMode::Off,
            PersistedQueriesArg::Apq => PersistedQueryMode::Automatic {
                max_bytes: self.persisted_queries_max_bytes,
            },
            PersistedQueriesArg::AllowList => PersistedQueryMode::AllowList {
                manifest: self.persisted_queries_manifest.clone().ok_or(
                    "PERSISTED_QUERIES=allow-list needs PERSISTED_QUERIES_MANIFEST, the file of registered operations",
                )?,
            },
        })
    }

    /// Who may read `/metrics`.
    pub fn metrics_access(&self) -> MetricsAccess {
        match (&self.metrics_token, self.environment) {
            (Some(token), _) => MetricsAccess::Bearer(token.clone()),
            (None, Environment::Development) => MetricsAccess::Public,
            (None, Environment::Production) => MetricsAccess::Closed,
        }
    }

    pub fn limits(&self) -> Limits {
        Limits {
            max_tokens: self.max_query_tokens,
            max_depth: self.max_query_depth,
            max_type_ref_depth: self.max_type_ref_depth,
            max_aliases: self.max_aliases,
            max_root_fields: self.max_root_fields,
            max_directives: self.max_directives,
            max_cost: self.max_query_cost,
            max_plan_millis: self.max_plan_ms,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PersistedQueriesArg {
    Off,
    Apq,
    AllowList,
}

#[derive(Debug, Clone, Args)]
pub struct SubgraphArgs {
    /// Which subgraph to run.
    pub name: SubgraphName,
    /// Where it listens (default: 127.0.0.1 on the subgraph's own port, 4001–4006).
    #[arg(long, env = "SUBGRAPH_ADDR")]
    pub addr: Option<SocketAddr>,
    /// NATS server for the event bus the outbox relay publishes to; unset:
    /// in-process (events reach only this process).
    #[arg(long, env = "EVENT_BUS_URL")]
    pub event_bus_url: Option<String>,
    #[command(flatten)]
    pub outbox: OutboxArgs,
    /// The gateway's public signing keys, to verify who is asking.
    #[arg(
        long,
        env = "IDENTITY_JWKS_URL",
        default_value = "http://127.0.0.1:4000/.well-known/jwks.json"
    )]
    pub identity_jwks_url: String,
    /// `development` or `production` (production requires PERSONAL_DATA_KEY).
    #[arg(long, env = "ENVIRONMENT", default_value = "development")]
    pub environment: Environment,
    #[command(flatten)]
    pub personal_data: PersonalDataArgs,
}

/// How long published events stay in the outbox.
#[derive(Debug, Clone, Args)]
pub struct OutboxArgs {
    /// Hours a published outbox event is kept before the retention job
    /// deletes it (its payload holds citizen ids and messages, kept no
    /// longer than needed). The default matches the NATS stream's 7 days.
    #[arg(long, env = "OUTBOX_RETENTION_HOURS", default_value_t = 168)]
    pub outbox_retention_hours: u32,
}

impl OutboxArgs {
    pub fn retention(&self) -> chrono::Duration {
        chrono::Duration::hours(i64::from(self.outbox_retention_hours))
    }
}

/// Secrets of personal data, shared by every subgraph process.
#[derive(Clone, Args)]
pub struct PersonalDataArgs {
    /// 32 bytes, base64: personal identification numbers are hashed with it
    /// for lookup and encrypted with it for their owner. Unset in
    /// development: a key is created once in `data/secrets/`. Required in
    /// production.
    #[arg(long, env = "PERSONAL_DATA_KEY", hide_env_values = true)]
    pub personal_data_key: Option<String>,
    /// Personal identification numbers made admins when they sign in,
    /// comma-separated (how the first admin exists).
    #[arg(
        long,
        env = "BOOTSTRAP_ADMIN_PERSONAL_IDS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub bootstrap_admin_personal_ids: Vec<String>,
}

impl std::fmt::Debug for PersonalDataArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PersonalDataArgs").finish_non_exhaustive()
    }
}

/// Where the development key is kept when PERSONAL_DATA_KEY is unset.
pub const DEV_PERSONAL_DATA_KEY_FILE: &str = "data/secrets/personal-data.key";

impl PersonalDataArgs {
    pub fn secrets(
        &self,
        environment: Environment,
    ) -> Result<congdan_common::server::Secrets, String> {
        use base64::Engine;
        let decode = |text: &str| -> Result<[u8; 32], String> {
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or_else(|| "PERSONAL_DATA_KEY must be 32 bytes in base64".to_string())
        };
        let key = match (&self.personal_data_key, environment) {
            (Some(text), _) => decode(text)?,
            (None, Environment::Production) => {
                return Err("PERSONAL_DATA_KEY is required in production".into())
            }
            (None, Environment::Development) => {
                let path = std::path::Path::new(DEV_PERSONAL_DATA_KEY_FILE);
                match std::fs::read_to_string(path) {
                    Ok(text) => decode(&text)?,
                    Err(_) => {
                        let key: [u8; 32] = rand::random();
                        write_secret_file(
                            path,
                            &base64::engine::general_purpose::STANDARD.encode(key),
                        )
                        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                        key
                    }
                }
            }
        };
        Ok(congdan_common::server::Secrets {
            personal_data_key: key,
            bootstrap_admins: self
                .bootstrap_admin_personal_ids
                .iter()
                .map(|id| id.trim().to_string())
                .filter(|id| !id.is_empty())
                .collect(),
        })
    }
}

fn write_secret_file(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, content.as_bytes())
}

#[derive(Debug, Clone, Args)]
pub struct DevVneidArgs {
    /// Where the development VNeID provider listens.
    #[arg(
        long = "dev-vneid-addr",
        env = "DEV_VNEID_ADDR",
        default_value = "127.0.0.1:4010"
    )]
    pub addr: SocketAddr,
    /// Secret of its confidential web client `congdan-web`.
    #[arg(
        long = "dev-vneid-client-secret",
        env = "DEV_VNEID_CLIENT_SECRET",
        default_value = DevVneidArgs::default_client_secret()
    )]
    pub client_secret: String,
    /// Redirect URIs of the web client, comma-separated.
    #[arg(
        long = "dev-vneid-redirect-uris",
        env = "DEV_VNEID_REDIRECT_URIS",
        default_value = "http://127.0.0.1:4000/auth/callback",
        value_delimiter = ','
    )]
    pub redirect_uris: Vec<String>,
}

impl DevVneidArgs {
    /// The web client's secret when DEV_VNEID_CLIENT_SECRET is not set.
    pub fn default_client_secret() -> &'static str {
        "congdan-dev-secret"
    }

    /// The provider's configuration when it is reached at `issuer`: the web
    /// client `congdan-web` (with a secret) and the public mobile client
    /// `congdan-mobile` (PKCE alone, redirect `congdan://auth/callback`).
    pub fn provider_config(&self, issuer: String) -> congdan_dev_vneid::ProviderConfig {
        congdan_dev_vneid::ProviderConfig {
            issuer,
            clients: vec![
                congdan_dev_vneid::RegisteredClient {
                    client_id: "congdan-web".into(),
                    client_secret: Some(self.client_secret.clone()),
                    redirect_uris: self.redirect_uris.clone(),
                    jwks: None,
                },
                congdan_dev_vneid::RegisteredClient {
                    client_id: "congdan-mobile".into(),
                    client_secret: None,
                    redirect_uris: vec!["congdan://auth/callback".into()],
                    jwks: None,
                },
            ],
            token_lifetime_secs: 300,
            options: Default::default(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ComposeArgs {
    /// Folder to write `subgraphs/<name>.graphql` and `supergraph.graphql` into.
    #[arg(long, default_value = "schema")]
    pub out: PathBuf,
}

impl ServeArgs {
    /// The serve arguments from environment and defaults alone, for
    /// `congdan` run with no subcommand.
    pub fn from_env() -> Self {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            args: ServeArgs,
        }
        Only::parse_from(["congdan"]).args
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway_options(args: &[&str]) -> GatewayOptions {
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            options: GatewayOptions,
        }
        let argv = std::iter::once("congdan").chain(args.iter().copied());
        Only::try_parse_from(argv).unwrap().options
    }

    #[test]
    fn production_turns_introspection_off_unless_asked() {
        assert!(gateway_options(&["--environment", "development"]).introspection());
        assert!(!gateway_options(&["--environment", "production"]).introspection());
        assert!(
            gateway_options(&["--environment", "production", "--introspection", "true"])
                .introspection()
        );
        assert!(!gateway_options(&["--introspection", "false"]).introspection());
    }

    #[test]
    fn production_closes_metrics_unless_a_token_is_set() {
        use congdan_gateway::config::MetricsAccess;
        assert_eq!(
            gateway_options(&["--environment", "development"]).metrics_access(),
            MetricsAccess::Public
        );
        assert_eq!(
            gateway_options(&["--environment", "production"]).metrics_access(),
            MetricsAccess::Closed
        );
        let tokened = gateway_options(&["--environment", "production", "--metrics-token", "t"]);
        assert!(matches!(tokened.metrics_access(), MetricsAccess::Bearer(t) if t.expose() == "t"));
        assert!(!format!("{tokened:?}").contains("\"t\""), "{tokened:?}");
    }
}
