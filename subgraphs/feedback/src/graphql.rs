//! The feedback subgraph's GraphQL schema.

mod category;
mod query;
mod report;

pub use category::ReportCategory;
pub use query::Query;
pub use report::{AdministrativeUnit, GeoPoint, Report};
