//! The feedback subgraph's GraphQL schema.

mod category;
mod mutation;
mod personal_data;
mod query;
mod report;
mod subscription;
mod workflow;

pub use category::ReportCategory;
pub use mutation::{Mutation, SubmitReportInput, SubmitReportPayload};
pub use personal_data::PersonalDataExport;
pub use query::Query;
pub use report::{AdministrativeUnit, Agency, GeoPoint, Report, TimelineEntry};
pub use subscription::Subscription;
pub use workflow::{ActorRole, ReportStatus};
