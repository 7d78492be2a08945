//! The geo subgraph's GraphQL schema.

mod admin_unit;
mod query;

pub use admin_unit::AdministrativeUnit;
pub use query::Query;
