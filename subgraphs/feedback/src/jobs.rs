//! The feedback subgraph's maintenance job: fills what rows written before
//! the workflow lack, and closes reports resolved or rejected more than
//! `FEEDBACK_AUTO_CLOSE_DAYS` ago. Safe to run in every replica at once
//! (each close is a conditional update; a report closes once).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::{reports, workflow, StoreError};
use crate::Settings;

/// One pass at `now`: (rows filled, reports closed).
pub async fn run_once(
    db: &DatabaseConnection,
    settings: &Settings,
    now: DateTime<Utc>,
) -> Result<(usize, usize), StoreError> {
    let filled = reports::backfill(db).await?;
    let closed = workflow::close_expired(
        db,
        settings.store.as_ref(),
        now,
        settings.config.auto_close_after_days,
    )
    .await?;
    Ok((filled, closed))
}

/// Runs [`run_once`] every `maintenance_interval` until `shutdown`, the
/// first time one interval after start (a restart does not rewrite data
/// under the requests of its first minutes; admins can run it at once with
/// `closeExpiredReports`).
pub fn spawn(
    db: DatabaseConnection,
    settings: Arc<Settings>,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(settings.config.maintenance_interval) => {}
            }
            match run_once(&db, &settings, Utc::now()).await {
                Ok((filled, closed)) if filled + closed > 0 => {
                    tracing::info!(filled, closed, "feedback maintenance")
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "feedback maintenance: will retry"),
            }
        }
    })
}
