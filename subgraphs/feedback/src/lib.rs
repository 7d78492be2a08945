//! Feedback subgraph (hotline 1022): citizens' reports of incidents and ideas.

pub mod domain;
pub mod graphql;
pub mod seed;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};
use entity::feedback::{category, report};
use sea_orm::DatabaseConnection;

pub use graphql::{Mutation, Query};

pub type FeedbackSchema = Schema<Query, Mutation, EmptySubscription>;

pub const NAME: &str = "feedback";

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation, EmptySubscription).enable_federation()
}

pub fn schema(db: DatabaseConnection) -> FeedbackSchema {
    builder()
        .data(congdan_common::loader::by_key::<report::Entity>(db.clone()))
        .data(congdan_common::loader::by_key::<category::Entity>(
            db.clone(),
        ))
        .data(db)
        .finish()
}

pub fn router(deps: &congdan_common::server::Deps) -> axum::Router {
    congdan_common::server::router(schema(deps.db.clone()), deps)
}

/// The subgraph's federation SDL, as `_service { sdl }` returns it.
pub fn sdl() -> String {
    congdan_common::server::federation_sdl(&builder().finish())
}
