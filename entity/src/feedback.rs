pub mod category;
pub mod report;
pub mod submission;
