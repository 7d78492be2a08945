//! The subscribers of the fan-out benchmark: one WebSocket connection each
//! to the gateway, speaking `graphql-transport-ws`, with one subscription,
//! timestamping every message the moment it is read; and the tally of what
//! they received.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde::Serialize;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message, Utf8Bytes};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Longest wait for the upgrade, and then for `connection_ack`.
const OPEN_TIMEOUT: Duration = Duration::from_secs(30);
/// The operation id every subscriber uses on its own connection.
const OPERATION: &str = "s";

/// What every subscriber sends and expects.
pub struct Spec {
    /// `ws://…/graphql` of the gateway.
    pub url: String,
    /// `connection_init` with the access token.
    pub init: Utf8Bytes,
    /// `subscribe` to the report.
    pub subscribe: Utf8Bytes,
    /// What a complete event holds.
    pub report_id: String,
    pub ward: String,
}

/// What a subscriber tells the coordinator.
pub enum Note {
    /// A `next` message, read at `at`.
    Event {
        subscriber: u32,
        at: Instant,
        status: Option<String>,
        /// The report's id and the ward's name from geo, and no errors.
        complete: bool,
        /// The first error of the payload, or what is missing.
        problem: Option<String>,
    },
    /// The subscription ended: `error`, `complete`, a close or a lost
    /// connection.
    Ended { why: String },
}

/// An open failure: (kind, for grouping; the message).
pub type OpenError = (String, String);

/// Starts subscriber `index`: it reports on `opened` once its
/// subscription is sent (or why it could not be), then reads until `stop`
/// turns true, when it completes the subscription and closes.
pub fn spawn(
    index: u32,
    spec: Arc<Spec>,
    notes: mpsc::UnboundedSender<Note>,
    mut stop: watch::Receiver<bool>,
) -> (oneshot::Receiver<Result<(), OpenError>>, JoinHandle<()>) {
    let (opened_tx, opened_rx) = oneshot::channel();
    let handle = tokio::spawn(async move {
        let socket = match open(&spec).await {
            Ok(socket) => {
                let _ = opened_tx.send(Ok(()));
                socket
            }
            Err(error) => {
                let _ = opened_tx.send(Err(error));
                return;
            }
        };
        let (mut sink, mut stream) = socket.split();
        loop {
            let message = tokio::select! {
                // (The guard `wait_for` returns is not Send: drop it inside.)
                _ = async { drop(stop.wait_for(|stop| *stop).await) } => {
                    let complete = format!(r#"{{"id":"{OPERATION}","type":"complete"}}"#);
                    let _ = sink.send(Message::Text(complete.into())).await;
                    let _ = sink.close().await;
                    return;
                }
                message = stream.next() => message,
            };
            let at = Instant::now();
            let text = match message {
                Some(Ok(Message::Text(text))) => text,
                Some(Ok(Message::Close(frame))) => {
                    let why = match frame {
                        Some(f) => {
                            format!("closed by the gateway: {} {}", u16::from(f.code), f.reason)
                        }
                        None => "closed by the gateway".to_string(),
                    };
                    let _ = notes.send(Note::Ended { why });
                    return;
                }
                Some(Ok(_)) => continue,
                Some(Err(error)) => {
                    let why = format!("connection lost: {error}");
                    let _ = notes.send(Note::Ended { why });
                    return;
                }
                None => {
                    let why = "connection lost: end of stream".to_string();
                    let _ = notes.send(Note::Ended { why });
                    return;
                }
            };
            let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            match value["type"].as_str() {
                Some("next") => {
                    let (status, complete, problem) = judge(&spec, &value["payload"]);
                    let _ = notes.send(Note::Event {
                        subscriber: index,
                        at,
                        status,
                        complete,
                        problem,
                    });
                }
                Some("ping") => {
                    let pong = Message::Text(r#"{"type":"pong"}"#.into());
                    if sink.send(pong).await.is_err() {
                        let why = "connection lost while answering a ping".to_string();
                        let _ = notes.send(Note::Ended { why });
                        return;
                    }
                }
                Some("pong") => {}
                Some("error") | Some("complete") => {
                    let why = format!("the gateway ended the subscription: {}", short(&text));
                    let _ = notes.send(Note::Ended { why });
                    return;
                }
                _ => {
                    let why = format!("an unexpected message: {}", short(&text));
                    let _ = notes.send(Note::Ended { why });
                    return;
                }
            }
        }
    });
    (opened_rx, handle)
}

/// Connects, initialises with the token, waits for the ack, subscribes.
async fn open(spec: &Spec) -> Result<Socket, OpenError> {
    let mut request = spec
        .url
        .as_str()
        .into_client_request()
        .map_err(|e| ("bad request".to_string(), e.to_string()))?;
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    let (mut socket, _) =
        match tokio::time::timeout(OPEN_TIMEOUT, tokio_tungstenite::connect_async(request)).await {
            Err(_) => return Err(("upgrade timed out (30 s)".to_string(), String::new())),
            Ok(Err(error)) => return Err(connect_error(error)),
            Ok(Ok(connected)) => connected,
        };
    let lost = |e: WsError| ("connection lost while opening".to_string(), e.to_string());
    socket
        .send(Message::Text(spec.init.clone()))
        .await
        .map_err(lost)?;
    let acked = tokio::time::timeout(OPEN_TIMEOUT, async {
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    match value["type"].as_str() {
                        Some("connection_ack") => return Ok(()),
                        Some("ping") => continue,
                        _ => {
                            return Err((
                                "unexpected message before the ack".to_string(),
                                short(&text),
                            ))
                        }
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    let (code, reason) = frame
                        .map(|f| (u16::from(f.code), f.reason.to_string()))
                        .unwrap_or((0, String::new()));
                    return Err((format!("closed before the ack: {code}"), reason));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(lost(e)),
                None => {
                    return Err((
                        "connection lost while opening".to_string(),
                        "end of stream".to_string(),
                    ))
                }
            }
        }
    })
    .await;
    match acked {
        Err(_) => return Err(("no connection_ack within 30 s".to_string(), String::new())),
        Ok(Err(error)) => return Err(error),
        Ok(Ok(())) => {}
    }
    socket
        .send(Message::Text(spec.subscribe.clone()))
        .await
        .map_err(lost)?;
    Ok(socket)
}

fn connect_error(error: WsError) -> OpenError {
    match &error {
        WsError::Io(io) => (format!("connect: {:?}", io.kind()), error.to_string()),
        WsError::Http(response) => (
            format!("upgrade refused: HTTP {}", response.status().as_u16()),
            response
                .body()
                .as_deref()
                .map(|b| String::from_utf8_lossy(&b[..b.len().min(300)]).into_owned())
                .unwrap_or_default(),
        ),
        _ => ("connect".to_string(), error.to_string()),
    }
}

/// (status, complete, problem) of a `next` payload.
fn judge(spec: &Spec, payload: &Value) -> (Option<String>, bool, Option<String>) {
    let report = &payload["data"]["reportUpdated"];
    let status = report["status"].as_str().map(str::to_string);
    let problem = if let Some(error) = payload["errors"].get(0) {
        Some(format!(
            "{} ({})",
            error["message"].as_str().unwrap_or("an error"),
            error["extensions"]["code"].as_str().unwrap_or("no code")
        ))
    } else if report["id"].as_str() != Some(spec.report_id.as_str()) {
        Some(format!("another report: {}", short(&report.to_string())))
    } else if report["ward"]["fullName"].as_str() != Some(spec.ward.as_str()) {
        Some(format!(
            "the ward is not {}: {}",
            spec.ward,
            short(&report["ward"].to_string())
        ))
    } else {
        None
    };
    (status, problem.is_none(), problem)
}

fn short(text: &str) -> String {
    let mut end = text.len().min(300);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

/// What the subscribers received, event by event.
pub struct Tally {
    subscribers: usize,
    /// The statuses the events bring, in order.
    statuses: Vec<&'static str>,
    /// Per event, per subscriber: when it first arrived.
    first: Vec<Vec<Option<Instant>>>,
    received: Vec<usize>,
    duplicates: Vec<u64>,
    incomplete: Vec<u64>,
    problem_example: Option<String>,
    /// Events of no expected status.
    unexpected: u64,
    /// Subscriptions that ended, by reason (shortened), and how many.
    pub ended: BTreeMap<String, u64>,
    pub ended_count: usize,
}

impl Tally {
    pub fn new(subscribers: usize, statuses: Vec<&'static str>) -> Self {
        let events = statuses.len();
        Self {
            subscribers,
            first: vec![vec![None; subscribers]; events],
            received: vec![0; events],
            duplicates: vec![0; events],
            incomplete: vec![0; events],
            statuses,
            problem_example: None,
            unexpected: 0,
            ended: BTreeMap::new(),
            ended_count: 0,
        }
    }

    pub fn add(&mut self, note: Note) {
        match note {
            Note::Event {
                subscriber,
                at,
                status,
                complete,
                problem,
            } => {
                let Some(k) = status
                    .as_deref()
                    .and_then(|s| self.statuses.iter().position(|t| *t == s))
                else {
                    self.unexpected += 1;
                    if self.problem_example.is_none() {
                        self.problem_example = problem.or(Some(format!("status {status:?}")));
                    }
                    return;
                };
                let slot = &mut self.first[k][subscriber as usize];
                if slot.is_some() {
                    self.duplicates[k] += 1;
                    return;
                }
                *slot = Some(at);
                self.received[k] += 1;
                if !complete {
                    self.incomplete[k] += 1;
                    if self.problem_example.is_none() {
                        self.problem_example = problem;
                    }
                }
            }
            Note::Ended { why, .. } => {
                self.ended_count += 1;
                let key = short(&why).chars().take(160).collect::<String>();
                *self.ended.entry(key).or_insert(0) += 1;
            }
        }
    }

    /// Takes every note already queued.
    pub fn drain(&mut self, notes: &mut mpsc::UnboundedReceiver<Note>) {
        while let Ok(note) = notes.try_recv() {
            self.add(note);
        }
    }

    /// Waits until every subscription still alive has event `k`, or until
    /// `deadline`; true when all have it.
    pub async fn wait_for(
        &mut self,
        k: usize,
        alive_at_start: usize,
        notes: &mut mpsc::UnboundedReceiver<Note>,
        deadline: Instant,
    ) -> bool {
        loop {
            self.drain(notes);
            let alive = alive_at_start.saturating_sub(self.ended_count);
            if self.received[k] >= alive {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            match tokio::time::timeout(left, notes.recv()).await {
                Ok(Some(note)) => self.add(note),
                Ok(None) | Err(_) => return false,
            }
        }
    }

    /// The figures of event `k`, sent at `sent`.
    pub fn event(&self, k: usize, sent: Instant) -> EventFigures {
        let mut latencies: Vec<f64> = self.first[k]
            .iter()
            .flatten()
            .map(|at| at.saturating_duration_since(sent).as_secs_f64() * 1000.0)
            .collect();
        latencies.sort_by(f64::total_cmp);
        let missing: Vec<usize> = (0..self.subscribers)
            .filter(|&i| self.first[k][i].is_none())
            .collect();
        let missed_but_later = missing
            .iter()
            .filter(|&&i| self.first[k + 1..].iter().any(|later| later[i].is_some()))
            .count();
        EventFigures {
            status: self.statuses[k].to_string(),
            expected: self.subscribers,
            delivered: self.received[k],
            complete: self.received[k] - self.incomplete[k] as usize,
            duplicates: self.duplicates[k],
            latency: Latency::of(&latencies),
            mutation_ms: 0.0,
            all_within_timeout: false,
            delivered_in_wait: self.received[k],
            missed_first: missing.iter().take(10).copied().collect(),
            missed_but_later,
        }
    }

    /// Every latency of every event (each against its own send time).
    pub fn all_latencies(&self, sent: &[Instant]) -> Vec<f64> {
        let mut all: Vec<f64> = self
            .first
            .iter()
            .zip(sent)
            .flat_map(|(arrivals, sent)| {
                arrivals
                    .iter()
                    .flatten()
                    .map(move |at| at.saturating_duration_since(*sent).as_secs_f64() * 1000.0)
            })
            .collect();
        all.sort_by(f64::total_cmp);
        all
    }

    pub fn unexpected(&self) -> u64 {
        self.unexpected
    }

    pub fn problem_example(&self) -> Option<&str> {
        self.problem_example.as_deref()
    }
}

/// Percentiles of sorted milliseconds (nearest rank, as `load.rs`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    pub count: usize,
    pub min_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Latency {
    pub fn of(sorted: &[f64]) -> Self {
        if sorted.is_empty() {
            return Self::default();
        }
        let pct = |p: f64| {
            let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            sorted[rank.clamp(1, sorted.len()) - 1]
        };
        Self {
            count: sorted.len(),
            min_ms: sorted[0],
            p50_ms: pct(50.0),
            p90_ms: pct(90.0),
            p99_ms: pct(99.0),
            max_ms: sorted[sorted.len() - 1],
        }
    }
}

/// One event's delivery.
#[derive(Debug, Clone, Serialize)]
pub struct EventFigures {
    /// The status the transition sets (ASSIGNED, IN_PROGRESS, RESOLVED).
    pub status: String,
    /// Subscriptions asked for (N).
    pub expected: usize,
    /// Subscribers that received the event (once counted).
    pub delivered: usize,
    /// Of those, events with the report's id, the ward's name from geo and
    /// no errors.
    pub complete: usize,
    /// Events a subscriber received more than once.
    pub duplicates: u64,
    /// From sending the mutation to reading the event, per subscriber.
    pub latency: Latency,
    /// The mutation's own round trip.
    pub mutation_ms: f64,
    /// Whether every live subscriber had it before the timeout.
    pub all_within_timeout: bool,
    /// Delivered when the wait for it ended (the rest came later).
    pub delivered_in_wait: usize,
    /// The first subscribers (in opening order) that never got it.
    pub missed_first: Vec<usize>,
    /// Subscribers that never got it but got a later event.
    pub missed_but_later: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        Spec {
            url: String::new(),
            init: "".into(),
            subscribe: "".into(),
            report_id: "r1".into(),
            ward: "Phường Bến Thành".into(),
        }
    }

    #[test]
    fn events_are_judged_by_id_ward_and_errors() {
        let good = serde_json::json!({ "data": { "reportUpdated": {
            "id": "r1", "status": "ASSIGNED", "ward": { "fullName": "Phường Bến Thành" } } } });
        assert_eq!(judge(&spec(), &good), (Some("ASSIGNED".into()), true, None));
        let no_ward = serde_json::json!({ "data": { "reportUpdated": {
            "id": "r1", "status": "ASSIGNED", "ward": null } },
            "errors": [{ "message": "geo is down", "extensions": { "code": "SUBGRAPH_UNAVAILABLE" } }] });
        let (status, complete, problem) = judge(&spec(), &no_ward);
        assert_eq!(status.as_deref(), Some("ASSIGNED"));
        assert!(!complete);
        assert!(problem.unwrap().contains("SUBGRAPH_UNAVAILABLE"));
    }

    #[test]
    fn the_tally_counts_first_arrivals_duplicates_and_ends() {
        let mut tally = Tally::new(3, vec!["ASSIGNED", "IN_PROGRESS"]);
        let sent = Instant::now();
        let event = |subscriber, status: &str, complete| Note::Event {
            subscriber,
            at: sent + Duration::from_millis(10 * (subscriber as u64 + 1)),
            status: Some(status.to_string()),
            complete,
            problem: (!complete).then(|| "no ward".to_string()),
        };
        tally.add(event(0, "ASSIGNED", true));
        tally.add(event(1, "ASSIGNED", false));
        tally.add(event(1, "ASSIGNED", true));
        tally.add(Note::Ended {
            why: "closed".into(),
        });
        let figures = tally.event(0, sent);
        assert_eq!((figures.delivered, figures.complete), (2, 1));
        assert_eq!(figures.duplicates, 1);
        assert_eq!(figures.latency.max_ms.round(), 20.0);
        assert_eq!(tally.ended_count, 1);
        assert_eq!(tally.event(1, sent).delivered, 0);
        assert_eq!(tally.problem_example(), Some("no ward"));
    }
}
