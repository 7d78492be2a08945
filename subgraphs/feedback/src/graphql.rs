//! The feedback subgraph's GraphQL schema.

mod query;
mod report;

pub use query::Query;
pub use report::{AdministrativeUnit, GeoPoint, Report};
