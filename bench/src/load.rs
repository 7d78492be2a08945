//! The load generator: a fixed number of keep-alive connections, each
//! sending one operation after another for a warm-up and then for the
//! measured time. An operation is one request, or stages of requests (the
//! baseline of a query that needs several subgraphs): the stages one after
//! the other, the requests of a stage at the same time.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use memchr::memmem;
use reqwest::header::{HeaderName, HeaderValue};
use serde::Serialize;

/// A header whose value changes during a run (a credential that expires:
/// our access token, or an identity token of 60 s re-minted every 20 s).
pub struct Credential {
    pub name: HeaderName,
    value: RwLock<HeaderValue>,
}

impl Credential {
    pub fn new(name: HeaderName, value: HeaderValue) -> Arc<Self> {
        Arc::new(Self {
            name,
            value: RwLock::new(value),
        })
    }

    pub fn current(&self) -> HeaderValue {
        self.value.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set(&self, value: HeaderValue) {
        *self.value.write().unwrap_or_else(|e| e.into_inner()) = value;
    }
}

/// One request of an operation.
#[derive(Clone)]
pub struct Request {
    pub url: String,
    pub body: Bytes,
    /// Length of the verified answer: an answer of another length is
    /// counted as a failure (the data are fixed, so are the answers).
    pub expected_len: usize,
    /// Sent with the request when set (signed-in workloads).
    pub credential: Option<Arc<Credential>>,
}

#[derive(Clone)]
pub struct Operation {
    /// One after the other; the requests of one stage at the same time.
    pub stages: Vec<Vec<Request>>,
}

impl Operation {
    pub fn single(request: Request) -> Self {
        Self {
            stages: vec![vec![request]],
        }
    }

    pub fn requests(&self) -> impl Iterator<Item = &Request> {
        self.stages.iter().flatten()
    }
}

pub struct Settings {
    pub concurrency: usize,
    pub warmup: Duration,
    pub duration: Duration,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// Operations completed in the measured window (started in it).
    pub operations: u64,
    pub failures: u64,
    /// Failure kind -> count.
    pub failure_kinds: BTreeMap<String, u64>,
    /// The first failing answer, shortened.
    pub failure_example: Option<String>,
    pub elapsed_secs: f64,
    pub ops_per_sec: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

struct WorkerResult {
    latencies_us: Vec<u32>,
    failures: BTreeMap<String, u64>,
    failure_example: Option<String>,
    last_finish: Instant,
}

pub async fn run(client: &reqwest::Client, op: &Operation, settings: &Settings) -> Outcome {
    let op = Arc::new(op.clone());
    let start = Instant::now();
    let measure_from = start + settings.warmup;
    let stop_at = measure_from + settings.duration;
    let mut workers = Vec::with_capacity(settings.concurrency);
    for _ in 0..settings.concurrency {
        let client = client.clone();
        let op = op.clone();
        workers.push(tokio::spawn(async move {
            worker(client, op, measure_from, stop_at).await
        }));
    }
    let mut latencies: Vec<u32> = Vec::new();
    let mut failure_kinds = BTreeMap::new();
    let mut failure_example = None;
    let mut last_finish = measure_from;
    for handle in workers {
        let result = handle.await.expect("load worker panicked");
        latencies.extend_from_slice(&result.latencies_us);
        for (kind, n) in result.failures {
            *failure_kinds.entry(kind).or_insert(0) += n;
        }
        if failure_example.is_none() {
            failure_example = result.failure_example;
        }
        last_finish = last_finish.max(result.last_finish);
    }
    latencies.sort_unstable();
    let elapsed = last_finish
        .duration_since(measure_from)
        .as_secs_f64()
        .max(1e-9);
    let ms = |us: u32| us as f64 / 1000.0;
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
        ms(latencies[rank.clamp(1, latencies.len()) - 1])
    };
    let mean_ms = if latencies.is_empty() {
        0.0
    } else {
        latencies.iter().map(|&l| l as f64).sum::<f64>() / latencies.len() as f64 / 1000.0
    };
    Outcome {
        operations: latencies.len() as u64,
        failures: failure_kinds.values().sum(),
        failure_kinds,
        failure_example,
        elapsed_secs: elapsed,
        ops_per_sec: latencies.len() as f64 / elapsed,
        p50_ms: pct(50.0),
        p90_ms: pct(90.0),
        p99_ms: pct(99.0),
        max_ms: latencies.last().copied().map(ms).unwrap_or(0.0),
        mean_ms,
    }
}

async fn worker(
    client: reqwest::Client,
    op: Arc<Operation>,
    measure_from: Instant,
    stop_at: Instant,
) -> WorkerResult {
    let errors = memmem::Finder::new(b"\"errors\"");
    let mut result = WorkerResult {
        latencies_us: Vec::with_capacity(4096),
        failures: BTreeMap::new(),
        failure_example: None,
        last_finish: measure_from,
    };
    loop {
        let began = Instant::now();
        if began >= stop_at {
            break;
        }
        let mut failure: Option<(String, String)> = None;
        for stage in &op.stages {
            let outcome = match stage.as_slice() {
                [request] => send(&client, request, &errors).await,
                requests => {
                    futures::future::join_all(requests.iter().map(|r| send(&client, r, &errors)))
                        .await
                        .into_iter()
                        .collect::<Result<(), _>>()
                }
            };
            if let Err(f) = outcome {
                failure = Some(f);
                break;
            }
        }
        let finished = Instant::now();
        if began < measure_from {
            continue;
        }
        result.last_finish = finished;
        let micros = finished.duration_since(began).as_micros();
        result
            .latencies_us
            .push(micros.min(u32::MAX as u128) as u32);
        if let Some((kind, example)) = failure {
            *result.failures.entry(kind).or_insert(0) += 1;
            result.failure_example.get_or_insert(example);
        }
    }
    result
}

/// Ok, or (failure kind, example).
async fn send(
    client: &reqwest::Client,
    request: &Request,
    errors: &memmem::Finder<'_>,
) -> Result<(), (String, String)> {
    let mut builder = client
        .post(&request.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(credential) = &request.credential {
        builder = builder.header(credential.name.clone(), credential.current());
    }
    let response = builder
        .body(request.body.clone())
        .send()
        .await
        .map_err(|e| ("transport error".to_string(), e.to_string()))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| ("body read error".to_string(), e.to_string()))?;
    let example = || String::from_utf8_lossy(&body[..body.len().min(500)]).into_owned();
    if status != reqwest::StatusCode::OK {
        return Err((format!("HTTP {}", status.as_u16()), example()));
    }
    // A string value holding `"errors"` would be escaped, so this finds
    // only a key; no query here has a field named `errors`.
    if errors.find(&body).is_some() {
        return Err(("GraphQL errors".to_string(), example()));
    }
    if body.len() != request.expected_len {
        return Err((
            format!("answer of unexpected length (not {})", request.expected_len),
            example(),
        ));
    }
    Ok(())
}
