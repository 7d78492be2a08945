//! Events of the feedback subgraph (the 1022 hotline's reports).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Contract;

/// Every report event (the citizen inbox and live updates follow them).
pub const REPORT_EVENTS: &str = "feedback.report.>";

/// A report was submitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportCreated {
    pub id: String,
    /// None for an anonymous report.
    pub reporter_id: Option<String>,
    /// The category's key (`road`).
    pub category: String,
    pub ward_id: Option<String>,
    /// The GraphQL name of the status (`RECEIVED`).
    pub status: String,
    pub due_at: Option<DateTime<Utc>>,
    pub event_at: DateTime<Utc>,
}

impl Contract for ReportCreated {
    const TOPIC: &'static str = "feedback.report.created";
    const VERSION: u32 = 1;
}

/// A workflow step changed a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportUpdated {
    pub id: String,
    pub reporter_id: Option<String>,
    pub agency_id: Option<String>,
    pub previous_agency_id: Option<String>,
    /// GraphQL names of the statuses (`IN_PROGRESS`).
    pub status: String,
    pub previous_status: String,
    /// The workflow action (`assign`, `resolve`, …).
    pub action: String,
    /// What the citizen is told; an officer's internal note never travels.
    pub message: Option<String>,
    pub event_at: DateTime<Utc>,
    /// Citizens who follow the report ("me too").
    pub follower_ids: Vec<String>,
    pub state: ReportState,
}

impl Contract for ReportUpdated {
    const TOPIC: &'static str = "feedback.report.updated";
    const VERSION: u32 = 1;
}

/// The fields of a report a workflow step changes, as that step left them,
/// so a live update shows its own change even when it is delivered after
/// the next one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportState {
    /// The stored form (`in_progress`).
    pub status: String,
    pub agency_id: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
    pub status_changed_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub official_answer: Option<String>,
    pub rating_stars: Option<i32>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTime<Utc>>,
    pub follower_count: i32,
}

/// Feedback, which keeps a read model of the directory's agencies, asks for
/// the list (when it starts, so a list published before it listened is not
/// missed); the directories subgraph answers with
/// [`super::directories::AgenciesListed`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgenciesWanted {}

impl Contract for AgenciesWanted {
    const TOPIC: &'static str = "feedback.agencies.wanted";
    const VERSION: u32 = 1;
}
