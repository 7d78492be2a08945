//! The transactional outbox: an event is written in the same transaction as
//! the change that causes it, and a relay publishes it to the bus and marks
//! it sent.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::outbox_event;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use congdan_contracts::bus::{progress, Contract, Event, EventBus, EventError};
use sea_orm::DbErr;

/// Adds the event of `contract` to the outbox, inside the caller's
/// transaction: it is published if and only if the change commits.
/// Returns the event.
pub async fn enqueue<C: Contract>(db: &impl ConnectionTrait, contract: &C) -> Result<Event, DbErr> {
    let event = Event::of(contract).map_err(|error| DbErr::Json(error.to_string()))?;
    outbox_event::ActiveModel {
        id: Set(event.id.clone()),
        topic: Set(event.topic.clone()),
        version: Set(event.version as i32),
        payload: Set(event.payload.to_string()),
        occurred_at: Set(event.occurred_at),
        published_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(event)
}

/// Why the relay stopped (it tries again at its next turn).
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Bus(#[from] EventError),
    #[error(transparent)]
    Database(#[from] DbErr),
}

/// Publishes outbox rows in order and marks them sent. A crash between
/// publishing and marking publishes the event again on restart: consumers
/// deduplicate by id.
pub struct Relay {
    db: DatabaseConnection,
    bus: Arc<dyn EventBus>,
    batch: u64,
}

impl Relay {
    pub fn new(db: DatabaseConnection, bus: Arc<dyn EventBus>) -> Self {
        Self {
            db,
            bus,
            batch: 100,
        }
    }

    /// Publishes what is pending, oldest first; stops at the first event the
    /// bus refuses (it stays pending, order kept). Returns how many were sent.
    pub async fn publish_pending(&self) -> Result<usize, RelayError> {
        let mut sent = 0;
        loop {
            let pending = outbox_event::Entity::find()
                .filter(outbox_event::Column::PublishedAt.is_null())
                .order_by_asc(outbox_event::Column::Id)
                .limit(self.batch)
                .all(&self.db)
                .await?;
            if pending.is_empty() {
                return Ok(sent);
            }
            for row in pending {
                let payload = serde_json::from_str(&row.payload).unwrap_or_else(|error| {
                    tracing::warn!(id = %row.id, %error, "outbox payload is not JSON; publishing null");
                    serde_json::Value::Null
                });
                let event = Event {
                    id: row.id.clone(),
                    topic: row.topic.clone(),
                    version: u32::try_from(row.version).unwrap_or_default(),
                    payload,
                    occurred_at: row.occurred_at,
                };
                self.bus.publish(&event).await?;
                let mut row: outbox_event::ActiveModel = row.into();
                row.published_at = Set(Some(Utc::now()));
                row.update(&self.db).await?;
                sent += 1;
                progress::step();
            }
        }
    }

    /// Runs `publish_pending` every `interval` until `shutdown`.
    pub fn spawn(self, interval: Duration, shutdown: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(error) = self.publish_pending().await {
                    tracing::warn!(%error, "outbox relay: will retry");
                }
                tokio::select! {
                    _ = shutdown.cancelled() => return,
                    _ = tokio::time::sleep(interval) => {}
                }
            }
        })
    }
}

/// Deletes the rows published more than `keep` before `now`: their payloads
/// (citizen ids, messages) are kept no longer than the bus and a restarted
/// relay need them. Unpublished rows are never deleted. Returns how many
/// went. `now` is a parameter so tests need not wait.
pub async fn delete_published(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    keep: chrono::Duration,
) -> Result<u64, sea_orm::DbErr> {
    let deleted = outbox_event::Entity::delete_many()
        .filter(outbox_event::Column::PublishedAt.is_not_null())
        .filter(outbox_event::Column::PublishedAt.lt(now - keep))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected)
}

/// Runs [`delete_published`] every `interval` until `shutdown` (the first
/// run at once).
pub fn spawn_retention(
    db: DatabaseConnection,
    keep: chrono::Duration,
    interval: Duration,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match delete_published(&db, Utc::now(), keep).await {
                Ok(0) => {}
                Ok(deleted) => {
                    tracing::info!(deleted, "outbox: deleted published events past retention")
                }
                Err(error) => tracing::warn!(%error, "outbox retention: will retry"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(interval) => {}
            }
        }
    })
}
