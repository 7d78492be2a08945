//! Content subgraph: news, festivals and events (later: alerts and surveys).

pub mod domain;
pub mod graphql;
pub mod seed;
pub mod store;

use async_graphql::{EmptyMutation, EmptySubscription, SchemaBuilder};
use congdan_common::server::Deps;
use congdan_common::subgraph::Subgraph;

use graphql::Query;

/// The content subgraph.
pub struct Content;

impl Subgraph for Content {
    const NAME: &'static str = "content";
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
            .data(store::articles_by_id(deps.db.clone()))
            .data(deps.db.clone())
    }
}
