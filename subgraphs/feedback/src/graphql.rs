//! The feedback subgraph's GraphQL schema.

mod category;
mod mutation;
mod query;
mod report;

pub use category::ReportCategory;
pub use mutation::{Mutation, SubmitReportInput, SubmitReportPayload};
pub use query::Query;
pub use report::{AdministrativeUnit, GeoPoint, Report};
