//! `congdan-bench`: issue 8's benchmark. Starts the six subgraphs on a
//! fixed, seeded dataset, our gateway and Hive Router on the same
//! supergraph, checks that both answer every workload with the same data,
//! then drives each (and the subgraphs alone) with the same load and
//! writes a table to `bench/results/`. `bench/run.sh` builds what it needs
//! and runs this. `congdan-bench subscriptions` is issue 5's fan-out
//! benchmark (`subscriptions.rs`).

mod dataset;
mod fanout;
mod load;
mod procs;
mod report;
mod sign_in;
mod signed_in;
mod subscriptions;
mod workloads;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use clap::{Parser, Subcommand};

use crate::load::Operation;
use crate::procs::Procs;
use crate::report::{Results, Row, Target};
use crate::signed_in::SignedIn;
use crate::workloads::Workload;
use serde_json::Value;

/// The subgraphs, in port order (`--port-base` + 1 ... + 6).
const SUBGRAPHS: [&str; 6] = [
    "citizen",
    "feedback",
    "dossiers",
    "directories",
    "geo",
    "content",
];
/// The development VNeID provider's web client secret (W1's sign-in).
/// Marks a work folder as ours, so that only ours is ever deleted.
const MARKER: &str = ".congdan-bench-work";

#[derive(Parser, Debug)]
#[command(
    version,
    about = "Benchmark our gateway against Hive Router and the subgraphs alone",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
    #[command(flatten)]
    gateways: Args,
}

#[derive(Subcommand, Debug)]
enum Mode {
    /// Subscription fan-out (issue 5): N WebSocket subscriptions through
    /// the gateway, memory per subscription and event delivery latency.
    Subscriptions(subscriptions::Args),
}

#[derive(clap::Args, Debug)]
struct Args {
    /// The `congdan` binary under test (a release build). Required (an
    /// Option only so that the `subscriptions` mode parses without it).
    #[arg(long, env = "CONGDAN_BIN")]
    congdan: Option<PathBuf>,
    /// Hive Router's binary (required when a hive target is measured).
    #[arg(long, env = "HIVE_ROUTER_BIN")]
    hive_router: Option<PathBuf>,
    /// Hive Router's version, for the results.
    #[arg(long, default_value = "0.2.0")]
    hive_router_version: String,
    /// Scratch folder: database, supergraph, logs (emptied first).
    #[arg(long, default_value = "bench/work")]
    work_dir: PathBuf,
    /// Where the results go.
    #[arg(long, default_value = "bench/results")]
    results_dir: PathBuf,
    /// Generated reports on top of the demo data.
    #[arg(long, default_value_t = 5000)]
    reports: usize,
    /// Seed of the generated data.
    #[arg(long, default_value_t = 20_261_129)]
    seed: u64,
    /// Concurrent connections (each sends one request after another).
    #[arg(long, short = 'c', default_value_t = 32)]
    concurrency: usize,
    /// Measured seconds per run.
    #[arg(long, short = 'd', default_value_t = 10.0)]
    duration: f64,
    /// Warm-up seconds before each measured run (same load, not counted).
    #[arg(long, default_value_t = 3.0)]
    warmup: f64,
    /// Threads of the load generator.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Ports: ours on BASE, subgraphs on BASE+1..BASE+6, Hive Router on
    /// BASE+10 (dedupe on) and BASE+11 (dedupe off), the development VNeID
    /// provider (for W1's sign-in) on BASE+20.
    #[arg(long, default_value_t = 14_000)]
    port_base: u16,
    /// Measure even when a gateway's data differ from the subgraphs' (the
    /// difference is flagged at the top of the results).
    #[arg(long)]
    allow_mismatch: bool,
    /// Workloads to run (W1, W2, W3, W3b; default all).
    #[arg(long, value_delimiter = ',')]
    workloads: Vec<String>,
    /// Targets to measure (ours, hive, hive-nodedupe, baseline; default
    /// all). Hive Router is started (and its binary needed) only when a
    /// hive target is selected; the data check asks every gateway started
    /// and the subgraphs.
    #[arg(long, value_delimiter = ',')]
    targets: Vec<String>,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.mode {
        Some(Mode::Subscriptions(args)) => subscriptions::start(args),
        None => start(cli.gateways),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("congdan-bench: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn start(args: Args) -> anyhow::Result<()> {
    ensure!(
        args.concurrency > 0 && args.client_threads > 0,
        "zero concurrency or threads"
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.client_threads)
        .enable_all()
        .build()?;
    // The processes are started from this (the main) thread, whose death
    // kills them (PR_SET_PDEATHSIG): `block_on` polls `run` right here.
    runtime.block_on(async {
        tokio::select! {
            result = run(args) => result,
            _ = tokio::signal::ctrl_c() => bail!("interrupted; stopping everything"),
        }
    })
}

struct Gateway {
    target: Target,
    pid: u32,
    url: String,
    ready: String,
}

struct Ports {
    ours: u16,
    hive: u16,
    base: u16,
}

impl Ports {
    fn subgraph(&self, name: &str) -> u16 {
        let index = SUBGRAPHS.iter().position(|s| *s == name).expect("subgraph");
        self.base + 1 + index as u16
    }

    fn subgraph_url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/graphql", self.subgraph(name))
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let congdan = absolute(
        args.congdan
            .as_deref()
            .context("--congdan (or CONGDAN_BIN) is required")?,
    )?;
    ensure!(
        congdan.is_file(),
        "no congdan binary at {}",
        congdan.display()
    );
    let selected_workloads: Vec<Workload> = workloads::all()
        .into_iter()
        .filter(|w| {
            args.workloads.is_empty() || args.workloads.iter().any(|s| s.eq_ignore_ascii_case(w.id))
        })
        .collect();
    ensure!(
        !selected_workloads.is_empty(),
        "no workload matches {:?}",
        args.workloads
    );
    let targets: Vec<Target> = Target::ALL
        .into_iter()
        .filter(|t| args.targets.is_empty() || args.targets.iter().any(|s| s == t.key()))
        .collect();
    ensure!(!targets.is_empty(), "no target matches {:?}", args.targets);
    let with_hive = targets
        .iter()
        .any(|t| matches!(t, Target::HiveRouter | Target::HiveRouterNoDedupe));
    let hive = if with_hive {
        let hive = absolute(args.hive_router.as_deref().context(
            "--hive-router (or HIVE_ROUTER_BIN) is required to measure hive targets \
             (--targets ours,baseline runs without it)",
        )?)?;
        ensure!(
            hive.is_file(),
            "no hive_router binary at {}",
            hive.display()
        );
        Some(hive)
    } else {
        None
    };
    let with_w1 = selected_workloads.iter().any(|w| w.signed_in);
    let span = Duration::from_secs_f64(args.warmup + args.duration);
    ensure!(
        !with_w1 || !targets.iter().any(|t| t.is_ours()) || signed_in::fits_access_token(span),
        "W1 on our gateway needs warm-up + duration under 14 minutes (one access token)"
    );

    let work = prepare_work_dir(&args.work_dir)?;
    let logs = work.join("logs");
    std::fs::create_dir_all(&logs)?;
    let ports = Ports {
        ours: args.port_base,
        hive: args.port_base + 10,
        base: args.port_base,
    };
    let provider_port = args.port_base + 20;
    procs::ensure_port_free(ports.ours, "our gateway")?;
    if with_hive {
        procs::ensure_port_free(ports.hive, "hive-router")?;
        procs::ensure_port_free(ports.hive + 1, "hive-router without dedupe")?;
    }
    if with_w1 {
        procs::ensure_port_free(provider_port, "dev-vneid")?;
    }
    for name in SUBGRAPHS {
        procs::ensure_port_free(ports.subgraph(name), name)?;
    }

    // The supergraph, composed by the binary under test, on our ports.
    step("composing the supergraph");
    run_to_end(
        Command::new(&congdan)
            .args(["compose", "--out"])
            .arg(work.join("schema"))
            .current_dir(&work),
        "congdan compose",
    )?;
    let composed = std::fs::read_to_string(work.join("schema/supergraph.graphql"))?;
    let supergraph_path = work.join("supergraph.graphql");
    std::fs::write(&supergraph_path, point_at(&composed, &ports)?)?;

    // The dataset.
    let database_url = format!("sqlite://{}?mode=rwc", work.join("bench.db").display());
    step("migrating and inserting the demo data (congdan seed)");
    run_to_end(
        Command::new(&congdan)
            .arg("seed")
            .env("DATABASE_URL", &database_url)
            .env("LOG_LEVEL", "warn")
            .current_dir(&work),
        "congdan seed",
    )?;
    step(&format!(
        "generating {} reports (seed {})",
        args.reports, args.seed
    ));
    let dataset = dataset::generate(&database_url, args.reports, args.seed).await?;

    // The processes.
    let mut procs = Procs::default();
    let common_env = |command: &mut Command| {
        command
            .current_dir(&work)
            .env("DATABASE_URL", &database_url)
            .env("LOG_LEVEL", "warn")
            .env("LOG_FORMAT", "text")
            .env(
                "IDENTITY_JWKS_URL",
                format!("http://127.0.0.1:{}/.well-known/jwks.json", ports.ours),
            )
            // 32 fixed bytes: every subgraph process must share one key.
            .env(
                "PERSONAL_DATA_KEY",
                "YmVuY2gtb25seS1rZXktbm90LWEtc2VjcmV0LTAwMDE=",
            )
            .env_remove("EVENT_BUS_URL")
            .env_remove("RUST_LOG");
    };
    step("starting the six subgraphs");
    for name in SUBGRAPHS {
        let mut command = Command::new(&congdan);
        command.args(["subgraph", name]).env(
            "SUBGRAPH_ADDR",
            format!("127.0.0.1:{}", ports.subgraph(name)),
        );
        common_env(&mut command);
        procs.spawn(name, command, &logs)?;
    }
    let client = reqwest::Client::builder()
        .no_proxy()
        .http1_only()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(args.concurrency * 2)
        .timeout(Duration::from_secs(30))
        .build()?;
    let ping = workloads::body("{ __typename }", None);
    for name in SUBGRAPHS {
        wait_ready(&mut procs, name, || {
            client
                .post(ports.subgraph_url(name))
                .header("content-type", "application/json")
                .body(ping.clone())
                .send()
        })
        .await?;
    }

    let gateway_base = format!("http://127.0.0.1:{}", ports.ours);
    let provider = format!("http://127.0.0.1:{provider_port}");
    if with_w1 {
        step("starting the development VNeID provider (W1 signs a citizen in)");
        let mut command = Command::new(&congdan);
        command
            .arg("dev-vneid")
            .env("DEV_VNEID_ADDR", format!("127.0.0.1:{provider_port}"))
            .env("DEV_VNEID_CLIENT_SECRET", sign_in::DEV_VNEID_SECRET)
            .env(
                "DEV_VNEID_REDIRECT_URIS",
                format!("{gateway_base}/auth/callback"),
            );
        common_env(&mut command);
        procs.spawn("dev-vneid", command, &logs)?;
        wait_ready(&mut procs, "dev-vneid", || {
            client
                .get(format!("{provider}/.well-known/openid-configuration"))
                .send()
        })
        .await?;
    }

    step(if with_hive {
        "starting our gateway and hive-router (dedupe on, its default, and off)"
    } else {
        "starting our gateway (no hive target selected: hive-router not started)"
    });
    // Our gateway in each configuration measured (the plain one always: the
    // data check compares against it).
    let mut gateways = Vec::new();
    for (target, port, coalesce, dedupe) in [
        (Target::Ours, ports.ours, true, true),
        (Target::OursNoCoalesce, ports.ours + 12, false, true),
        (Target::OursNoDedupe, ports.ours + 13, false, false),
    ] {
        if target != Target::Ours && !targets.contains(&target) {
            continue;
        }
        procs::ensure_port_free(port, target.key())?;
        let mut command = Command::new(&congdan);
        command
            .arg("gateway")
            .env("GATEWAY_ADDR", format!("127.0.0.1:{port}"))
            .env("SUPERGRAPH_PATH", &supergraph_path)
            .env("COALESCE_QUERIES", coalesce.to_string())
            .env("DEDUPE_SUBGRAPH_REQUESTS", dedupe.to_string());
        common_env(&mut command);
        if with_w1 {
            sign_in::use_dev_vneid(&mut command, &provider);
        }
        gateways.push(Gateway {
            target,
            pid: procs.spawn(target.key(), command, &logs)?,
            url: format!("http://127.0.0.1:{port}/graphql"),
            ready: format!("http://127.0.0.1:{port}/health"),
        });
        if target == Target::Ours {
            // The others sign keys into the same database: let the first
            // gateway create the key ring alone.
            wait_ready(&mut procs, target.key(), || {
                client.get(format!("http://127.0.0.1:{port}/health")).send()
            })
            .await?;
        }
    }
    // Hive Router, when a hive target is measured.
    let hive_instances = match &hive {
        Some(hive) => vec![
            (hive, Target::HiveRouter, ports.hive, true),
            (hive, Target::HiveRouterNoDedupe, ports.hive + 1, false),
        ],
        None => Vec::new(),
    };
    for (hive, target, port, dedupe) in hive_instances {
        let config = work.join(format!("{}.router.config.yaml", target.key()));
        std::fs::write(&config, hive_config_yaml(&supergraph_path, port, dedupe))?;
        let mut command = Command::new(hive);
        command
            .current_dir(&work)
            .env("ROUTER_CONFIG_FILE_PATH", &config)
            .env_remove("LOG_LEVEL")
            .env_remove("SUPERGRAPH_FILE_PATH")
            .env_remove("HOST")
            .env_remove("PORT");
        gateways.push(Gateway {
            target,
            pid: procs.spawn(target.key(), command, &logs)?,
            url: format!("http://127.0.0.1:{port}/graphql"),
            ready: format!("http://127.0.0.1:{port}/readiness"),
        });
    }
    for gateway in &gateways {
        wait_ready(&mut procs, gateway.target.key(), || {
            client.get(&gateway.ready).send()
        })
        .await?;
    }

    let mut signed_in = None;
    if with_w1 {
        step(&format!(
            "signing in test citizen {} through our gateway; pins, profile, notifications",
            signed_in::CITIZEN_SUB
        ));
        let citizen = SignedIn::start(&client, &provider, &gateway_base, &database_url).await?;
        println!("  citizen {}", citizen.citizen_id);
        signed_in = Some(citizen);
    }

    // Same data from all, before anything is measured.
    step("checking that every gateway answers what the subgraphs hold");
    let mut notes = Vec::new();
    let mut mismatches = Vec::new();
    let mut plans: Vec<(usize, Target, Operation)> = Vec::new();
    let answers_dir = work.join("answers");
    std::fs::create_dir_all(&answers_dir)?;
    for (index, workload) in selected_workloads.iter().enumerate() {
        let body = workloads::body(workload.query, None);
        let credential_for = |target: Target| match (&signed_in, workload.signed_in) {
            (Some(citizen), true) => Some(citizen.credential(target)),
            _ => None,
        };
        if workload.signed_in {
            if let Some(citizen) = &signed_in {
                citizen.mint_now()?;
            }
        }
        let mut answers: Vec<(Target, Value, Operation)> = Vec::new();
        for gateway in &gateways {
            let what = format!("{} through {}", workload.id, gateway.target.key());
            let credential = credential_for(gateway.target);
            let (raw, value) =
                workloads::ask(&client, &gateway.url, &body, credential.as_deref(), &what).await?;
            std::fs::write(
                answers_dir.join(format!("{}-{}.json", workload.id, gateway.target.key())),
                &raw,
            )?;
            let op = Operation::single(load::Request {
                url: gateway.url.clone(),
                body: body.clone(),
                expected_len: raw.len(),
                credential,
            });
            answers.push((gateway.target, value["data"].clone(), op));
        }
        let (baseline_op, baseline_data) = workloads::baseline_operation(
            &client,
            workload,
            |name| ports.subgraph_url(name),
            credential_for(Target::Baseline),
        )
        .await?;
        answers.push((Target::Baseline, baseline_data, baseline_op));
        // The subgraphs' own answer is the truth each gateway must give.
        let truth = answers.last().expect("baseline").1.clone();
        workloads::sanity(workload, &truth)?;
        let mut agreed = true;
        for (target, data, _) in &answers[..answers.len() - 1] {
            let (count, first) = workloads::differences(&truth, data);
            if let Some(first) = first {
                agreed = false;
                let dump = work.join(format!("mismatch-{}-{}.json", workload.id, target.key()));
                std::fs::write(
                    &dump,
                    serde_json::to_string_pretty(&serde_json::json!({
                        "subgraphs": truth, "gateway": data, "gateway_is": target.key()
                    }))?,
                )?;
                let message = format!(
                    "{}: {} answers other data than the subgraphs hold: {count} value(s) differ, \
                     the first at {first} (subgraphs' first; both in {})",
                    workload.id,
                    target.key(),
                    dump.display()
                );
                if !args.allow_mismatch {
                    bail!("{message}\n(--allow-mismatch measures anyway and flags it)");
                }
                println!("  MISMATCH {message}");
                mismatches.push(message);
            }
        }
        let data_of = |target: Target| {
            answers
                .iter()
                .find(|(t, _, _)| *t == target)
                .map(|(_, data, _)| data)
        };
        if let (Some(ours), Some(hive)) = (data_of(Target::Ours), data_of(Target::HiveRouter)) {
            if serde_json::to_string(ours)? != serde_json::to_string(hive)?
                && workloads::differences(ours, hive).0 == 0
            {
                notes.push(format!(
                    "{}: ours and hive-router give the same data with keys in another order.",
                    workload.id
                ));
            }
        }
        let sizes: Vec<String> = answers
            .iter()
            .map(|(t, _, op)| {
                let bytes: usize = op.requests().map(|r| r.expected_len).sum();
                format!("{} {bytes} B", t.key())
            })
            .collect();
        println!(
            "  {}: {} ({})",
            workload.id,
            if agreed {
                "same data from all"
            } else {
                "answers differ (flagged)"
            },
            sizes.join(", ")
        );
        for (target, _, op) in answers {
            if targets.contains(&target) {
                plans.push((index, target, op));
            }
        }
    }

    // The measured runs.
    let settings = load::Settings {
        concurrency: args.concurrency,
        warmup: Duration::from_secs_f64(args.warmup),
        duration: Duration::from_secs_f64(args.duration),
    };
    let subgraph_pids = procs.pids(&SUBGRAPHS);
    let mut rows = Vec::new();
    for (index, target, op) in &plans {
        let workload = &selected_workloads[*index];
        step(&format!("{} on {}", workload.id, target.label()));
        procs.check_alive()?;
        let gateway_pid = gateways.iter().find(|g| g.target == *target).map(|g| g.pid);
        // W1's credential, fresh for this run (and kept fresh during it).
        let remint = match (&mut signed_in, workload.signed_in) {
            (Some(citizen), true) => citizen.ready_for(*target, span).await?,
            _ => None,
        };
        let load_average = load_average();
        let peak_reset = gateway_pid.is_some_and(procs::reset_peak);
        // CPU counters when the measured window opens (after the warm-up)...
        let warmup = settings.warmup;
        let pids = subgraph_pids.clone();
        let at_start = tokio::spawn(async move {
            tokio::time::sleep(warmup).await;
            CpuSnapshot::take(gateway_pid, &pids)
        });
        let sampler = gateway_pid
            .map(|pid| tokio::spawn(sample_rss(pid, settings.warmup + settings.duration)));
        let outcome = load::run(&client, op, &settings).await;
        if let Some(task) = remint {
            task.abort();
        }
        // ...and when its last request has finished.
        let at_end = CpuSnapshot::take(gateway_pid, &subgraph_pids);
        let at_start = at_start.await?;
        let sampled_peak = match sampler {
            Some(task) => Some(task.await?),
            None => None,
        };
        procs.check_alive()?;
        let ops = outcome.operations.max(1) as f64;
        let per_op = |d: Duration| d.as_secs_f64() * 1e6 / ops;
        let (peak_rss_bytes, peak_rss_source) = match gateway_pid {
            None => (None, None),
            Some(pid) if peak_reset => (
                procs::status_bytes(pid, "VmHWM"),
                Some("VmHWM (reset before the run)".to_string()),
            ),
            Some(_) => (sampled_peak, Some("VmRSS sampled every 50 ms".to_string())),
        };
        println!(
            "  {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms, {} failures{}",
            outcome.ops_per_sec,
            outcome.p50_ms,
            outcome.p99_ms,
            outcome.failures,
            peak_rss_bytes
                .map(|b| format!(", peak RSS {:.1} MiB", b as f64 / 1048576.0))
                .unwrap_or_default()
        );
        let window = at_end
            .wall
            .duration_since(at_start.wall)
            .as_secs_f64()
            .max(1e-9);
        rows.push(Row {
            workload: workload.id.to_string(),
            title: workload.title.to_string(),
            target: *target,
            gateway_cpu_us_per_op: at_end
                .gateway
                .zip(at_start.gateway)
                .map(|(end, start)| per_op(end.saturating_sub(start))),
            subgraphs_cpu_us_per_op: per_op(at_end.subgraphs.saturating_sub(at_start.subgraphs)),
            client_cpu_percent: at_end.client.saturating_sub(at_start.client).as_secs_f64() * 100.0
                / window,
            outcome,
            peak_rss_bytes,
            peak_rss_source,
            load_average,
        });
    }
    procs.stop_all(Duration::from_secs(5));

    // The results.
    let baseline_of = |id: &str| {
        targets.contains(&Target::Baseline) && selected_workloads.iter().any(|w| w.id == id)
    };
    if baseline_of("W1") {
        notes.push(
            "Baseline of W1: per operation, citizen's `me` query (other subgraphs' entities \
             as their keys), then the five `_entities` calls for its references (feedback: the \
             pinned report and the notifications' reports; geo: the home ward and the pinned \
             unit; directories, dossiers, content: the pinned agency, procedure, article) all at \
             the same time; every request with the identity token in `x-congdan-identity`, as \
             a gateway forwards it. Its latency is the whole."
                .to_string(),
        );
    }
    if baseline_of("W2") {
        notes.push(
            "Baseline of W2: per operation, feedback's query (the ward and the agency as their \
             keys), then geo's `_entities` for the page's distinct wards and directories' for \
             its distinct agencies, the two at the same time; its latency is the whole. The \
             representations are fixed (the data are), so the baseline does no JSON work \
             between the stages; a gateway does that and more."
                .to_string(),
        );
    }
    if with_w1 {
        notes.push(
            "W1 is asked as a signed-in citizen. Our gateway gets `Authorization: Bearer <access \
             token>` and, per request, checks it (claims, expiry, the session still live: cached \
             5 s; its EdDSA signature verified once per token) and forwards an identity token to \
             the subgraphs (signed once per identity, reused 20 s). Hive Router \
             cannot sign our citizens in: it gets the identity token itself \
             (`x-congdan-identity`, signed by the benchmark with the gateway's key, again every \
             20 s) and only forwards it (header propagation), with its own `@authenticated` \
             check off; the subgraphs verify it in both cases. So for W1 our gateway does more \
             work per request than Hive Router."
                .to_string(),
        );
    }
    notes.push(
        "Peak RSS is the gateway process's VmHWM, reset (clear_refs) before each run, so it \
         covers warm-up and measured time of that run only. CPU times come from \
         /proc/<pid>/stat at the start and end of the measured window."
            .to_string(),
    );
    if targets.contains(&Target::HiveRouter) || targets.contains(&Target::Ours) {
        notes.push(
            "Both gateways, as they come, answer identical in-flight subgraph requests once \
             (hive-router's dedupe; ours: DEDUPE_SUBGRAPH_REQUESTS); ours also answers identical \
             in-flight query operations (same operation, variables and caller) with one \
             execution (COALESCE_QUERIES). With every connection sending the same query, the \
             subgraphs then do a fraction of the work (see subgraphs CPU), which is how a \
             gateway can beat the baseline. ours-nocoalesce has subgraph deduplication only, \
             as Hive Router; ours-nodedupe and hive-nodedupe have neither: those pairs compare \
             the engines like for like."
                .to_string(),
        );
    }
    if rows.iter().any(|r| r.load_average.is_some_and(|l| l > 2.5)) {
        notes.push(
            "The machine was busy with other work during some runs (load average above 2.5 on \
             2 CPUs): compare rows measured at similar load."
                .to_string(),
        );
    }
    let (git_sha, git_dirty) = git_state();
    let now = chrono::Utc::now();
    let results = Results {
        date: now.format("%Y-%m-%d %H:%M UTC").to_string(),
        git_sha: git_sha.clone(),
        git_dirty,
        congdan_binary: describe_binary(&congdan),
        machine: machine(),
        settings: report::Settings {
            concurrency: args.concurrency,
            warmup_secs: args.warmup,
            duration_secs: args.duration,
            client_threads: args.client_threads,
            hive_router_version: args.hive_router_version.clone(),
        },
        dataset,
        not_run: Vec::new(),
        rows,
        mismatches,
        notes,
    };
    let markdown = results.markdown();
    std::fs::create_dir_all(&args.results_dir)?;
    let stem = format!("{}-{}", now.format("%Y-%m-%d"), git_sha);
    let md_path = args.results_dir.join(format!("{stem}.md"));
    let json_path = args.results_dir.join(format!("{stem}.json"));
    std::fs::write(&md_path, &markdown)?;
    std::fs::write(&json_path, serde_json::to_string_pretty(&results)? + "\n")?;
    println!("\n{markdown}");
    println!("written: {} and {}", md_path.display(), json_path.display());
    if results.rows.iter().any(|r| r.outcome.failures > 0) {
        bail!("some runs had failures (flagged in the table)");
    }
    if !results.mismatches.is_empty() {
        bail!("a gateway answered other data than the subgraphs (flagged in the results)");
    }
    Ok(())
}

fn step(what: &str) {
    println!("==> {what}");
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    Ok(if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()?.join(path)
    })
}

/// Empties the work folder (only one this benchmark made) and returns its
/// absolute path.
fn prepare_work_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    let dir = absolute(dir)?;
    if dir.exists() {
        let ours = dir.join(MARKER).exists();
        let empty = std::fs::read_dir(&dir)?.next().is_none();
        ensure!(
            ours || empty,
            "{} exists and was not made by congdan-bench; pick another --work-dir",
            dir.display()
        );
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join(MARKER),
        "scratch folder of congdan-bench; emptied on each run\n",
    )?;
    Ok(dir)
}

fn run_to_end(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let output = command
        .output()
        .with_context(|| format!("running {what}"))?;
    if !output.status.success() {
        bail!(
            "{what} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(())
}

/// The supergraph with each `join__graph` URL on the benchmark's ports.
fn point_at(supergraph: &str, ports: &Ports) -> anyhow::Result<String> {
    let mut text = supergraph.to_string();
    for name in SUBGRAPHS {
        let prefix = format!("@join__graph(name: \"{name}\", url: \"");
        let start = text
            .find(&prefix)
            .with_context(|| format!("no join__graph for {name} in the supergraph"))?
            + prefix.len();
        let end = start + text[start..].find('"').context("unterminated URL")?;
        text.replace_range(start..end, &ports.subgraph_url(name));
    }
    Ok(text)
}

/// Hive Router's configuration. It cannot sign our citizens in: W1 sends
/// it the identity token the subgraphs accept, which it forwards to every
/// subgraph (`headers`), and the subgraphs enforce who may read what;
/// Hive Router's own `@authenticated` check, which would need its JWT
/// authentication set up, is off.
fn hive_config_yaml(supergraph: &Path, port: u16, dedupe: bool) -> String {
    format!(
        "# Written by congdan-bench for this run.\n\
         supergraph:\n  source: file\n  path: {}\n\
         http:\n  host: 127.0.0.1\n  port: {port}\n\
         log:\n  level: warn\n\
         traffic_shaping:\n  all:\n    dedupe_enabled: {dedupe}\n\
         headers:\n  all:\n    request:\n      - propagate:\n          named: {}\n\
         authorization:\n  directives:\n    enabled: false\n",
        supergraph.display(),
        signed_in::IDENTITY_HEADER,
    )
}

async fn wait_ready<F, Fut>(procs: &mut Procs, name: &str, probe: F) -> anyhow::Result<()>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        procs.check_alive()?;
        if let Ok(response) = probe().await {
            if response.status().is_success() {
                println!("  {name} is ready");
                return Ok(());
            }
        }
        ensure!(Instant::now() < deadline, "{name} was not ready after 60 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// CPU time used so far by the gateway under test, the subgraphs and the
/// load generator.
struct CpuSnapshot {
    wall: Instant,
    gateway: Option<Duration>,
    subgraphs: Duration,
    client: Duration,
}

impl CpuSnapshot {
    fn take(gateway: Option<u32>, subgraphs: &[u32]) -> Self {
        let cpu = |pid: u32| procs::cpu_time(pid).unwrap_or_default();
        Self {
            wall: Instant::now(),
            gateway: gateway.map(cpu),
            subgraphs: subgraphs.iter().map(|&p| cpu(p)).sum(),
            client: procs::self_cpu_time().unwrap_or_default(),
        }
    }
}

/// The highest VmRSS seen while sampling for `span`.
async fn sample_rss(pid: u32, span: Duration) -> u64 {
    let end = Instant::now() + span;
    let mut peak = 0;
    while Instant::now() < end {
        peak = peak.max(procs::status_bytes(pid, "VmRSS").unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    peak
}

fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn git_state() -> (String, bool) {
    let sha = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .is_some_and(|o| !o.stdout.is_empty());
    (sha, dirty)
}

fn describe_binary(path: &Path) -> String {
    let built = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .map(|t| {
            chrono::DateTime::<chrono::Utc>::from(t)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        })
        .unwrap_or_else(|_| "unknown".to_string());
    format!("`{}`, built {built}", path.display())
}

fn machine() -> report::Machine {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".to_string());
    let memory_total_bytes = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0)
        * 1024;
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .unwrap_or_default()
        .trim()
        .to_string();
    report::Machine {
        cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
        cpu_model,
        memory_total_bytes,
        kernel,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_supergraph_points_at_the_bench_ports() {
        let mut text = String::from("enum join__Graph {\n");
        for (i, name) in SUBGRAPHS.iter().enumerate() {
            text.push_str(&format!(
                "  X @join__graph(name: \"{name}\", url: \"http://127.0.0.1:{}/graphql\")\n",
                4001 + i
            ));
        }
        let ports = Ports {
            ours: 14_000,
            hive: 14_010,
            base: 14_000,
        };
        let out = point_at(&text, &ports).unwrap();
        assert!(out.contains("name: \"geo\", url: \"http://127.0.0.1:14005/graphql\""));
        assert!(!out.contains(":4001/"));
    }

    #[test]
    fn the_queries_parse_as_requests() {
        for w in workloads::all() {
            let body: Value = serde_json::from_slice(&workloads::body(w.query, None)).unwrap();
            assert!(body["query"].as_str().unwrap().contains("query "));
        }
    }
}
