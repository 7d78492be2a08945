use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{anyhow, Context};
use clap::Parser;
use congdan::config::{
    Cli, Command, CommonArgs, DevVneidArgs, GatewayArgs, LogFormat, ServeArgs, SubgraphArgs,
    DEFAULT_DEV_VNEID_ISSUER,
};
use congdan::serve::{self, DRAIN_TIMEOUT};
use congdan::subgraphs::SubgraphName;
use congdan::{compose, db, seed, telemetry};
use congdan_common::outbox::Relay;
use congdan_common::server::Deps;
use congdan_contracts::identity::IdentityVerifier;
use congdan_gateway::config::Secret;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.common.log_format;
    telemetry::init(&cli.common.log_level, format);
    congdan_common::server::log_panics();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // People read stderr; log collectors read the JSON log.
            match format {
                LogFormat::Text => eprintln!("congdan: {error:#}"),
                LogFormat::Json => tracing::error!("{error:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let common = cli.common;
    match cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeArgs::from_env()))
    {
        Command::Serve(args) => serve_all(&common, args).await,
        Command::Gateway(args) => serve_gateway(&common, args).await,
        Command::Subgraph(args) => serve_subgraph(&common, args).await,
        Command::Migrate => {
            let db = connect(&common).await?;
            db::migrate(&db).await.context("migrating the database")?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed => {
            let db = connect(&common).await?;
            db::migrate(&db).await.context("migrating the database")?;
            let applied = seed::demo(&db).await.context("inserting demo data")?;
            if applied.is_empty() {
                println!("demo data already present; nothing inserted");
            } else {
                println!("demo data inserted: {}", applied.join(", "));
            }
            Ok(())
        }
        Command::DevVneid(args) => {
            let listener = serve::bind(args.addr).await?;
            let issuer = format!("http://{}", listener.local_addr()?);
            let provider = congdan_dev_vneid::Provider::new(args.provider_config(issuer));
            run_until_signal(listener, congdan_dev_vneid::router(provider), "dev-vneid").await
        }
        Command::Compose(args) => {
            let written = compose::write_schema_files(&args.out)?;
            for path in written {
                println!("wrote {path}");
            }
            Ok(())
        }
    }
}

async fn connect(common: &CommonArgs) -> anyhow::Result<sea_orm::DatabaseConnection> {
    db::connect(&common.database_url, common.database_schema.as_deref())
        .await
        .context("connecting to the database (DATABASE_URL)")
}

async fn serve_all(common: &CommonArgs, args: ServeArgs) -> anyhow::Result<()> {
    let db = connect(common).await?;
    db::migrate(&db).await.context("migrating the database")?;
    if !args.no_seed {
        seed::demo(&db).await.context("inserting demo data")?;
    }
    let system = serve::start_system(&args, db).await?;
    let url = format!("http://{}", system.gateway_addr);
    tracing::info!(gateway = %url, "congdan is running");
    println!("congdan is running.");
    println!("  GraphiQL (browser): {url}/");
    println!("  GraphQL (clients):  {url}/graphql");
    if let Some(addr) = system.dev_vneid_addr {
        println!("  VNeID (development provider, test citizens): http://{addr}/.well-known/openid-configuration");
    }
    println!("Press Ctrl-C to stop.");
    serve::shutdown_signal().await;
    tokio::time::timeout(DRAIN_TIMEOUT, system.shutdown())
        .await
        .map_err(|_| anyhow!("requests still in flight after {DRAIN_TIMEOUT:?}"))??;
    tracing::info!("stopped");
    Ok(())
}

async fn serve_gateway(common: &CommonArgs, args: GatewayArgs) -> anyhow::Result<()> {
    let urls = args.subgraph_urls();
    args.auth
        .check_provider(args.gateway.environment)
        .map_err(|e| anyhow!(e))?;
    let config = serve::gateway_config(&args.gateway, urls)?;
    let db = connect(common).await?;
    // Its sessions, keys and partner keys live in the database: a new one
    // gets its tables here (applied migrations are skipped).
    db::migrate(&db).await.context("migrating the database")?;
    let listener = serve::bind(args.gateway_addr).await?;
    let issuer = args
        .auth
        .vneid_issuer
        .clone()
        .unwrap_or_else(|| DEFAULT_DEV_VNEID_ISSUER.to_string());
    let dev_secret = args
        .auth
        .vneid_issuer
        .is_none()
        .then(|| Secret::new(DevVneidArgs::default_client_secret().to_string()));
    let auth = congdan_gateway::auth::Auth::new(
        args.auth.auth_config(
            issuer,
            dev_secret,
            listener.local_addr()?,
            args.gateway.environment,
        )?,
        db,
    )
    .await?;
    let auth = Arc::new(auth);
    // Without a shared bus nothing could reach a consumer in this process:
    // sessions of deleted accounts then end at their next refresh.
    let revocations = CancellationToken::new();
    let consumer = match args.event_bus_url.as_deref() {
        Some(url) => {
            let bus = serve::event_bus(Some(url)).await?;
            Some(auth.spawn_revocations(bus, revocations.clone()))
        }
        None => None,
    };
    let gateway = congdan_gateway::Gateway::from_config(&config)?.with_auth(auth);
    let stopping = CancellationToken::new();
    serve::stop_planning_on(&gateway, stopping.clone());
    tokio::spawn(async move {
        serve::shutdown_signal().await;
        stopping.cancel();
    });
    let served = run_until_signal(listener, congdan_gateway::router(gateway), "gateway").await;
    revocations.cancel();
    if let Some(consumer) = consumer {
        let _ = consumer.await;
    }
    served
}

async fn serve_subgraph(common: &CommonArgs, args: SubgraphArgs) -> anyhow::Result<()> {
    let db = connect(common).await?;
    let addr = args
        .addr
        .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], args.name.default_port())));
    let listener = serve::bind(addr).await?;
    let bus = serve::event_bus(args.event_bus_url.as_deref()).await?;
    let relay_shutdown = CancellationToken::new();
    let relay =
        Relay::new(db.clone(), bus.clone()).spawn(serve::RELAY_INTERVAL, relay_shutdown.clone());
    let deps = Deps {
        db,
        identity: IdentityVerifier::new(args.identity_jwks_url.clone()),
        bus: bus.clone(),
        secrets: Arc::new(
            args.personal_data
                .secrets(args.environment)
                .map_err(|e| anyhow!(e))?,
        ),
    };
    let subgraph_config = args.feedback.subgraph_config();
    if args.name == SubgraphName::Citizen {
        serve::check_personal_data_key(&deps).await?;
    }
    let mut background =
        serve::background_tasks(&deps, &subgraph_config, &[args.name], &relay_shutdown);
    background.push(congdan_common::outbox::spawn_retention(
        deps.db.clone(),
        args.outbox.retention(),
        serve::RETENTION_INTERVAL,
        relay_shutdown.child_token(),
    ));
    let result = run_until_signal(
        listener,
        args.name.router(&deps, &subgraph_config),
        args.name.as_str(),
    )
    .await;
    relay_shutdown.cancel();
    let _ = relay.await;
    for task in background {
        let _ = task.await;
    }
    result
}

async fn run_until_signal(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    what: &str,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    let task = serve::spawn_server(listener, router, shutdown.clone());
    tracing::info!(%addr, "{what} listening");
    println!("{what} listening on http://{addr}/graphql");
    serve::shutdown_signal().await;
    shutdown.cancel();
    tokio::time::timeout(DRAIN_TIMEOUT, task)
        .await
        .map_err(|_| anyhow!("requests still in flight after {DRAIN_TIMEOUT:?}"))???;
    Ok(())
}
