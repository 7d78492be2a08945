//! The results: a Markdown table (printed and written) and the same in JSON.

use std::fmt::Write as _;

use serde::Serialize;

use crate::dataset;
use crate::load::Outcome;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Target {
    /// Our gateway as it comes: identical query operations in flight share
    /// one execution (`COALESCE_QUERIES`), identical subgraph requests one
    /// request (`DEDUPE_SUBGRAPH_REQUESTS`).
    Ours,
    /// Ours with operation coalescing off: subgraph deduplication only, the
    /// mechanism Hive Router has (like for like with `HiveRouter`).
    OursNoCoalesce,
    /// Ours with both off (like for like with `HiveRouterNoDedupe`).
    OursNoDedupe,
    HiveRouter,
    HiveRouterNoDedupe,
    Baseline,
}

impl Target {
    pub const ALL: [Target; 6] = [
        Target::Ours,
        Target::OursNoCoalesce,
        Target::OursNoDedupe,
        Target::HiveRouter,
        Target::HiveRouterNoDedupe,
        Target::Baseline,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Target::Ours => "ours (congdan gateway)",
            Target::OursNoCoalesce => "ours, operation coalescing off",
            Target::OursNoDedupe => "ours, coalescing and dedupe off",
            Target::HiveRouter => "hive-router",
            Target::HiveRouterNoDedupe => "hive-router, dedupe off",
            Target::Baseline => "baseline (W4, no gateway)",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Target::Ours => "ours",
            Target::OursNoCoalesce => "ours-nocoalesce",
            Target::OursNoDedupe => "ours-nodedupe",
            Target::HiveRouter => "hive",
            Target::HiveRouterNoDedupe => "hive-nodedupe",
            Target::Baseline => "baseline",
        }
    }

    /// One of our gateway's configurations.
    pub fn is_ours(self) -> bool {
        matches!(
            self,
            Target::Ours | Target::OursNoCoalesce | Target::OursNoDedupe
        )
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub workload: String,
    pub title: String,
    pub target: Target,
    pub outcome: Outcome,
    /// Peak resident memory of the gateway process during the run (warm-up
    /// included); none for the baseline.
    pub peak_rss_bytes: Option<u64>,
    /// `VmHWM` (reset before the run) or `sampled VmRSS` (every 50 ms).
    pub peak_rss_source: Option<String>,
    /// Gateway CPU time per operation in the measured window, in
    /// microseconds.
    pub gateway_cpu_us_per_op: Option<f64>,
    /// CPU of the six subgraph processes per operation, likewise.
    pub subgraphs_cpu_us_per_op: f64,
    /// The load generator's own CPU use, in percent of one core.
    pub client_cpu_percent: f64,
    /// 1-minute load average when the run started.
    pub load_average: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub concurrency: usize,
    pub warmup_secs: f64,
    pub duration_secs: f64,
    pub client_threads: usize,
    pub hive_router_version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory_total_bytes: u64,
    pub kernel: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Results {
    pub date: String,
    pub git_sha: String,
    pub git_dirty: bool,
    /// The congdan binary measured, and when it was built.
    pub congdan_binary: String,
    pub machine: Machine,
    pub settings: Settings,
    pub dataset: dataset::Summary,
    pub not_run: Vec<(String, String, String)>,
    pub rows: Vec<Row>,
    /// Gateways whose data differed from the subgraphs' (measured anyway,
    /// with `--allow-mismatch`).
    pub mismatches: Vec<String>,
    pub notes: Vec<String>,
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / (1024.0 * 1024.0))
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.2}", a / b)
    } else {
        "—".to_string()
    }
}

impl Results {
    fn find(&self, workload: &str, target: Target) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.workload == workload && r.target == target)
    }

    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let dirty = if self.git_dirty {
            " (with uncommitted changes)"
        } else {
            ""
        };
        let _ = writeln!(
            md,
            "# Gateway benchmark, {} at {}{dirty}\n",
            self.date, self.git_sha
        );
        let _ = writeln!(md, "Binary under test: {}.\n", self.congdan_binary);
        if !self.mismatches.is_empty() {
            md.push_str("**DATA MISMATCH** (measured anyway with `--allow-mismatch`):\n\n");
            for m in &self.mismatches {
                let _ = writeln!(md, "- {}", m.replace('`', "'"));
            }
            md.push('\n');
        }
        let s = &self.settings;
        let m = &self.machine;
        let d = &self.dataset;
        let _ = writeln!(
            md,
            "Machine: {} CPUs ({}), {:.1} GiB, Linux {}. Everything runs on it at once: \
             the load generator, the gateway under test and the subgraphs.\n",
            m.cpus,
            m.cpu_model,
            m.memory_total_bytes as f64 / (1u64 << 30) as f64,
            m.kernel
        );
        let _ = writeln!(
            md,
            "Load: {} connections (keep-alive), {} s warm-up, then {} s measured; \
             load generator on {} thread(s). Dataset: {} reports ({} generated, seed {}, \
             {} without a ward, {} handled by one of the {} agencies), {} categories, {} \
             administrative units, plus the demo data. Hive Router {} twice: as it comes (it \
             shares one subgraph request among identical ones in flight, \"dedupe\", as our \
             gateway does by default) and with that turned off.\n",
            s.concurrency,
            s.warmup_secs,
            s.duration_secs,
            s.client_threads,
            d.total_reports,
            d.generated_reports,
            d.seed,
            d.reports_without_ward,
            d.reports_with_agency,
            d.agencies,
            d.categories,
            d.admin_units,
            s.hive_router_version,
        );
        md.push_str(
            "| workload | target | req/s | p50 ms | p99 ms | peak RSS MiB | failures |\n\
             |---|---|---:|---:|---:|---:|---:|\n",
        );
        for (id, title, status) in &self.not_run {
            let _ = writeln!(md, "| {id} {title} | — | {status} | | | | |");
        }
        for row in &self.rows {
            let o = &row.outcome;
            let failures = if o.failures == 0 {
                "0".to_string()
            } else {
                format!("**{} FLAGGED**", o.failures)
            };
            let _ = writeln!(
                md,
                "| {} {} | {} | {:.0} | {:.2} | {:.2} | {} | {} |",
                row.workload,
                row.title,
                row.target.label(),
                o.ops_per_sec,
                o.p50_ms,
                o.p99_ms,
                row.peak_rss_bytes.map_or("—".to_string(), mib),
                failures
            );
        }
        md.push_str(
            "\nRatios (throughput: above 1 means ours is faster; p99, memory and CPU: \
             below 1 means ours is better). Each of our configurations against Hive \
             Router's like it: as they come (ours coalesces identical operations and \
             deduplicates subgraph requests, Hive deduplicates subgraph requests); \
             subgraph deduplication alone on both; everything off on both:\n\n\
             | workload | ours/hive req/s | ours/hive p99 | ours/hive peak RSS | \
             ours-nocoalesce/hive req/s | ours-nocoalesce/hive p99 | \
             ours-nocoalesce/hive gateway CPU per req | \
             ours-nodedupe/hive-nodedupe req/s | ours-nodedupe/hive-nodedupe p99 | \
             ours-nodedupe/hive-nodedupe gateway CPU per req | \
             ours/baseline req/s | ours/baseline p99 |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        let mut workloads: Vec<&str> = Vec::new();
        for row in &self.rows {
            if !workloads.contains(&row.workload.as_str()) {
                workloads.push(&row.workload);
            }
        }
        for w in &workloads {
            let find = |target| self.find(w, target);
            let pair = |a: Option<&Row>, b: Option<&Row>, f: fn(&Row) -> f64| match (a, b) {
                (Some(a), Some(b)) => ratio(f(a), f(b)),
                _ => "—".to_string(),
            };
            let rps = |r: &Row| r.outcome.ops_per_sec;
            let p99 = |r: &Row| r.outcome.p99_ms;
            let mem = |r: &Row| r.peak_rss_bytes.unwrap_or(0) as f64;
            let cpu = |r: &Row| r.gateway_cpu_us_per_op.unwrap_or(0.0);
            let (ours, hive) = (find(Target::Ours), find(Target::HiveRouter));
            let ours_nc = find(Target::OursNoCoalesce);
            let (ours_nd, hive_nd) = (find(Target::OursNoDedupe), find(Target::HiveRouterNoDedupe));
            let base = find(Target::Baseline);
            let _ = writeln!(
                md,
                "| {w} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                pair(ours, hive, rps),
                pair(ours, hive, p99),
                pair(ours, hive, mem),
                pair(ours_nc, hive, rps),
                pair(ours_nc, hive, p99),
                pair(ours_nc, hive, cpu),
                pair(ours_nd, hive_nd, rps),
                pair(ours_nd, hive_nd, p99),
                pair(ours_nd, hive_nd, cpu),
                pair(ours, base, rps),
                pair(ours, base, p99)
            );
        }
        md.push_str(
            "\nCPU time per request in the measured window (µs), and the machine's load:\n\n\
             | workload | target | gateway CPU | subgraphs CPU | load generator CPU % | \
             p90 ms | max ms | load avg at start |\n\
             |---|---|---:|---:|---:|---:|---:|---:|\n",
        );
        for row in &self.rows {
            let o = &row.outcome;
            let _ = writeln!(
                md,
                "| {} | {} | {} | {:.0} | {:.0} | {:.2} | {:.2} | {} |",
                row.workload,
                row.target.key(),
                row.gateway_cpu_us_per_op
                    .map_or("—".to_string(), |v| format!("{v:.0}")),
                row.subgraphs_cpu_us_per_op,
                row.client_cpu_percent,
                o.p90_ms,
                o.max_ms,
                row.load_average
                    .map_or("—".to_string(), |v| format!("{v:.2}"))
            );
        }
        let flagged: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.outcome.failures > 0)
            .collect();
        if !flagged.is_empty() {
            md.push_str("\n**Failures** (these rows do not count):\n\n");
            for row in flagged {
                let _ = writeln!(
                    md,
                    "- {} {}: {:?}; first: `{}`",
                    row.workload,
                    row.target.key(),
                    row.outcome.failure_kinds,
                    row.outcome
                        .failure_example
                        .as_deref()
                        .unwrap_or("")
                        .replace('`', "'")
                );
            }
        }
        if !self.notes.is_empty() {
            md.push('\n');
            for note in &self.notes {
                let _ = writeln!(md, "- {note}");
            }
        }
        md
    }
}
