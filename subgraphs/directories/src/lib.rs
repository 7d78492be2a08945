//! Directories subgraph: government agencies and their hotlines (later:
//! schools, clinics, housing projects).

pub mod announce;
pub mod domain;
pub mod graphql;
pub mod seed;
pub mod store;

use async_graphql::dataloader::DataLoader;
use congdan_common::loader::ByKey;
use congdan_common::server::Deps;
use congdan_common::subgraph::QueryOnly;
use sea_orm::DatabaseConnection;

use graphql::Query;

/// The directories subgraph.
pub struct Directories;

impl QueryOnly for Directories {
    const NAME: &'static str = "directories";
    type Query = Query;
    type Data = DataLoader<ByKey<entity::directories::agency::Entity>>;

    fn data(db: DatabaseConnection) -> Self::Data {
        store::agencies_by_id(db)
    }
}

/// Starts publishing the agency list (see [`announce`]) until `shutdown`.
/// Run it beside the subgraph's server, once per process.
pub fn spawn_announcements(
    deps: &Deps,
    shutdown: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    announce::spawn(deps, shutdown)
}
