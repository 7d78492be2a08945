//! What the system logs, for tests that check a failure is logged (and
//! that no secret is), or wait for something only a log line tells (a
//! supergraph reloaded). One capturing subscriber serves the whole test
//! binary; tests look for lines only they can have caused (their own ids,
//! paths, addresses).

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::watch;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

#[derive(Clone)]
struct Buffer {
    bytes: Arc<Mutex<Vec<u8>>>,
    /// Moves at every write, for [`wait_for`].
    written: Arc<watch::Sender<u64>>,
}

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.bytes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(bytes);
        self.written.send_modify(|n| *n = n.wrapping_add(1));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Buffer {
    type Writer = Buffer;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

static BUFFER: OnceLock<Buffer> = OnceLock::new();

/// Starts capturing (once per test binary) warnings and errors, and the
/// gateway's supergraph reloads; call it before starting the system.
pub fn capture() {
    BUFFER.get_or_init(|| {
        let buffer = Buffer {
            bytes: Arc::default(),
            written: Arc::new(watch::channel(0).0),
        };
        let _ = tracing_subscriber::registry()
            .with(
                tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(buffer.clone())
                    .with_filter(
                        Targets::new()
                            .with_default(LevelFilter::WARN)
                            .with_target("congdan_gateway::pipeline::reload", LevelFilter::INFO),
                    ),
            )
            .try_init();
        buffer
    });
}

/// The log lines captured so far that contain every one of `needles`.
pub fn lines_with(needles: &[&str]) -> Vec<String> {
    let Some(buffer) = BUFFER.get() else {
        return Vec::new();
    };
    let bytes = buffer
        .bytes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    String::from_utf8_lossy(&bytes)
        .lines()
        .filter(|line| needles.iter().all(|n| line.contains(n)))
        .map(str::to_string)
        .collect()
}

/// Waits until `count` captured lines contain every one of `needles`,
/// checking at each write, for at most 30 s (a bound for a loaded machine,
/// not a timing expectation); the lines.
pub async fn wait_for(needles: &[&str], count: usize) -> Vec<String> {
    capture();
    let mut written = BUFFER.get().expect("capturing").written.subscribe();
    let waited = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            written.borrow_and_update();
            let lines = lines_with(needles);
            if lines.len() >= count {
                return lines;
            }
            written
                .changed()
                .await
                .expect("the buffer lives as long as the process");
        }
    })
    .await;
    waited.unwrap_or_else(|_| panic!("no {count} log lines with {needles:?}"))
}
