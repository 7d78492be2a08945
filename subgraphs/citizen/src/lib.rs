//! Citizen subgraph: the service catalog of the twelve feature groups (later:
//! profiles, My Services, the notification inbox, personal-data rights).

pub mod domain;
pub mod graphql;
pub mod seed;

use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};
use entity::citizen::service;
use sea_orm::DatabaseConnection;

pub use graphql::Query;

pub type CitizenSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub const NAME: &str = "citizen";

fn builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query, EmptyMutation, EmptySubscription).enable_federation()
}

pub fn schema(db: DatabaseConnection) -> CitizenSchema {
    builder()
        .data(congdan_common::loader::by_key::<service::Entity>(
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
