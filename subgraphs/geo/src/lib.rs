//! Geo subgraph: the city's administrative units (wards, communes and the
//! special zone), the reference other subgraphs point to by key.

pub mod domain;
pub mod graphql;
pub mod seed;
pub mod store;

use async_graphql::{EmptyMutation, EmptySubscription, SchemaBuilder};
use congdan_common::server::Deps;
use congdan_common::subgraph::Subgraph;

use graphql::Query;

/// The geo subgraph.
pub struct Geo;

impl Subgraph for Geo {
    const NAME: &'static str = "geo";
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
            .data(store::units_by_code(deps.db.clone()))
            .data(deps.db.clone())
    }
}
