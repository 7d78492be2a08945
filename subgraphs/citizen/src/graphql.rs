//! The citizen subgraph's GraphQL schema.

mod query;
mod service;

pub use query::Query;
pub use service::Service;
