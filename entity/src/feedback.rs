pub mod category;
pub mod report;
