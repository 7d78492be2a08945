//! The workflow's statuses and roles as GraphQL shows them (the domain's
//! own enums know nothing of GraphQL).

use async_graphql::Enum;

use crate::domain::workflow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "workflow::ReportStatus")]
pub enum ReportStatus {
    Received,
    Assigned,
    InProgress,
    Resolved,
    Rejected,
    Closed,
}

/// The role an action is recorded under in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[graphql(remote = "workflow::ActorRole")]
pub enum ActorRole {
    Reporter,
    Officer,
    Dispatcher,
    Admin,
    Partner,
    System,
}
