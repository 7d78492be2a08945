//! Dossiers subgraph: administrative procedures (later: citizens' dossiers and
//! their status).

pub mod domain;
pub mod graphql;
pub mod seed;
pub mod store;

use async_graphql::{EmptyMutation, EmptySubscription, SchemaBuilder};
use congdan_common::server::Deps;
use congdan_common::subgraph::Subgraph;

use graphql::Query;

/// The dossiers subgraph.
pub struct Dossiers;

impl Subgraph for Dossiers {
    const NAME: &'static str = "dossiers";
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
            .data(store::procedures_by_code(deps.db.clone()))
            .data(deps.db.clone())
    }
}
