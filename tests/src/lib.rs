//! One way to start the real thing for a test: [`TestApp::spawn`] migrates a
//! fresh database, loads the demo data, starts the six subgraphs and the
//! gateway on free loopback ports, and talks HTTP to them.
//!
//! Tests that need PostgreSQL get their own schema in database `test` on
//! 127.0.0.1:5432; when the server is missing they are skipped, except under
//! `CI=true`, where they fail.

pub mod events;
pub mod federation;
pub mod graphql;
pub mod logs;
mod session;
pub mod sign_in;
pub mod subscriptions;

pub use graphql::{Request, Response};
pub use session::{claims_of, Session};

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use base64::Engine as _;
use congdan::config::{AuthArgs, DevVneidArgs, GatewayOptions, PersonalDataArgs, ServeArgs};
use congdan::serve::System;
use congdan::subgraphs::SubgraphName;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::Value;

pub const POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A database only this test uses.
pub struct TestDatabase {
    pub db: DatabaseConnection,
    pub url: String,
    pub schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDatabase {
    /// A new SQLite file in a temporary folder.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}/congdan.db?mode=rwc", dir.path().display());
        let db = congdan::db::connect(&url, None).await.expect("open SQLite");
        Self {
            db,
            url,
            schema: None,
            _dir: Some(dir),
        }
    }

    /// A new schema in PostgreSQL's `test` database; None (test skipped)
    /// when PostgreSQL is not running, a panic when `CI=true`.
    pub async fn postgres() -> Option<Self> {
        let admin = match congdan::db::connect(POSTGRES_URL, None).await {
            Ok(db) => db,
            Err(error) => {
                require_service_in_ci("PostgreSQL", &error.to_string());
                return None;
            }
        };
        let schema = format!("congdan_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE SCHEMA \"{schema}\""))
            .await
            .expect("create test schema");
        let db = congdan::db::connect(POSTGRES_URL, Some(&schema))
            .await
            .expect("connect to the test schema");
        Some(Self {
            db,
            url: POSTGRES_URL.to_string(),
            schema: Some(schema),
            _dir: None,
        })
    }

    /// Drops the PostgreSQL schema (SQLite files go with their folder).
    pub async fn drop(self) {
        if let Some(schema) = &self.schema {
            let _ = self
                .db
                .execute_unprepared(&format!("DROP SCHEMA \"{schema}\" CASCADE"))
                .await;
        }
    }
}

/// Skips a test whose server is missing, or fails it under `CI=true`.
pub fn require_service_in_ci(service: &str, error: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{service} is required when CI=true, and it is not reachable: {error}");
    }
    eprintln!("skipping: {service} is not reachable ({error})");
}

/// The running system and an HTTP client for it.
pub struct TestApp {
    pub system: System,
    pub database: TestDatabase,
    pub http: reqwest::Client,
}

impl TestApp {
    /// The whole system on a fresh SQLite database with the demo data.
    pub async fn spawn() -> Self {
        Self::spawn_on(TestDatabase::sqlite().await).await
    }

    pub async fn spawn_on(database: TestDatabase) -> Self {
        Self::spawn_with(database, serve_args()).await
    }

    /// The whole system with these settings.
    pub async fn spawn_with(database: TestDatabase, args: ServeArgs) -> Self {
        congdan::db::migrate(&database.db)
            .await
            .expect("migrations");
        congdan::seed::demo(&database.db).await.expect("demo data");
        let system = congdan::serve::start_system(&args, database.db.clone())
            .await
            .expect("start the system");
        // Ready when feedback has the directory's agencies (ADR 6): they
        // arrive by event, a moment after the start.
        let db = database.db.clone();
        eventually("feedback's read model of the agencies", || {
            let db = db.clone();
            async move {
                use sea_orm::PaginatorTrait;
                entity::feedback::agency::Entity::find()
                    .count(&db)
                    .await
                    .is_ok_and(|n| n > 0)
            }
        })
        .await;
        Self {
            system,
            database,
            http: reqwest::Client::new(),
        }
    }

    pub fn gateway_url(&self) -> String {
        self.system.gateway_url()
    }

    pub fn subgraph_url(&self, subgraph: SubgraphName) -> String {
        format!("http://{}", self.system.subgraph_addrs[&subgraph])
    }

    /// A GraphQL request to the gateway, anonymous (see [`Request`]).
    pub fn graphql(&self, query: &str, variables: Value) -> Request {
        Request::with_client(self.http.clone(), self.gateway_url(), query, variables)
    }

    pub async fn stop(self) {
        self.system.shutdown().await.expect("clean shutdown");
        self.database.drop().await;
    }
}

/// All-in-one settings for tests: every port chosen by the OS, the
/// supergraph built into the binary.
pub fn serve_args() -> ServeArgs {
    let defaults = ServeArgs::from_env();
    ServeArgs {
        gateway_addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
        subgraphs_host: IpAddr::V4(Ipv4Addr::LOCALHOST),
        subgraphs_base_port: 0,
        no_seed: false,
        event_bus_url: None,
        outbox: defaults.outbox,
        auth: AuthArgs {
            vneid_issuer: None,
            ..defaults.auth
        },
        dev_vneid: DevVneidArgs {
            addr: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            ..defaults.dev_vneid
        },
        gateway: GatewayOptions {
            supergraph_path: PathBuf::from("/nonexistent/use-the-built-in-supergraph"),
            ..defaults.gateway
        },
        personal_data: PersonalDataArgs {
            personal_data_key: Some(
                base64::engine::general_purpose::STANDARD
                    .encode(rand::random::<[u8; 32]>())
                    .into(),
            ),
            bootstrap_admin_personal_ids: vec![BOOTSTRAP_ADMIN_PERSONAL_ID.to_string()],
        },
        feedback: defaults.feedback,
    }
}

/// The test citizen made admin at sign-in (Phạm Ngọc Dung at the
/// development provider).
pub const BOOTSTRAP_ADMIN_PERSONAL_ID: &str = "074301005555";

/// A second gateway in front of a running system's subgraphs, with its own
/// configuration (the subgraph URLs default to the system's).
pub struct ExtraGateway {
    pub url: String,
    shutdown: tokio_util::sync::CancellationToken,
    task: tokio::task::JoinHandle<Result<(), congdan::serve::ServeError>>,
}

impl ExtraGateway {
    pub async fn start(system: &System, config: congdan_gateway::GatewayConfig) -> Self {
        let mut config = config;
        for (name, url) in subgraph_urls(system) {
            config.subgraph_urls.entry(name).or_insert(url);
        }
        let gateway =
            congdan_gateway::Gateway::from_sdl(congdan::serve::BUILT_IN_SUPERGRAPH, &config)
                .expect("the gateway loads");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/graphql", listener.local_addr().unwrap());
        let shutdown = tokio_util::sync::CancellationToken::new();
        let task = congdan::serve::spawn_server(
            listener,
            congdan_gateway::router(gateway),
            shutdown.clone(),
        );
        Self {
            url,
            shutdown,
            task,
        }
    }

    pub async fn stop(self) {
        self.shutdown.cancel();
        self.task.await.unwrap().unwrap();
    }
}

/// Subgraph URL overrides pointing at a running system's subgraphs.
pub fn subgraph_urls(system: &System) -> HashMap<String, String> {
    system
        .subgraph_addrs
        .iter()
        .map(|(name, addr)| (name.as_str().to_string(), format!("http://{addr}/graphql")))
        .collect()
}

/// Waits until `check` holds: checks now, then again each time the event
/// machinery moves (the relay publishes, a consumer subscribes or handles
/// an event; [`congdan_contracts::bus::progress`]), for at most 30 s (a
/// bound for a loaded machine, not a timing expectation).
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let mut progress = congdan_contracts::bus::progress::watch();
    let waited = tokio::time::timeout(std::time::Duration::from_secs(30), async {
        loop {
            progress.borrow_and_update();
            if check().await {
                return;
            }
            if progress.changed().await.is_err() {
                // The count lives as long as the process: never here.
                std::future::pending::<()>().await;
            }
        }
    })
    .await;
    assert!(waited.is_ok(), "timed out waiting for {what}");
}
