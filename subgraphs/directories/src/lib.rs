//! Directories subgraph: government agencies and their hotlines (later:
//! schools, clinics, housing projects).

pub mod announce;
pub mod domain;
pub mod graphql;
pub mod seed;
pub mod store;

use async_graphql::{EmptyMutation, EmptySubscription, SchemaBuilder};
use congdan_common::server::Deps;
use congdan_common::subgraph::Subgraph;

use graphql::Query;

/// The directories subgraph.
pub struct Directories;

impl Subgraph for Directories {
    const NAME: &'static str = "directories";
    type Query = Query;
    type Mutation = EmptyMutation;
    type Subscription = EmptySubscription;

    fn roots() -> (Query, EmptyMutation, EmptySubscription) {
        (Query, EmptyMutation, EmptySubscription)
    }

    fn data(
        &self,
        schema: SchemaBuilder<Query, EmptyMutation, EmptySubscription>,
        deps: &Deps,
    ) -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
        schema
            .data(store::agencies_by_id(deps.db.clone()))
            .data(deps.db.clone())
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
