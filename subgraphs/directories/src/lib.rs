//! Directories subgraph: government agencies and their hotlines (later:
//! schools, clinics, housing projects).

pub mod announce;
pub mod graphql;
pub mod seed;

use async_graphql::{EmptyMutation, EmptySubscription, Schema, SchemaBuilder};
use entity::directories::agency;
use sea_orm::DatabaseConnection;

pub use graphql::Query;

pub type DirectoriesSchema = Schema<Query, EmptyMutation, EmptySubscription>;

pub const NAME: &str = "directories";

fn builder() -> SchemaBuilder<Query, EmptyMutation, EmptySubscription> {
    Schema::build(Query, EmptyMutation, EmptySubscription)
        .enable_federation()
        .extension(congdan_common::control_characters::RefuseControlCharacters)
        .extension(congdan_common::localize::LocalizeErrors)
}

pub fn schema(db: DatabaseConnection) -> DirectoriesSchema {
    builder()
        .data(congdan_common::loader::by_key::<agency::Entity>(db.clone()))
        .data(db)
        .finish()
}

pub fn router(deps: &congdan_common::server::Deps) -> axum::Router {
    congdan_common::server::router(schema(deps.db.clone()), deps)
}

/// Starts publishing the agency list (see [`announce`]) until `shutdown`.
/// Run it beside the subgraph's server, once per process.
pub fn spawn_announcements(
    deps: &congdan_common::server::Deps,
    shutdown: tokio_util::sync::CancellationToken,
) -> tokio::task::JoinHandle<()> {
    announce::spawn(deps, shutdown)
}

/// The subgraph's federation SDL, as `_service { sdl }` returns it.
pub fn sdl() -> String {
    congdan_common::server::federation_sdl(&builder().finish())
}
