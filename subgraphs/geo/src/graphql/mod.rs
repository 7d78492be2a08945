//! The geo subgraph's GraphQL schema.

mod admin_unit;
mod query;

pub use query::Query;
