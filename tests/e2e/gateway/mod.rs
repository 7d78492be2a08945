//! The gateway as clients meet it: GraphQL over HTTP, WebSocket and SSE,
//! protection, caching, sharing, metrics, reloads and shutdown.

mod client_libraries;
mod cross_subgraph_query;
mod dedupe;
mod graphql_http_audit;
mod graphql_over_http;
mod hot_reload;
mod introspection;
mod languages;
mod metrics;
mod no_n_plus_one;
mod passthrough;
mod persisted_queries;
mod protection;
mod schema_files;
mod shutdown;
mod subgraphs;
mod subscriptions;
