//! The HTTP surface of a subgraph: `POST`/`GET /graphql`, `/health` (the
//! process is alive) and `/ready` (the database answers).

use async_graphql::{ObjectType, Schema, SubscriptionType};
use async_graphql_axum::GraphQL;
use axum::{extract::State, http::StatusCode, routing::get, Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::json;

/// Builds the router for one subgraph schema backed by `db`.
pub fn router<Q, M, S>(schema: Schema<Q, M, S>, db: DatabaseConnection) -> Router
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let graphql = GraphQL::new(schema);
    Router::new()
        .route(
            "/graphql",
            axum::routing::post_service(graphql.clone()).get_service(graphql),
        )
        .route("/health", get(health))
        .route("/ready", get(ready))
        .with_state(db)
}

async fn health() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

async fn ready(State(db): State<DatabaseConnection>) -> (StatusCode, Json<serde_json::Value>) {
    match db.ping().await {
        Ok(()) => (StatusCode::OK, Json(json!({ "status": "ready" }))),
        Err(error) => {
            tracing::warn!(%error, "readiness check: database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "reason": "database does not answer" })),
            )
        }
    }
}

/// The subgraph's SDL as the gateway and composition see it (`_service { sdl }`).
pub fn federation_sdl<Q, M, S>(schema: &Schema<Q, M, S>) -> String
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    schema.sdl_with_options(async_graphql::SDLExportOptions::new().federation())
}
