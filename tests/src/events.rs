//! Typed events as the subgraphs publish them, for tests that feed a bus or
//! a consumer directly.

use chrono::{DateTime, TimeZone, Utc};
use congdan_contracts::bus::{Contract, Event};
use congdan_contracts::events::feedback::{ReportCreated, ReportState, ReportUpdated};

/// When the events these helpers make say their change happened: a fixed
/// instant, so no test depends on the clock (consumers date what they write
/// by the envelope, not by this field).
fn event_at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 8, 0, 0).unwrap()
}

/// The envelope of `contract`.
pub fn event(contract: &impl Contract) -> Event {
    Event::of(contract).unwrap()
}

/// A report submitted by `reporter` (None: anonymously).
pub fn report_created(id: &str, reporter: Option<&str>) -> ReportCreated {
    ReportCreated {
        id: id.to_string(),
        reporter_id: reporter.map(str::to_string),
        category: "roads".to_string(),
        ward_id: None,
        status: "RECEIVED".to_string(),
        due_at: None,
        event_at: event_at(),
    }
}

/// A workflow step that left the report in `status` (its GraphQL name,
/// `IN_PROGRESS`), with no message, no followers and no agency.
pub fn report_updated(id: &str, reporter: Option<&str>, status: &str) -> ReportUpdated {
    ReportUpdated {
        id: id.to_string(),
        reporter_id: reporter.map(str::to_string),
        agency_id: None,
        previous_agency_id: None,
        status: status.to_string(),
        previous_status: "RECEIVED".to_string(),
        action: "assign".to_string(),
        message: None,
        event_at: event_at(),
        follower_ids: Vec::new(),
        state: ReportState {
            status: status.to_ascii_lowercase(),
            ..ReportState::default()
        },
    }
}

/// The event an outbox row holds, as the relay publishes it.
pub fn from_outbox(row: entity::outbox_event::Model) -> Event {
    Event {
        id: row.id,
        topic: row.topic,
        version: u32::try_from(row.version).unwrap(),
        payload: serde_json::from_str(&row.payload).unwrap(),
        occurred_at: row.occurred_at,
    }
}
