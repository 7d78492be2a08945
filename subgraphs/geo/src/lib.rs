//! Geo subgraph: the city's administrative units (wards, communes and the
//! special zone), the reference other subgraphs point to by key.

pub mod domain;
pub mod graphql;
pub mod locate;
pub mod seed;

use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};
use entity::geo::admin_unit;
use sea_orm::DatabaseConnection;

pub use graphql::Query;

pub type GeoSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub const NAME: &str = "geo";

fn builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .extension(congdan_common::control_characters::RefuseControlCharacters)
        .extension(congdan_common::localize::LocalizeErrors)
}

pub fn schema(db: DatabaseConnection) -> GeoSchema {
    builder()
        .data(congdan_common::loader::by_key::<admin_unit::Entity>(
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
