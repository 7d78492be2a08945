//! Counters and histograms for `/metrics` (Prometheus text format): requests
//! by outcome, plan cache hits and misses, latency and errors per subgraph.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
pub struct Histogram {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            if seconds <= *bound {
                bucket.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        self.sum_micros
            .fetch_add(elapsed.as_micros() as u64, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        for (bound, bucket) in BUCKETS.iter().zip(&self.buckets) {
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels},le=\"{bound}\"}} {}",
                bucket.load(Relaxed)
            );
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
        let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
    }
}

#[derive(Default)]
pub struct SubgraphMetrics {
    pub latency: Histogram,
    pub errors: AtomicU64,
}

/// How a request ended.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// Data and no errors.
    Ok,
    /// Executed, with errors in the response.
    Partial,
    /// Refused before execution (bad request, limits, validation).
    Rejected,
}

pub struct Metrics {
    ok: AtomicU64,
    partial: AtomicU64,
    rejected: AtomicU64,
    pub plan_hits: AtomicU64,
    pub plan_misses: AtomicU64,
    /// Query operations answered by an identical one in flight.
    pub coalesced: AtomicU64,
    /// Per subgraph, created on first use (a reloaded supergraph may bring
    /// new subgraphs).
    subgraphs: RwLock<BTreeMap<String, Arc<SubgraphMetrics>>>,
}

impl Metrics {
    pub fn new<'a>(subgraphs: impl IntoIterator<Item = &'a String>) -> Self {
        Self {
            ok: AtomicU64::new(0),
            partial: AtomicU64::new(0),
            rejected: AtomicU64::new(0),
            plan_hits: AtomicU64::new(0),
            plan_misses: AtomicU64::new(0),
            coalesced: AtomicU64::new(0),
            subgraphs: RwLock::new(
                subgraphs
                    .into_iter()
                    .map(|name| (name.clone(), Arc::default()))
                    .collect(),
            ),
        }
    }

    pub fn request(&self, outcome: Outcome) {
        match outcome {
            Outcome::Ok => &self.ok,
            Outcome::Partial => &self.partial,
            Outcome::Rejected => &self.rejected,
        }
        .fetch_add(1, Relaxed);
    }

    /// The metrics of subgraph `name`, created on first use.
    pub fn subgraph(&self, name: &str) -> Arc<SubgraphMetrics> {
        if let Some(found) = self
            .subgraphs
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return found.clone();
        }
        let mut subgraphs = self.subgraphs.write().unwrap_or_else(|e| e.into_inner());
        subgraphs.entry(name.to_string()).or_default().clone()
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP gateway_requests_total GraphQL requests by outcome.\n");
        out.push_str("# TYPE gateway_requests_total counter\n");
        for (outcome, value) in [
            ("ok", &self.ok),
            ("partial", &self.partial),
            ("rejected", &self.rejected),
        ] {
            let _ = writeln!(
                out,
                "gateway_requests_total{{outcome=\"{outcome}\"}} {}",
                value.load(Relaxed)
            );
        }
        out.push_str("# HELP gateway_plan_cache_total Query plan cache lookups.\n");
        out.push_str("# TYPE gateway_plan_cache_total counter\n");
        let _ = writeln!(
            out,
            "gateway_plan_cache_total{{result=\"hit\"}} {}",
            self.plan_hits.load(Relaxed)
        );
        let _ = writeln!(
            out,
            "gateway_plan_cache_total{{result=\"miss\"}} {}",
            self.plan_misses.load(Relaxed)
        );
        out.push_str("# HELP gateway_coalesced_queries_total Query operations answered by an identical one in flight.\n");
        out.push_str("# TYPE gateway_coalesced_queries_total counter\n");
        let _ = writeln!(
            out,
            "gateway_coalesced_queries_total {}",
            self.coalesced.load(Relaxed)
        );
        out.push_str(
            "# HELP gateway_subgraph_request_duration_seconds Subgraph request latency.\n",
        );
        out.push_str("# TYPE gateway_subgraph_request_duration_seconds histogram\n");
        let subgraphs = self.subgraphs.read().unwrap_or_else(|e| e.into_inner());
        for (name, subgraph) in subgraphs.iter() {
            subgraph.latency.render(
                &mut out,
                "gateway_subgraph_request_duration_seconds",
                &format!("subgraph=\"{name}\""),
            );
        }
        out.push_str("# HELP gateway_subgraph_errors_total Subgraph requests that failed (down, timeout, bad answer).\n");
        out.push_str("# TYPE gateway_subgraph_errors_total counter\n");
        for (name, subgraph) in subgraphs.iter() {
            let _ = writeln!(
                out,
                "gateway_subgraph_errors_total{{subgraph=\"{name}\"}} {}",
                subgraph.errors.load(Relaxed)
            );
        }
        out
    }
}
