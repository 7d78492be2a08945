//! The feedback subgraph's GraphQL schema.

mod category;
mod mutation;
mod query;
mod report;
mod subscription;

pub use category::ReportCategory;
pub use mutation::{Mutation, SubmitReportInput, SubmitReportPayload};
pub use query::Query;
pub use report::{AdministrativeUnit, Agency, GeoPoint, Report, TimelineEntry};
pub use subscription::Subscription;
