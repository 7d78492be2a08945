//! `congdan-bench subscriptions`: issue 5's fan-out benchmark. For each N,
//! on freshly started processes (the six subgraphs, the gateway and the
//! development VNeID provider, every one on NATS): sign in as the bootstrap
//! admin, submit a report, open N WebSocket subscriptions to it through the
//! gateway, then take the report through three workflow transitions and
//! time, for every subscriber, each event from the mutation's sending to
//! its arrival. Memory of the gateway and the feedback subgraph before and
//! after the N subscriptions are open.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};

use crate::fanout::{self, EventFigures, Latency, Spec, Tally};
use crate::procs::{self, Procs};
use crate::{report, sign_in, Ports, SUBGRAPHS};

/// The test citizen of the development provider who is made admin
/// (`BOOTSTRAP_ADMIN_PERSONAL_IDS`): Phạm Ngọc Dung.
const ADMIN_PERSONAL_ID: &str = "074301005555";
const ADMIN_SUB: &str = "vneid-test-0004";
/// 32 fixed bytes: every subgraph process must share one key.
const PERSONAL_DATA_KEY: &str = "YmVuY2gtb25seS1rZXktbm90LWEtc2VjcmV0LTAwMDE=";
/// NATS JetStream stream of the event bus (`subgraphs/common/src/events/nats.rs`).
const STREAM: &str = "CONGDAN";

const WATCH: &str =
    "subscription($id: ID!) { reportUpdated(id: $id) { id status ward { fullName } } }";
const SUBMIT: &str = "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id status ward { fullName } } userErrors { field code message } } }";
/// The agency the report is assigned to (demo data), as in the tests.
const AGENCY: &str = "ubnd-ben-thanh";

/// The workflow transitions, in order: (mutation field, input type, status
/// it sets).
const STEPS: [(&str, &str, &str); 3] = [
    ("assignReport", "AssignReportInput", "ASSIGNED"),
    ("startReportProgress", "ReportStepInput", "IN_PROGRESS"),
    ("resolveReport", "ResolveReportInput", "RESOLVED"),
];

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The `congdan` binary under test (a release build).
    #[arg(long, env = "CONGDAN_BIN")]
    congdan: PathBuf,
    /// Subscriptions per run, comma-separated; each run on freshly started
    /// processes.
    #[arg(long, value_delimiter = ',', default_values_t = [1000, 5000, 9500])]
    n: Vec<usize>,
    /// Connections opened at a time.
    #[arg(long, default_value_t = 200)]
    batch: usize,
    /// Events per run (assign, start progress, resolve: 1 to 3).
    #[arg(long, default_value_t = 3)]
    events: usize,
    /// Longest wait, in seconds, for every subscriber to get one event.
    #[arg(long, default_value_t = 60.0)]
    event_timeout: f64,
    /// Seconds of quiet after the subscriptions are ready, before memory is
    /// read.
    #[arg(long, default_value_t = 3.0)]
    settle: f64,
    /// Threads of the load generator (the subscribers).
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Ports: the gateway on BASE, subgraphs on BASE+1..BASE+6, the
    /// development VNeID provider on BASE+20.
    #[arg(long, default_value_t = 14_200)]
    port_base: u16,
    /// LOG_LEVEL of every process (`warn,async_nats=debug` to see the NATS
    /// client's consumer handling).
    #[arg(long, default_value = "warn")]
    log_level: String,
    /// NATS with JetStream, for every process's event bus.
    #[arg(long, default_value = "nats://127.0.0.1:4222")]
    event_bus_url: String,
    /// Scratch folder: database, supergraph, logs (emptied first).
    #[arg(long, default_value = "bench/work-subscriptions")]
    work_dir: PathBuf,
    /// Where the results go.
    #[arg(long, default_value = "bench/results")]
    results_dir: PathBuf,
}

pub fn start(args: Args) -> anyhow::Result<()> {
    ensure!(args.client_threads > 0, "zero client threads");
    ensure!(args.batch > 0, "zero batch");
    ensure!(
        (1..=STEPS.len()).contains(&args.events),
        "--events takes 1 to {}",
        STEPS.len()
    );
    ensure!(
        !args.n.is_empty() && args.n.iter().all(|&n| n > 0),
        "--n takes positive numbers"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads)
        .enable_all()
        .build()?;
    // As in the gateway benchmark: processes are started from this thread
    // (`block_on` polls `run` here), whose death kills them.
    runtime.block_on(async {
        tokio::select! {
            result = run(args) => result,
            _ = tokio::signal::ctrl_c() => bail!("interrupted; stopping everything"),
        }
    })
}

/// Memory, descriptors and CPU of one process during a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ProcFigures {
    /// VmRSS before the subscriptions are opened (after sign-in and the
    /// report's submission).
    pub rss_before: Option<u64>,
    /// VmRSS with all N open and idle.
    pub rss_open: Option<u64>,
    /// VmRSS after the events.
    pub rss_after_events: Option<u64>,
    /// VmRSS when the subscriptions are closed (and their NATS consumers
    /// gone, or 60 s).
    pub rss_after_close: Option<u64>,
    /// VmHWM, reset just before opening: the peak over opening and events.
    pub peak: Option<u64>,
    /// Open file descriptors with all N open.
    pub fds_open: Option<usize>,
    /// CPU seconds spent opening the subscriptions (until ready).
    pub cpu_open_secs: f64,
    /// CPU seconds spent during the events.
    pub cpu_events_secs: f64,
}

impl ProcFigures {
    /// (RSS open − RSS before) / subscriptions.
    pub fn per_subscription(&self, subscriptions: usize) -> Option<f64> {
        let (before, open) = (self.rss_before?, self.rss_open?);
        (subscriptions > 0).then(|| (open as f64 - before as f64) / subscriptions as f64)
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Consumers {
    pub before: Option<usize>,
    pub ready: Option<usize>,
    /// When they were back to `before` after closing, or after 60 s.
    pub after_close: Option<usize>,
    /// Seconds from closing until the count was back to `before` (the
    /// server drops an ordered consumer 30 s after its client stops
    /// pulling, so this shows the upstream subscriptions ended).
    pub back_after_secs: Option<f64>,
    /// Consumer names present after the events that were not there just
    /// before them: ordered consumers the NATS client deleted and created
    /// again (after missed heartbeats or a gap), plus any other process's.
    pub new_during_events: Option<usize>,
    /// Names there before the events and gone after them.
    pub gone_during_events: Option<usize>,
}

/// One N.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Run {
    pub n: usize,
    /// Subscriptions acknowledged and sent.
    pub opened: usize,
    pub open_failures: BTreeMap<String, u64>,
    pub open_failure_example: Option<String>,
    /// Opening stopped early (too many failures).
    pub open_stopped_early: bool,
    pub open_secs: f64,
    /// From the first connection until the feedback subgraph had a NATS
    /// consumer for each subscription.
    pub ready_secs: Option<f64>,
    pub nats_consumers: Consumers,
    pub gateway: ProcFigures,
    pub feedback: ProcFigures,
    /// The geo subgraph's CPU seconds during the events (the ward of every
    /// event comes from geo).
    pub geo_cpu_events_secs: f64,
    /// The load generator's CPU seconds during the events.
    pub client_cpu_events_secs: f64,
    /// nats-server's CPU seconds (shared with other users of it) while
    /// opening and during the events, when it runs on this machine.
    pub nats_cpu_open_secs: Option<f64>,
    pub nats_cpu_events_secs: Option<f64>,
    pub gateway_bytes_per_subscription: Option<f64>,
    pub feedback_bytes_per_subscription: Option<f64>,
    pub events: Vec<EventFigures>,
    /// All events together.
    pub overall: Latency,
    pub delivered: usize,
    pub expected: usize,
    /// Subscriptions that ended before the run did, by reason.
    pub ended: BTreeMap<String, u64>,
    /// Events of another status than expected.
    pub unexpected_events: u64,
    /// The first incomplete event (errors, no ward).
    pub problem_example: Option<String>,
    pub load_average: Option<f64>,
    /// Why the run stopped before its end.
    pub error: Option<String>,
}

impl Run {
    fn flawed(&self) -> bool {
        self.error.is_some()
            || !self.open_failures.is_empty()
            || self.delivered < self.expected
            || self.events.iter().any(|e| {
                e.complete < e.delivered || e.duplicates > 0 || e.delivered > e.delivered_in_wait
            })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub n: Vec<usize>,
    pub batch: usize,
    pub events: usize,
    pub event_timeout_secs: f64,
    pub settle_secs: f64,
    pub client_threads: usize,
    pub event_bus_url: String,
    pub subscription: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub date: String,
    pub git_sha: String,
    pub git_dirty: bool,
    pub congdan_binary: String,
    pub machine: report::Machine,
    pub open_files_limit: Option<u64>,
    pub settings: Settings,
    pub runs: Vec<Run>,
    pub notes: Vec<String>,
}

/// The system on its ports.
struct System {
    procs: Procs,
    gateway_pid: u32,
    feedback_pid: u32,
    geo_pid: u32,
    gateway: String,
    provider: String,
}

async fn run(args: Args) -> anyhow::Result<()> {
    let congdan = crate::absolute(&args.congdan)?;
    ensure!(
        congdan.is_file(),
        "no congdan binary at {}",
        congdan.display()
    );
    let work = crate::prepare_work_dir(&args.work_dir)?;
    let ports = Ports {
        ours: args.port_base,
        hive: args.port_base + 10,
        base: args.port_base,
    };
    let provider_port = args.port_base + 20;
    procs::ensure_port_free(ports.ours, "the gateway")?;
    procs::ensure_port_free(provider_port, "dev-vneid")?;
    for name in SUBGRAPHS {
        procs::ensure_port_free(ports.subgraph(name), name)?;
    }

    crate::step("connecting to NATS");
    let nats = async_nats::connect(&args.event_bus_url)
        .await
        .with_context(|| format!("NATS at {} (EVENT_BUS_URL)", args.event_bus_url))?;
    let jetstream = async_nats::jetstream::new(nats);

    crate::step("composing the supergraph");
    crate::run_to_end(
        Command::new(&congdan)
            .args(["compose", "--out"])
            .arg(work.join("schema"))
            .current_dir(&work),
        "congdan compose",
    )?;
    let composed = std::fs::read_to_string(work.join("schema/supergraph.graphql"))?;
    let supergraph = work.join("supergraph.graphql");
    std::fs::write(&supergraph, crate::point_at(&composed, &ports)?)?;

    let database_url = format!("sqlite://{}?mode=rwc", work.join("bench.db").display());
    crate::step("migrating and inserting the demo data (congdan seed)");
    crate::run_to_end(
        Command::new(&congdan)
            .arg("seed")
            .env("DATABASE_URL", &database_url)
            .env("PERSONAL_DATA_KEY", PERSONAL_DATA_KEY)
            .env("LOG_LEVEL", "warn")
            .env_remove("EVENT_BUS_URL")
            .current_dir(&work),
        "congdan seed",
    )?;

    // The consumers other processes on this machine have; each run's
    // stopped processes leave theirs until the server drops them.
    let idle_consumers = steady_consumers(&jetstream).await.unwrap_or(0);
    let started = chrono::Utc::now();
    // The tree as the run starts (others may commit meanwhile).
    let (git_sha, git_dirty) = crate::git_state();
    let mut runs: Vec<Run> = Vec::new();
    for &n in &args.n {
        if !runs.is_empty() {
            crate::step("waiting for the last run's NATS consumers to expire (30 s idle)");
            consumers_back_to(&jetstream, idle_consumers, Duration::from_secs(60)).await;
        }
        crate::step(&format!("N = {n}: starting the system"));
        let mut run = Run {
            n,
            expected: n * args.events,
            ..Run::default()
        };
        let logs = work.join(format!("logs/n{n}"));
        std::fs::create_dir_all(&logs)?;
        match start_system(
            &congdan,
            &work,
            &logs,
            &database_url,
            &supergraph,
            &ports,
            provider_port,
            &args,
        )
        .await
        {
            Ok(mut system) => {
                if let Err(error) = measure(&mut run, &mut system, &jetstream, &args).await {
                    // Name a process that died, if one did.
                    let error = match system.procs.check_alive() {
                        Err(died) => error.context(format!("{died:#}")),
                        Ok(()) => error,
                    };
                    println!("  FAILED: {error:#}");
                    run.error = Some(format!("{error:#}"));
                }
                system.procs.stop_all(Duration::from_secs(10));
            }
            Err(error) => {
                println!("  FAILED to start: {error:#}");
                run.error = Some(format!("starting the system: {error:#}"));
            }
        }
        runs.push(run);
    }

    let results = Results {
        date: started.format("%Y-%m-%d %H:%M UTC").to_string(),
        git_sha: git_sha.clone(),
        git_dirty,
        congdan_binary: crate::describe_binary(&congdan),
        machine: crate::machine(),
        open_files_limit: open_files_limit(),
        settings: Settings {
            n: args.n.clone(),
            batch: args.batch,
            events: args.events,
            event_timeout_secs: args.event_timeout,
            settle_secs: args.settle,
            client_threads: args.client_threads,
            event_bus_url: args.event_bus_url.clone(),
            subscription: WATCH.to_string(),
        },
        notes: notes(&runs),
        runs,
    };
    let markdown = markdown(&results);
    std::fs::create_dir_all(&args.results_dir)?;
    let stem = format!("{}-{}-subscriptions", started.format("%Y-%m-%d"), git_sha);
    let md_path = args.results_dir.join(format!("{stem}.md"));
    let json_path = args.results_dir.join(format!("{stem}.json"));
    std::fs::write(&md_path, &markdown)?;
    std::fs::write(&json_path, serde_json::to_string_pretty(&results)? + "\n")?;
    println!("\n{markdown}");
    println!("written: {} and {}", md_path.display(), json_path.display());
    if results.runs.iter().any(Run::flawed) {
        bail!("some runs failed or lost events (see the results)");
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn start_system(
    congdan: &Path,
    work: &Path,
    logs: &Path,
    database_url: &str,
    supergraph: &Path,
    ports: &Ports,
    provider_port: u16,
    args: &Args,
) -> anyhow::Result<System> {
    let gateway = format!("http://127.0.0.1:{}", ports.ours);
    let provider = format!("http://127.0.0.1:{provider_port}");
    let common = |command: &mut Command| {
        command
            .current_dir(work)
            .env("DATABASE_URL", database_url)
            .env("EVENT_BUS_URL", &args.event_bus_url)
            .env("LOG_LEVEL", &args.log_level)
            .env("LOG_FORMAT", "text")
            .env_remove("RUST_LOG")
            .env_remove("DATABASE_SCHEMA")
            .env_remove("ENVIRONMENT");
    };
    let mut procs = Procs::default();

    let mut command = Command::new(congdan);
    command
        .arg("dev-vneid")
        .env("DEV_VNEID_ADDR", format!("127.0.0.1:{provider_port}"))
        .env("DEV_VNEID_CLIENT_SECRET", sign_in::DEV_VNEID_SECRET)
        .env(
            "DEV_VNEID_REDIRECT_URIS",
            format!("{gateway}/auth/callback"),
        );
    common(&mut command);
    procs.spawn("dev-vneid", command, logs)?;

    let mut pids = BTreeMap::new();
    for name in SUBGRAPHS {
        let mut command = Command::new(congdan);
        command
            .args(["subgraph", name])
            .env(
                "SUBGRAPH_ADDR",
                format!("127.0.0.1:{}", ports.subgraph(name)),
            )
            .env(
                "IDENTITY_JWKS_URL",
                format!("{gateway}/.well-known/jwks.json"),
            )
            .env("PERSONAL_DATA_KEY", PERSONAL_DATA_KEY)
            .env("BOOTSTRAP_ADMIN_PERSONAL_IDS", ADMIN_PERSONAL_ID);
        common(&mut command);
        pids.insert(name, procs.spawn(name, command, logs)?);
    }

    let mut command = Command::new(congdan);
    command
        .arg("gateway")
        .env("GATEWAY_ADDR", format!("127.0.0.1:{}", ports.ours))
        .env("SUPERGRAPH_PATH", supergraph);
    sign_in::use_dev_vneid(&mut command, &provider);
    common(&mut command);

    let client = http_client()?;
    crate::wait_ready(&mut procs, "dev-vneid", || {
        client
            .get(format!("{provider}/.well-known/openid-configuration"))
            .send()
    })
    .await?;
    let ping = crate::workloads::body("{ __typename }", None);
    for name in SUBGRAPHS {
        crate::wait_ready(&mut procs, name, || {
            client
                .post(ports.subgraph_url(name))
                .header("content-type", "application/json")
                .body(ping.clone())
                .send()
        })
        .await?;
    }
    let gateway_pid = procs.spawn("gateway", command, logs)?;
    crate::wait_ready(&mut procs, "gateway", || {
        client.get(format!("{gateway}/health")).send()
    })
    .await?;
    Ok(System {
        procs,
        gateway_pid,
        feedback_pid: pids["feedback"],
        geo_pid: pids["geo"],
        gateway,
        provider,
    })
}

fn http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// POSTs a GraphQL operation with the token; the answer's `data`, after
/// checking it has no errors.
async fn graphql(
    client: &reqwest::Client,
    gateway: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let bearer = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}"))?;
    let header = (reqwest::header::AUTHORIZATION, bearer);
    sign_in::graphql_data(client, gateway, header, query, variables).await
}

async fn consumer_count(jetstream: &async_nats::jetstream::Context) -> anyhow::Result<usize> {
    let mut stream = jetstream
        .get_stream(STREAM)
        .await
        .with_context(|| format!("the NATS stream {STREAM}"))?;
    Ok(stream.info().await?.state.consumer_count)
}

/// Waits until the stream's consumer count stops changing (consumers of an
/// earlier run's processes expire on their own).
async fn steady_consumers(jetstream: &async_nats::jetstream::Context) -> anyhow::Result<usize> {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = consumer_count(jetstream).await?;
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let now = consumer_count(jetstream).await?;
        if now == last || Instant::now() >= deadline {
            return Ok(now);
        }
        last = now;
    }
}

/// The names of the stream's consumers.
async fn consumer_names(
    jetstream: &async_nats::jetstream::Context,
) -> anyhow::Result<std::collections::HashSet<String>> {
    use futures::TryStreamExt;
    let stream = jetstream.get_stream(STREAM).await?;
    Ok(stream.consumer_names().try_collect().await?)
}

/// The pid of a `nats-server` on this machine, to read its CPU time.
fn nats_server_pid() -> Option<u32> {
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let comm = std::fs::read_to_string(entry.path().join("comm")).ok()?;
            (comm.trim() == "nats-server").then_some(pid)
        })
}

/// Waits until the stream has at most `count` consumers, or `longest`;
/// the seconds it took, if it got there.
async fn consumers_back_to(
    jetstream: &async_nats::jetstream::Context,
    count: usize,
    longest: Duration,
) -> Option<f64> {
    let began = Instant::now();
    loop {
        if consumer_count(jetstream).await.is_ok_and(|c| c <= count) {
            return Some(began.elapsed().as_secs_f64());
        }
        if began.elapsed() >= longest {
            return None;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn rss(pid: u32) -> Option<u64> {
    procs::status_bytes(pid, "VmRSS")
}

fn fds(pid: u32) -> Option<usize> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .ok()
        .map(|d| d.count())
}

fn cpu(pid: u32) -> Duration {
    procs::cpu_time(pid).unwrap_or_default()
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("—".to_string(), |b| {
        format!("{:.1} MiB", b as f64 / 1_048_576.0)
    })
}

async fn measure(
    run: &mut Run,
    system: &mut System,
    jetstream: &async_nats::jetstream::Context,
    args: &Args,
) -> anyhow::Result<()> {
    let n = run.n;
    let client = http_client()?;
    let gateway = system.gateway.clone();

    crate::step(&format!(
        "N = {n}: signing in as the admin, submitting a report"
    ));
    let token = sign_in::mobile(&system.provider, &gateway, ADMIN_SUB).await?;
    let me = graphql(
        &client,
        &gateway,
        &token.access,
        "{ me { roles } }",
        json!({}),
    )
    .await?;
    ensure!(
        me["me"]["roles"]
            .as_array()
            .is_some_and(|roles| roles.iter().any(|r| r == "ADMIN")),
        "the signed-in citizen is not an admin (BOOTSTRAP_ADMIN_PERSONAL_IDS): {me}"
    );
    let key = format!(
        "bench-subscriptions-{}-{n}",
        chrono::Utc::now().timestamp_millis()
    );
    let submitted = graphql(
        &client,
        &gateway,
        &token.access,
        SUBMIT,
        json!({ "input": {
            "title": "Ổ gà trên đường Lê Lợi",
            "description": "Ổ gà sâu giữa làn xe máy, nguy hiểm khi trời mưa.",
            "category": "roads",
            "latitude": 10.7725, "longitude": 106.6980,
            "idempotencyKey": key,
        }}),
    )
    .await?;
    let report = &submitted["submitReport"]["report"];
    let report_id = report["id"]
        .as_str()
        .with_context(|| format!("submitReport: {submitted}"))?
        .to_string();
    let ward = report["ward"]["fullName"]
        .as_str()
        .with_context(|| format!("the report has no ward, so no join to watch: {submitted}"))?
        .to_string();
    println!("  report {report_id} in {ward}");

    let before_consumers = steady_consumers(jetstream).await?;
    run.nats_consumers.before = Some(before_consumers);
    run.load_average = crate::load_average();
    let (gw, fb, geo) = (system.gateway_pid, system.feedback_pid, system.geo_pid);
    run.gateway.rss_before = rss(gw);
    run.feedback.rss_before = rss(fb);
    let peaks_reset = procs::reset_peak(gw) && procs::reset_peak(fb);

    // Open the N subscriptions, a batch at a time.
    crate::step(&format!(
        "N = {n}: opening {n} subscriptions, {} at a time",
        args.batch
    ));
    let spec = Arc::new(Spec {
        url: format!("{}/graphql", gateway.replacen("http://", "ws://", 1)),
        init: json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", token.access) } })
            .to_string()
            .into(),
        subscribe: json!({ "id": "s", "type": "subscribe", "payload": { "query": WATCH, "variables": { "id": report_id } } })
            .to_string()
            .into(),
        report_id: report_id.clone(),
        ward,
    });
    let statuses: Vec<&'static str> = STEPS[..args.events].iter().map(|s| s.2).collect();
    let mut tally = Tally::new(n, statuses);
    let (notes_tx, mut notes) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut handles = Vec::with_capacity(n);
    let nats_pid = nats_server_pid();
    let cpu_at_open = (cpu(gw), cpu(fb), nats_pid.map(cpu));
    let opening = Instant::now();
    let mut failures = 0u64;
    let mut next = 0usize;
    while next < n {
        let end = (next + args.batch).min(n);
        let mut waiting = Vec::with_capacity(end - next);
        for index in next..end {
            let (opened, handle) = fanout::spawn(
                index as u32,
                spec.clone(),
                notes_tx.clone(),
                stop_rx.clone(),
            );
            waiting.push(opened);
            handles.push(handle);
        }
        for opened in waiting {
            match opened.await {
                Ok(Ok(())) => run.opened += 1,
                Ok(Err((kind, detail))) => {
                    failures += 1;
                    *run.open_failures.entry(kind.clone()).or_insert(0) += 1;
                    run.open_failure_example
                        .get_or_insert_with(|| format!("{kind}: {detail}"));
                }
                Err(_) => {
                    failures += 1;
                    *run.open_failures
                        .entry("subscriber task ended".to_string())
                        .or_insert(0) += 1;
                }
            }
        }
        next = end;
        system.procs.check_alive()?;
        if failures >= 20 {
            run.open_stopped_early = next < n;
            println!(
                "  {failures} subscriptions failed to open ({:?}); opening stopped at {next} of {n}",
                run.open_failures
            );
            break;
        }
        if next % 1000 < args.batch || next == n {
            println!(
                "  {next} of {n} connected and subscribed ({:.1} s)",
                opening.elapsed().as_secs_f64()
            );
        }
    }
    run.open_secs = opening.elapsed().as_secs_f64();
    drop(notes_tx);

    // Ready when the feedback subgraph has a NATS consumer for each live
    // subscription (the last step of subscribing; graphql-transport-ws has
    // no acknowledgement of a subscription).
    tally.drain(&mut notes);
    let live = run.opened.saturating_sub(tally.ended_count);
    let target = before_consumers + live;
    let ready_deadline = Instant::now() + Duration::from_secs(60 + n as u64 / 50);
    let mut consumers = consumer_count(jetstream).await?;
    while consumers < target && Instant::now() < ready_deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        system.procs.check_alive()?;
        consumers = consumer_count(jetstream).await?;
    }
    run.nats_consumers.ready = Some(consumers);
    if consumers >= target {
        run.ready_secs = Some(opening.elapsed().as_secs_f64());
        println!(
            "  ready: {} NATS consumers for {live} subscriptions after {:.1} s",
            consumers - before_consumers,
            opening.elapsed().as_secs_f64()
        );
    } else {
        println!(
            "  NOT all ready: {} new NATS consumers for {live} subscriptions; measuring anyway",
            consumers.saturating_sub(before_consumers)
        );
    }
    run.gateway.cpu_open_secs = cpu(gw).saturating_sub(cpu_at_open.0).as_secs_f64();
    run.feedback.cpu_open_secs = cpu(fb).saturating_sub(cpu_at_open.1).as_secs_f64();
    run.nats_cpu_open_secs = nats_pid
        .zip(cpu_at_open.2)
        .map(|(pid, at)| cpu(pid).saturating_sub(at).as_secs_f64());
    tokio::time::sleep(Duration::from_secs_f64(args.settle)).await;
    tally.drain(&mut notes);
    run.gateway.rss_open = rss(gw);
    run.feedback.rss_open = rss(fb);
    run.gateway.fds_open = fds(gw);
    run.feedback.fds_open = fds(fb);
    run.gateway_bytes_per_subscription = run.gateway.per_subscription(run.opened);
    run.feedback_bytes_per_subscription = run.feedback.per_subscription(run.opened);
    println!(
        "  idle with {} open: gateway {} → {} ({} fds), feedback {} → {} ({} fds)",
        run.opened,
        mib(run.gateway.rss_before),
        mib(run.gateway.rss_open),
        run.gateway.fds_open.unwrap_or(0),
        mib(run.feedback.rss_before),
        mib(run.feedback.rss_open),
        run.feedback.fds_open.unwrap_or(0),
    );

    // The events.
    let names_before = consumer_names(jetstream).await.ok();
    let cpu_at_events = (
        cpu(gw),
        cpu(fb),
        cpu(geo),
        procs::self_cpu_time().unwrap_or_default(),
        nats_pid.map(cpu),
    );
    let timeout = Duration::from_secs_f64(args.event_timeout);
    let mut sent_at = Vec::new();
    let mut mutation_ms = Vec::new();
    let mut within = Vec::new();
    let mut in_wait = Vec::new();
    let mut stopped: Option<anyhow::Error> = None;
    for (k, &(field, input_type, status)) in STEPS[..args.events].iter().enumerate() {
        if token.left() < timeout + Duration::from_secs(15) {
            stopped = Some(anyhow::anyhow!(
                "the access token has {} s left: too little for event {} ({status})",
                token.left().as_secs(),
                k + 1
            ));
            break;
        }
        tally.drain(&mut notes);
        let sent = Instant::now();
        if let Err(error) = transition(
            &client,
            &gateway,
            &token.access,
            &report_id,
            field,
            input_type,
            status,
        )
        .await
        {
            stopped = Some(error);
            break;
        }
        let took = sent.elapsed().as_secs_f64() * 1000.0;
        sent_at.push(sent);
        mutation_ms.push(took);
        let all = tally
            .wait_for(k, run.opened, &mut notes, sent + timeout)
            .await;
        within.push(all);
        let so_far = tally.event(k, sent);
        in_wait.push(so_far.delivered);
        println!(
            "  event {} ({status}): {}/{} delivered{}, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (mutation {took:.0} ms)",
            k + 1,
            so_far.delivered,
            n,
            if all { "" } else { " BY THE TIMEOUT" },
            so_far.latency.p50_ms,
            so_far.latency.p99_ms,
            so_far.latency.max_ms,
        );
        if let Err(error) = system.procs.check_alive() {
            stopped = Some(error);
            break;
        }
        // A pause between events, so each fans out alone.
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    tally.drain(&mut notes);
    run.gateway.cpu_events_secs = cpu(gw).saturating_sub(cpu_at_events.0).as_secs_f64();
    run.feedback.cpu_events_secs = cpu(fb).saturating_sub(cpu_at_events.1).as_secs_f64();
    run.geo_cpu_events_secs = cpu(geo).saturating_sub(cpu_at_events.2).as_secs_f64();
    run.client_cpu_events_secs = procs::self_cpu_time()
        .unwrap_or_default()
        .saturating_sub(cpu_at_events.3)
        .as_secs_f64();
    run.nats_cpu_events_secs = nats_pid
        .zip(cpu_at_events.4)
        .map(|(pid, at)| cpu(pid).saturating_sub(at).as_secs_f64());
    if let (Some(before), Ok(after)) = (names_before, consumer_names(jetstream).await) {
        run.nats_consumers.new_during_events = Some(after.difference(&before).count());
        run.nats_consumers.gone_during_events = Some(before.difference(&after).count());
        println!(
            "  NATS consumers during the events: {} new, {} gone",
            after.difference(&before).count(),
            before.difference(&after).count()
        );
    }
    run.gateway.rss_after_events = rss(gw);
    run.feedback.rss_after_events = rss(fb);
    if peaks_reset {
        run.gateway.peak = procs::status_bytes(gw, "VmHWM");
        run.feedback.peak = procs::status_bytes(fb, "VmHWM");
    }
    for (k, sent) in sent_at.iter().enumerate() {
        let mut figures = tally.event(k, *sent);
        figures.mutation_ms = mutation_ms[k];
        figures.all_within_timeout = within[k];
        figures.delivered_in_wait = in_wait[k];
        run.delivered += figures.delivered;
        run.events.push(figures);
    }
    run.overall = Latency::of(&tally.all_latencies(&sent_at));
    run.unexpected_events = tally.unexpected();
    run.problem_example = tally.problem_example().map(str::to_string);
    run.ended = tally.ended.clone();

    // Close every subscription; the gateway should end each upstream one.
    crate::step(&format!("N = {n}: closing the subscriptions"));
    let _ = stop_tx.send(true);
    let closing = futures::future::join_all(handles);
    if tokio::time::timeout(Duration::from_secs(60), closing)
        .await
        .is_err()
    {
        println!("  some subscribers did not close within 60 s");
    }
    run.nats_consumers.back_after_secs =
        consumers_back_to(jetstream, before_consumers, Duration::from_secs(60)).await;
    run.nats_consumers.after_close = consumer_count(jetstream).await.ok();
    run.gateway.rss_after_close = rss(gw);
    run.feedback.rss_after_close = rss(fb);
    println!(
        "  NATS consumers: {} before, {} ready, {} after closing ({}); gateway RSS {}",
        before_consumers,
        consumers,
        run.nats_consumers
            .after_close
            .map_or("?".to_string(), |c| c.to_string()),
        run.nats_consumers
            .back_after_secs
            .map_or("not back within 60 s".to_string(), |s| format!(
                "back after {s:.0} s"
            )),
        mib(run.gateway.rss_after_close)
    );
    match stopped {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

/// One workflow transition of the report through the gateway, checked.
async fn transition(
    client: &reqwest::Client,
    gateway: &str,
    token: &str,
    report_id: &str,
    field: &str,
    input_type: &str,
    status: &str,
) -> anyhow::Result<()> {
    let mut input = json!({ "reportId": report_id });
    match field {
        "assignReport" => {
            input["agencyId"] = json!(AGENCY);
            input["note"] = json!("Chuyển phường xử lý");
        }
        "resolveReport" => input["answer"] = json!("Đã vá ổ gà, mặt đường đã an toàn."),
        _ => input["note"] = json!("Đã cử người kiểm tra"),
    }
    let mutation = format!(
        "mutation($input: {input_type}!) {{ {field}(input: $input) {{ report {{ id status }} userErrors {{ field code message }} }} }}"
    );
    let answer = graphql(client, gateway, token, &mutation, json!({ "input": input }))
        .await
        .with_context(|| field.to_string())?;
    let payload = &answer[field];
    ensure!(
        payload["report"]["status"] == status && payload["userErrors"] == json!([]),
        "{field} did not set {status}: {answer}"
    );
    Ok(())
}

fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

fn notes(runs: &[Run]) -> Vec<String> {
    let mut notes = vec![
        "Latency is from sending the mutation to the gateway until the subscriber reads the \
         event: the mutation (through the gateway to feedback), the transactional outbox \
         (the relay polls every 200 ms, so 0–200 ms of it is waiting), NATS JetStream \
         (one ordered consumer per subscription in the feedback subgraph), the feedback \
         subgraph reading the report once per subscription, the gateway's upstream \
         WebSocket, the ward's fetch from geo for each event of each subscription, and \
         the client's WebSocket. The mutation's own round trip is shown apart."
            .to_string(),
        "Bytes per subscription = (VmRSS with all N open and idle − VmRSS before opening) / \
         subscriptions opened; the gateway holds two sockets per subscription (client and \
         upstream to feedback). Peak = VmHWM, reset just before opening, read after the \
         events."
            .to_string(),
        "Every N runs on freshly started processes (SQLite, NATS at 127.0.0.1:4222) with a \
         fresh access token (15 minutes; a subscription ends when its token expires). \
         Ready = the NATS stream has one more consumer per subscription (other processes on \
         this machine may add or remove consumers meanwhile). After closing, the count \
         goes back once the server drops the ordered consumers the feedback subgraph \
         stopped pulling (30 s of inactivity): the upstream subscriptions ended."
            .to_string(),
        "NATS consumers new / gone during the events: names of the stream's consumers after \
         the events that were not there just before them, and the reverse. The NATS client \
         (async-nats's ordered consumer, one per subscription) deletes and creates a \
         consumer again after two missed idle heartbeats (15 s each) or a sequence gap; \
         other processes using this NATS server add a few too."
            .to_string(),
        "Everything shares one machine (2 cores): the load generator (one thread), the \
         gateway, the six subgraphs, dev-vneid and NATS."
            .to_string(),
    ];
    if runs
        .iter()
        .flat_map(|r| &r.events)
        .any(|e| e.duplicates > 0)
    {
        notes.push(
            "Events are counted by the status they show. The feedback subgraph reads the \
             report when it handles an event, so an event that reaches a subscriber after the \
             next transition shows the newer status: that subscriber sees the newer status \
             twice (a duplicate) and never the older one (a miss)."
                .to_string(),
        );
    }
    if runs
        .iter()
        .flat_map(|r| &r.events)
        .any(|e| !e.all_within_timeout)
    {
        notes.push(
            "CPU seconds during the events cover the whole events phase, including the waits \
             for events that did not arrive within the timeout."
                .to_string(),
        );
    }
    if runs.iter().any(|r| r.load_average.is_some_and(|l| l > 2.5)) {
        notes.push(
            "The machine was busy with other work during some runs (load average above 2.5 \
             on 2 CPUs)."
                .to_string(),
        );
    }
    notes
}

fn secs(v: Option<f64>) -> String {
    v.map_or("—".to_string(), |s| format!("{s:.1}"))
}

fn ms(v: f64) -> String {
    format!("{v:.0}")
}

fn per_sub(v: Option<f64>) -> String {
    v.map_or("—".to_string(), |b| format!("{:.1} KiB", b / 1024.0))
}

pub fn markdown(results: &Results) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Subscription fan-out through the gateway (issue 5)\n");
    let _ = writeln!(
        md,
        "- date: {}; commit `{}`{}; binary {}",
        results.date,
        results.git_sha,
        if results.git_dirty {
            " (with uncommitted changes)"
        } else {
            ""
        },
        results.congdan_binary
    );
    let m = &results.machine;
    let _ = writeln!(
        md,
        "- machine: {} CPUs ({}), {:.1} GiB, Linux {}; open files limit {}",
        m.cpus,
        m.cpu_model,
        m.memory_total_bytes as f64 / 1_073_741_824.0,
        m.kernel,
        results
            .open_files_limit
            .map_or("?".to_string(), |l| l.to_string())
    );
    let s = &results.settings;
    let _ = writeln!(
        md,
        "- each subscriber: its own WebSocket (`graphql-transport-ws`, token in \
         `connection_init`) with `{}`; opened {} at a time; {} events per N (assignReport, \
         startReportProgress, resolveReport by the admin through the gateway); event \
         timeout {} s; event bus {}\n",
        s.subscription, s.batch, s.events, s.event_timeout_secs, s.event_bus_url
    );
    md.push_str(
        "| N | opened | gateway RSS before | gateway RSS, N open | gateway bytes/sub | \
         gateway peak | feedback RSS before → N open | feedback bytes/sub | p50 ms | p99 ms | \
         max ms | delivered/expected |\n\
         |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &results.runs {
        let delivered = if r.delivered < r.expected {
            format!("**{}/{}**", r.delivered, r.expected)
        } else {
            format!("{}/{}", r.delivered, r.expected)
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} → {} | {} | {} | {} | {} | {}{} |",
            r.n,
            r.opened,
            mib(r.gateway.rss_before),
            mib(r.gateway.rss_open),
            per_sub(r.gateway_bytes_per_subscription),
            mib(r.gateway.peak),
            mib(r.feedback.rss_before),
            mib(r.feedback.rss_open),
            per_sub(r.feedback_bytes_per_subscription),
            ms(r.overall.p50_ms),
            ms(r.overall.p99_ms),
            ms(r.overall.max_ms),
            delivered,
            if r.error.is_some() { " (failed)" } else { "" }
        );
    }
    md.push_str(
        "\nEach event (latency per subscriber, from sending the mutation):\n\n\
         | N | event | mutation ms | first ms | p50 ms | p90 ms | p99 ms | max ms | \
         delivered/expected | complete (ward from geo, no errors) | duplicates |\n\
         |---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &results.runs {
        for (k, e) in r.events.iter().enumerate() {
            let _ = writeln!(
                md,
                "| {} | {} {} | {} | {} | {} | {} | {} | {} | {}/{}{} | {} | {} |",
                r.n,
                k + 1,
                e.status,
                ms(e.mutation_ms),
                ms(e.latency.min_ms),
                ms(e.latency.p50_ms),
                ms(e.latency.p90_ms),
                ms(e.latency.p99_ms),
                ms(e.latency.max_ms),
                e.delivered,
                e.expected,
                if e.all_within_timeout {
                    ""
                } else {
                    " (timeout)"
                },
                e.complete,
                e.duplicates
            );
        }
    }
    md.push_str(
        "\nOpening, descriptors and CPU:\n\n\
         | N | open s | ready s | gateway fds | feedback fds | NATS consumers before / ready / \
         after close (s) | NATS consumers new / gone during the events | gateway CPU s open / \
         events | feedback CPU s open / events | nats-server CPU s open / events | geo CPU s \
         events | load generator CPU s events | gateway RSS after events / closed | \
         feedback peak | load avg |\n\
         |---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in &results.runs {
        let c = &r.nats_consumers;
        let opt = |v: Option<usize>| v.map_or("?".to_string(), |v| v.to_string());
        let _ = writeln!(
            md,
            "| {} | {:.1} | {} | {} | {} | {} / {} / {} ({}) | {} / {} | {:.1} / {:.1} | {:.1} / {:.1} | {} / {} | {:.1} | {:.1} | {} / {} | {} | {} |",
            r.n,
            r.open_secs,
            r.ready_secs.map_or("not ready".to_string(), |s| format!("{s:.1}")),
            opt(r.gateway.fds_open),
            opt(r.feedback.fds_open),
            opt(c.before),
            opt(c.ready),
            opt(c.after_close),
            c.back_after_secs
                .map_or("not back in 60 s".to_string(), |s| format!("{s:.0}")),
            opt(c.new_during_events),
            opt(c.gone_during_events),
            r.gateway.cpu_open_secs,
            r.gateway.cpu_events_secs,
            r.feedback.cpu_open_secs,
            r.feedback.cpu_events_secs,
            secs(r.nats_cpu_open_secs),
            secs(r.nats_cpu_events_secs),
            r.geo_cpu_events_secs,
            r.client_cpu_events_secs,
            mib(r.gateway.rss_after_events),
            mib(r.gateway.rss_after_close),
            mib(r.feedback.peak),
            r.load_average.map_or("—".to_string(), |l| format!("{l:.2}"))
        );
    }
    let flawed: Vec<&Run> = results.runs.iter().filter(|r| r.flawed()).collect();
    if !flawed.is_empty() {
        md.push_str("\n**Failures and losses**:\n\n");
        for r in flawed {
            let _ = writeln!(md, "- N = {}:", r.n);
            if let Some(error) = &r.error {
                let _ = writeln!(md, "  - the run stopped: `{}`", error.replace('`', "'"));
            }
            if !r.open_failures.is_empty() {
                let _ = writeln!(
                    md,
                    "  - {} subscriptions failed to open{}: {:?}; first: `{}`",
                    r.open_failures.values().sum::<u64>(),
                    if r.open_stopped_early {
                        " (opening stopped there)"
                    } else {
                        ""
                    },
                    r.open_failures,
                    r.open_failure_example
                        .as_deref()
                        .unwrap_or("")
                        .replace('`', "'")
                );
            }
            if r.delivered < r.expected {
                let _ = writeln!(
                    md,
                    "  - {} of {} expected events were not delivered",
                    r.expected - r.delivered,
                    r.expected
                );
                for e in r.events.iter().filter(|e| e.delivered < e.expected) {
                    let _ = writeln!(
                        md,
                        "    - {}: {} subscribers never got it ({} of them got a later \
                         event); the first, by opening order: {:?}",
                        e.status,
                        e.expected - e.delivered,
                        e.missed_but_later,
                        e.missed_first
                    );
                }
            }
            for e in r
                .events
                .iter()
                .filter(|e| e.delivered > e.delivered_in_wait)
            {
                let _ = writeln!(
                    md,
                    "  - {}: {} subscribers got it only after the {} s wait",
                    e.status,
                    e.delivered - e.delivered_in_wait,
                    results.settings.event_timeout_secs
                );
            }
            if !r.ended.is_empty() {
                let _ = writeln!(md, "  - subscriptions that ended early: {:?}", r.ended);
            }
            if let Some(problem) = &r.problem_example {
                let _ = writeln!(
                    md,
                    "  - an incomplete event: `{}`",
                    problem.replace('`', "'")
                );
            }
        }
    }
    md.push('\n');
    for note in &results.notes {
        let _ = writeln!(md, "- {note}");
    }
    md
}
