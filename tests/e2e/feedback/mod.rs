//! Feedback reports: submission, the workflow, photos, Open311, views and
//! live updates.

mod open311;
mod photos;
mod report_subscriptions;
mod reports;
pub mod support;
mod uploads;
mod views;
mod what_citizens_see;
mod workflow;
