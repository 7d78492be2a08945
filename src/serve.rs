//! The running modes: all-in-one, gateway alone, one subgraph alone; each
//! stops accepting on SIGINT/SIGTERM, finishes requests in flight and returns.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use std::sync::Arc;

use axum::Router;
use congdan_common::events::outbox::{self, Relay};
use congdan_common::events::{EventBus, InProcessBus, NatsBus};
use congdan_common::identity::IdentityVerifier;
use congdan_common::server::Deps;
use congdan_gateway::{Gateway, GatewayConfig};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::config::{GatewayOptions, ServeArgs, DEFAULT_DEV_VNEID_ISSUER};
use crate::subgraphs::SubgraphName;
use congdan_gateway::auth::Auth;

/// The supergraph composed from this build's subgraphs (kept equal to
/// `schema/supergraph.graphql` by a test).
pub const BUILT_IN_SUPERGRAPH: &str = include_str!("../schema/supergraph.graphql");

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Gateway(#[from] congdan_gateway::GatewayError),
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    PersonalDataKey(#[from] congdan_citizen::key_check::KeyCheckError),
    #[error("a server stopped with an error: {0}")]
    Server(std::io::Error),
}

/// Adds request ids (`x-request-id`, generated when absent, echoed back) and
/// a tracing span per request that carries it.
pub fn with_request_tracing(router: Router) -> Router {
    router
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!(
                    "request",
                    method = %request.method(),
                    path = %request.uri().path(),
                    request_id = %request_id,
                )
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then lets
/// requests in flight finish.
pub fn spawn_server(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> JoinHandle<Result<(), ServeError>> {
    tokio::spawn(async move {
        axum::serve(
            listener,
            with_request_tracing(router).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .map_err(ServeError::Server)
    })
}

pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

/// The gateway configuration from command-line options and URL overrides.
pub fn gateway_config(
    options: &GatewayOptions,
    subgraph_urls: HashMap<String, String>,
) -> Result<GatewayConfig, ServeError> {
    Ok(GatewayConfig {
        supergraph_path: options.supergraph_path.clone(),
        subgraph_urls,
        subgraph_timeout: options.subgraph_timeout(),
        subgraph_timeouts: SubgraphName::ALL
            .iter()
            .filter_map(|s| {
                let ms =
                    std::env::var(format!("SUBGRAPH_TIMEOUT_MS_{}", s.as_str().to_uppercase()))
                        .ok()?;
                Some(
                    ms.parse::<u64>()
                        .map(|ms| (s.as_str().to_string(), Duration::from_millis(ms))),
                )
            })
            .collect::<Result<_, _>>()
            .map_err(|e| {
                ServeError::Config(format!(
                    "SUBGRAPH_TIMEOUT_MS_<NAME> must be a number of milliseconds: {e}"
                ))
            })?,
        max_body_bytes: options.max_body_bytes,
        plan_cache_size: options.plan_cache_size,
        introspection: options.introspection(),
        limits: options.limits(),
        supergraph_poll_interval: (options.supergraph_poll_ms > 0)
            .then(|| Duration::from_millis(options.supergraph_poll_ms)),
        persisted_queries: options.persisted_queries().map_err(ServeError::Config)?,
        dedupe_subgraph_requests: options.dedupe_subgraph_requests,
        coalesce_queries: options.coalesce_queries,
        max_upload_bytes: options.max_upload_bytes,
        metrics: options.metrics_access(),
        breaker: congdan_gateway::execute::breaker::BreakerSettings {
            failures: options.subgraph_breaker_failures,
            cool_down: Duration::from_millis(options.subgraph_breaker_cooldown_ms),
        },
        anonymous_mutations_per_minute: options.anonymous_mutations_per_minute,
        trust_forwarded_for: options.trust_forwarded_for,
    })
}

/// A running all-in-one system.
pub struct System {
    pub gateway_addr: SocketAddr,
    /// The development VNeID provider, when no real issuer is configured.
    pub dev_vneid_addr: Option<SocketAddr>,
    pub subgraph_addrs: HashMap<SubgraphName, SocketAddr>,
    /// The event bus the subgraphs and the gateway share.
    pub bus: Arc<dyn EventBus>,
    gateway_shutdown: CancellationToken,
    gateway_task: JoinHandle<Result<(), ServeError>>,
    subgraphs_shutdown: CancellationToken,
    subgraph_tasks: Vec<JoinHandle<Result<(), ServeError>>>,
    relay_task: JoinHandle<()>,
    /// The citizen inbox's event consumer and feedback's maintenance job.
    background: Vec<JoinHandle<()>>,
}

impl System {
    pub fn gateway_url(&self) -> String {
        format!("http://{}/graphql", self.gateway_addr)
    }

    /// Stops the gateway first (its requests in flight still reach the
    /// subgraphs), then the subgraphs.
    pub async fn shutdown(self) -> Result<(), ServeError> {
        self.gateway_shutdown.cancel();
        let gateway = join(self.gateway_task).await;
        self.subgraphs_shutdown.cancel();
        let _ = self.relay_task.await;
        for task in self.background {
            let _ = task.await;
        }
        let mut result = gateway;
        for task in self.subgraph_tasks {
            let r = join(task).await;
            if result.is_ok() {
                result = r;
            }
        }
        result
    }
}

async fn join(task: JoinHandle<Result<(), ServeError>>) -> Result<(), ServeError> {
    match task.await {
        Ok(result) => result,
        Err(e) => Err(ServeError::Server(std::io::Error::other(e.to_string()))),
    }
}

/// Starts the six subgraphs and the gateway on `db` (already migrated).
pub async fn start_system(args: &ServeArgs, db: DatabaseConnection) -> Result<System, ServeError> {
    args.auth
        .check_provider(args.gateway.environment)
        .map_err(ServeError::Config)?;
    // The gateway's address first: subgraphs verify identities against its keys.
    let gateway_listener = bind(args.gateway_addr).await?;
    let gateway_addr = gateway_listener.local_addr().map_err(ServeError::Server)?;
    let bus = event_bus(args.event_bus_url.as_deref()).await?;
    let deps = Deps {
        db: db.clone(),
        identity: IdentityVerifier::new(format!("http://{gateway_addr}/.well-known/jwks.json")),
        secrets: Arc::new(
            args.personal_data
                .secrets(args.gateway.environment)
                .map_err(ServeError::Config)?,
        ),
        bus: bus.clone(),
    };
    check_personal_data_key(&deps).await?;
    let subgraphs_shutdown = CancellationToken::new();
    let mut subgraph_addrs = HashMap::new();
    let mut subgraph_urls = HashMap::new();
    let mut subgraph_tasks = Vec::new();
    for (i, subgraph) in SubgraphName::ALL.into_iter().enumerate() {
        let port = match args.subgraphs_base_port {
            0 => 0,
            base => base + i as u16,
        };
        let listener = bind(SocketAddr::new(args.subgraphs_host, port)).await?;
        let addr = listener.local_addr().map_err(ServeError::Server)?;
        subgraph_addrs.insert(subgraph, addr);
        subgraph_urls.insert(
            subgraph.as_str().to_string(),
            format!("http://{addr}/graphql"),
        );
        let router = match (subgraph, &args.feedback) {
            (SubgraphName::Feedback, Some(config)) => congdan_feedback::router_with(
                &deps,
                congdan_feedback::settings(&deps, (**config).clone()),
            ),
            _ => subgraph.router(&deps),
        };
        subgraph_tasks.push(spawn_server(
            listener,
            router,
            subgraphs_shutdown.child_token(),
        ));
    }
    let web_redirect_uri = args.auth.web_redirect_uri(gateway_addr);
    let dev_vneid_addr = match &args.auth.vneid_issuer {
        Some(_) => None,
        None => {
            let listener = bind(args.dev_vneid.addr).await?;
            let addr = listener.local_addr().map_err(ServeError::Server)?;
            let mut provider_config = args.dev_vneid.provider_config(format!("http://{addr}"));
            // The gateway's own callback, wherever it listens.
            for client in &mut provider_config.clients {
                if client.client_secret.is_some()
                    && !client.redirect_uris.contains(&web_redirect_uri)
                {
                    client.redirect_uris.push(web_redirect_uri.clone());
                }
            }
            let provider = congdan_dev_vneid::Provider::new(provider_config);
            subgraph_tasks.push(spawn_server(
                listener,
                congdan_dev_vneid::router(provider),
                subgraphs_shutdown.child_token(),
            ));
            Some(addr)
        }
    };
    let config = gateway_config(&args.gateway, subgraph_urls)?;
    let gateway = if config.supergraph_path.exists() {
        Gateway::from_config(&config)?
    } else {
        tracing::info!(
            path = %config.supergraph_path.display(),
            "no supergraph file there; serving the supergraph built into the binary"
        );
        Gateway::from_sdl(BUILT_IN_SUPERGRAPH, &config)?
    };
    let (issuer, default_secret) = match (&args.auth.vneid_issuer, dev_vneid_addr) {
        (Some(issuer), _) => (issuer.clone(), None),
        (None, Some(addr)) => (
            format!("http://{addr}"),
            Some(args.dev_vneid.client_secret.clone()),
        ),
        (None, None) => (DEFAULT_DEV_VNEID_ISSUER.to_string(), None),
    };
    let auth_config = args.auth.auth_config(
        issuer,
        default_secret,
        gateway_addr,
        args.gateway.environment,
    )?;
    let auth = Arc::new(Auth::new(auth_config, db.clone()).await?);
    // Sessions of deleted accounts end at once.
    auth.spawn_revocations(bus.clone(), subgraphs_shutdown.child_token());
    let gateway = gateway.with_auth(auth);
    let gateway_shutdown = CancellationToken::new();
    stop_planning_on(&gateway, gateway_shutdown.clone());
    let gateway_task = spawn_server(
        gateway_listener,
        congdan_gateway::router(gateway),
        gateway_shutdown.clone(),
    );
    let relay_task =
        Relay::new(db, bus.clone()).spawn(RELAY_INTERVAL, subgraphs_shutdown.child_token());
    let mut background = background_tasks(&deps, &SubgraphName::ALL, &subgraphs_shutdown);
    background.push(outbox::spawn_retention(
        deps.db.clone(),
        args.outbox.retention(),
        RETENTION_INTERVAL,
        subgraphs_shutdown.child_token(),
    ));
    Ok(System {
        bus,
        gateway_addr,
        dev_vneid_addr,
        subgraph_addrs,
        gateway_shutdown,
        gateway_task,
        subgraphs_shutdown,
        subgraph_tasks,
        relay_task,
        background,
    })
}

/// Plannings in progress stop when `shutdown` is cancelled, so a costly
/// operation cannot hold the gateway's shutdown up.
/// The citizen subgraph's start refuses a changed `PERSONAL_DATA_KEY`
/// (`congdan_citizen::key_check`).
pub async fn check_personal_data_key(deps: &Deps) -> Result<(), ServeError> {
    let cipher =
        congdan_common::personal_data::PersonalDataCipher::new(&deps.secrets.personal_data_key);
    congdan_citizen::key_check::verify(&deps.db, &cipher).await?;
    Ok(())
}

pub fn stop_planning_on(gateway: &congdan_gateway::Gateway, shutdown: CancellationToken) {
    let pipeline = gateway.pipeline().clone();
    tokio::spawn(async move {
        shutdown.cancelled().await;
        pipeline.stop_planning();
    });
}

/// What runs beside the subgraphs in `names`: the citizen inbox's
/// consumer of the event bus, directories' announcements of its agency
/// list, feedback's maintenance job (closing reports after their rating
/// period), its anonymisation of deleted accounts and its read model of
/// the agencies (ADR 6).
pub fn background_tasks(
    deps: &Deps,
    names: &[SubgraphName],
    shutdown: &CancellationToken,
) -> Vec<JoinHandle<()>> {
    names
        .iter()
        .flat_map(|name| match name {
            SubgraphName::Citizen => vec![congdan_citizen::spawn_consumer(
                deps,
                shutdown.child_token(),
            )],
            SubgraphName::Directories => vec![congdan_directories::spawn_announcements(
                deps,
                shutdown.child_token(),
            )],
            SubgraphName::Feedback => vec![
                congdan_feedback::spawn_maintenance(deps, shutdown.child_token()),
                congdan_feedback::spawn_account_deletions(deps, shutdown.child_token()),
                congdan_feedback::spawn_agency_lists(deps, shutdown.child_token()),
            ],
            _ => Vec::new(),
        })
        .collect()
}

/// How often the outbox retention job deletes published events past
/// `OUTBOX_RETENTION_HOURS`.
pub const RETENTION_INTERVAL: Duration = Duration::from_secs(3600);

/// How often the outbox relay looks for events to publish.
pub const RELAY_INTERVAL: Duration = Duration::from_millis(200);

/// The event bus: NATS JetStream at `url`, or in-process when there is none.
pub async fn event_bus(url: Option<&str>) -> Result<Arc<dyn EventBus>, ServeError> {
    Ok(match url {
        Some(url) => Arc::new(
            NatsBus::connect(url)
                .await
                .map_err(|e| ServeError::Config(format!("EVENT_BUS_URL: {e}")))?,
        ),
        None => Arc::new(InProcessBus::new(1024)),
    })
}

/// Resolves when the process receives SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown requested: finishing requests in flight");
}

/// Longest wait for requests in flight after a shutdown signal.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);
