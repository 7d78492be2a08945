//! Feedback's read model of the directory's agencies (ADR 6), kept up to
//! date: filled from the directories subgraph's [`AgenciesListed`] events
//! (asked for with [`AgenciesWanted`] when the consumer starts), used to
//! refuse an unknown agency id and to route a report to the agency of its
//! category's kind (see [`crate::store::agencies`]).

use congdan_common::outbox;
use congdan_common::server::Deps;
use congdan_contracts::bus::{Consumer, Contract, Event, Handler};
use congdan_contracts::events::directories::AgenciesListed;
use congdan_contracts::events::feedback::AgenciesWanted;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::agencies::replace;

struct Listings {
    db: DatabaseConnection,
}

impl Handler for Listings {
    type Error = DbErr;

    async fn handle(&self, event: &Event) -> Result<(), DbErr> {
        match event.read::<AgenciesListed>() {
            Some(listed) => replace(&self.db, &listed).await,
            None => Ok(()),
        }
    }
}

/// Follows the directory's agency lists until `shutdown`, asking for one
/// once listening.
pub fn spawn(deps: &Deps, shutdown: CancellationToken) -> JoinHandle<()> {
    let db = deps.db.clone();
    Consumer::new(
        "agency lists",
        deps.bus.clone(),
        AgenciesListed::TOPIC,
        Listings { db: db.clone() },
    )
    .spawn_then(shutdown, async move {
        if let Err(error) = outbox::enqueue(&db, &AgenciesWanted {}).await {
            tracing::warn!(%error, "cannot ask for the agency list; the directory's next start will send it");
        }
    })
}
