//! Hot reload: the supergraph file is polled; when its content changes the
//! new supergraph is loaded and swapped in for new requests. One that does
//! not load is refused and logged, and the old one stays.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Weak;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use super::Pipeline;
use super::Supergraph;

/// Polls `path` every `interval` while the pipeline lives. `loaded` is the
/// SDL the pipeline serves now.
pub fn watch(
    path: PathBuf,
    interval: Duration,
    loaded: &str,
    url_overrides: HashMap<String, String>,
    pipeline: Weak<Pipeline>,
) -> JoinHandle<()> {
    let mut last = digest(loaded);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(interval).await;
            let Some(pipeline) = pipeline.upgrade() else {
                return;
            };
            let sdl = match tokio::fs::read_to_string(&path).await {
                Ok(sdl) => sdl,
                Err(error) => {
                    tracing::warn!(path = %path.display(), %error, "cannot read the supergraph; keeping the one loaded");
                    continue;
                }
            };
            let hash = digest(&sdl);
            if hash == last {
                continue;
            }
            last = hash;
            let overrides = url_overrides.clone();
            // Building the planner's graph is CPU work.
            let built =
                tokio::task::spawn_blocking(move || Supergraph::from_sdl(&sdl, &overrides)).await;
            match built {
                Ok(Ok(supergraph)) => {
                    pipeline.replace(supergraph);
                    tracing::info!(path = %path.display(), "supergraph reloaded");
                }
                Ok(Err(error)) => {
                    tracing::error!(path = %path.display(), %error, "the new supergraph is refused; keeping the one loaded");
                }
                Err(error) => {
                    tracing::error!(%error, "loading the new supergraph panicked; keeping the one loaded");
                }
            }
        }
    })
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}
