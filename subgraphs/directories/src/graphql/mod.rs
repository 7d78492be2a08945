//! The directories subgraph's GraphQL schema.

mod agency;
mod query;

pub use agency::{AdministrativeUnit, Agency};
pub use query::Query;
