//! What the citizen subgraph does with the bus's events: the inbox
//! consumer of `feedback.report.>`, which writes each event's
//! notifications (once: delivery is at least once).

use std::time::Duration;

use congdan_common::server::Deps;
use congdan_contracts::bus::{Consumer, Event, Handler};
use congdan_contracts::events::feedback::REPORT_EVENTS;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::domain::notifications::from_feedback_event;
use crate::store::inbox::{deliver, Delivery};

/// Handles one event: the notifications it makes, each written once; what
/// became of each (none for events that make no notification).
pub async fn handle(db: &DatabaseConnection, event: &Event) -> Result<Vec<Delivery>, DbErr> {
    let mut deliveries = Vec::new();
    for new in from_feedback_event(event) {
        deliveries.push(deliver(db, &new).await?);
    }
    Ok(deliveries)
}

/// The inbox consumer's handler: writes each event's notifications.
pub struct Inbox {
    db: DatabaseConnection,
}

impl Handler for Inbox {
    type Error = DbErr;

    async fn handle(&self, event: &Event) -> Result<(), DbErr> {
        handle(&self.db, event).await.map(drop)
    }
}

/// The inbox consumer of `feedback.report.>` on `deps.bus`, not yet
/// subscribed: [`Consumer::subscribe`] then run it, or spawn it.
pub fn consumer(deps: &Deps) -> Consumer<Inbox> {
    let inbox = Inbox {
        db: deps.db.clone(),
    };
    Consumer::new("inbox", deps.bus.clone(), REPORT_EVENTS, inbox)
        .dedupe(100_000, Duration::from_secs(3600))
}

/// Runs the inbox consumer until `shutdown`: subscribes to
/// `feedback.report.>` on `deps.bus` (retrying until the bus answers) and
/// writes each reporter's notification. Start it once per citizen-subgraph
/// process, beside the outbox relay.
pub fn spawn_consumer(deps: &Deps, shutdown: CancellationToken) -> JoinHandle<()> {
    consumer(deps).spawn(shutdown)
}
