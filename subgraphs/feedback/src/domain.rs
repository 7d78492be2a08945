//! Report status as the domain sees it; the full handling workflow (a state
//! machine with roles) comes with the feedback issue.

use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ReportStatus {
    Received,
    Assigned,
    InProgress,
    Resolved,
    Rejected,
    Closed,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Assigned => "assigned",
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Rejected => "rejected",
            Self::Closed => "closed",
        }
    }
}

impl FromStr for ReportStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "received" => Self::Received,
            "assigned" => Self::Assigned,
            "in_progress" => Self::InProgress,
            "resolved" => Self::Resolved,
            "rejected" => Self::Rejected,
            "closed" => Self::Closed,
            other => return Err(format!("unknown report status `{other}`")),
        })
    }
}
