//! Content subgraph: news, festivals and events (later: alerts and surveys).

pub mod domain;
pub mod graphql;
pub mod seed;

use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};
use entity::content::article;
use sea_orm::DatabaseConnection;

pub use graphql::Query;

pub type ContentSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub const NAME: &str = "content";

fn builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .extension(congdan_common::control_characters::RefuseControlCharacters)
        .extension(congdan_common::localize::LocalizeErrors)
}

pub fn schema(db: DatabaseConnection) -> ContentSchema {
    builder()
        .data(congdan_common::loader::by_key::<article::Entity>(
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
