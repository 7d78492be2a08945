//! Publishing the directory's agencies to the subgraphs that keep a read
//! model of them (ADR 6): the whole list as one [`AgenciesListed`] event,
//! through the outbox, when the subgraph starts and whenever a subgraph
//! asks ([`AgenciesWanted`]). Whichever of the two starts last makes the
//! other's read model complete.

use congdan_common::outbox;
use congdan_common::server::Deps;
use congdan_contracts::bus::{Consumer, Contract, Event, Handler};
use congdan_contracts::events::directories::{AgenciesListed, ListedAgency};
use congdan_contracts::events::feedback::AgenciesWanted;
use entity::directories::agency;
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QueryOrder};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Enqueues the list of every agency.
pub async fn announce(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let agencies: Vec<ListedAgency> = agency::Entity::find()
        .order_by_asc(agency::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|a| ListedAgency {
            id: a.id,
            kind: a.kind,
            ward_id: a.ward_code,
        })
        .collect();
    let count = agencies.len();
    outbox::enqueue(db, &AgenciesListed { agencies }).await?;
    Ok(count)
}

struct Requests {
    db: DatabaseConnection,
}

impl Handler for Requests {
    type Error = DbErr;

    async fn handle(&self, _event: &Event) -> Result<(), DbErr> {
        announce(&self.db).await.map(|_| ())
    }
}

/// Answers requests for the list until `shutdown`, and announces it once
/// listening.
pub fn spawn(deps: &Deps, shutdown: CancellationToken) -> JoinHandle<()> {
    let db = deps.db.clone();
    Consumer::new(
        "agency list requests",
        deps.bus.clone(),
        AgenciesWanted::TOPIC,
        Requests { db: db.clone() },
    )
    .spawn_then(shutdown, async move {
        if let Err(error) = announce(&db).await {
            tracing::warn!(%error, "cannot announce the agencies; a request will");
        }
    })
}
