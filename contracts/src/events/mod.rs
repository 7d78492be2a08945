//! Every event that travels between services: one Rust type per topic,
//! owned here so the producer and each consumer (the gateway included)
//! compile against the same shape. An event crosses the bus as an
//! [`Event`](crate::bus::Event) envelope naming its topic and the version of
//! the contract its payload follows; a consumer decodes it back with
//! [`Event::decode`](crate::bus::Event::decode), and an unknown version is
//! an error rather than a guess.
//!
//! Changing a contract's shape in a way old consumers cannot read means a
//! new version (and, while replicas of both builds run, consumers that
//! accept both).

pub mod citizen;
pub mod directories;
pub mod feedback;

use serde::de::DeserializeOwned;
use serde::Serialize;

/// An event type: its topic and the version of its shape.
pub trait Contract: Serialize + DeserializeOwned {
    /// Dot-separated, owner first: `feedback.report.updated`.
    const TOPIC: &'static str;
    const VERSION: u32;
}

/// Why an event is not the contract a consumer asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("an event of {found}, not {expected}")]
    OtherTopic {
        expected: &'static str,
        found: String,
    },
    #[error("version {found} of {topic} is unknown here (this build reads version {expected})")]
    Version {
        topic: &'static str,
        expected: u32,
        found: u32,
    },
    #[error("a malformed {topic} event: {error}")]
    Malformed { topic: &'static str, error: String },
}

/// Every topic a contract of this crate declares.
pub const TOPICS: &[&str] = &[
    citizen::AccountDeleted::TOPIC,
    citizen::RolesChanged::TOPIC,
    directories::AgenciesListed::TOPIC,
    feedback::AgenciesWanted::TOPIC,
    feedback::ReportCreated::TOPIC,
    feedback::ReportUpdated::TOPIC,
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::fmt::Debug;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::bus::{topic_matches, Event};

    /// Through the envelope and its bytes on the wire, and back.
    fn round_trips<C: Contract + PartialEq + Debug>(contract: C) -> &'static str {
        let event = Event::of(&contract).unwrap();
        assert_eq!(event.version, C::VERSION);
        let wire = serde_json::to_vec(&event).unwrap();
        let received: Event = serde_json::from_slice(&wire).unwrap();
        assert_eq!(received, event);
        assert_eq!(received.decode::<C>().unwrap(), contract);
        C::TOPIC
    }

    fn at(hour: u32) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 7, 1, hour, 0, 0).unwrap()
    }

    #[test]
    fn every_event_type_round_trips_and_has_its_own_topic() {
        let state = feedback::ReportState {
            status: "in_progress".into(),
            agency_id: Some("ubnd-ben-thanh".into()),
            updated_at: Some(at(9)),
            status_changed_at: Some(at(9)),
            resolved_at: None,
            closed_at: None,
            official_answer: None,
            rating_stars: None,
            rating_comment: None,
            rated_at: None,
            follower_count: 2,
        };
        let topics = [
            round_trips(citizen::AccountDeleted {
                citizen_id: "c1".into(),
            }),
            round_trips(citizen::RolesChanged {
                citizen_id: "c1".into(),
            }),
            round_trips(directories::AgenciesListed {
                agencies: vec![directories::ListedAgency {
                    id: "ubnd-ben-thanh".into(),
                    kind: "commune_committee".into(),
                    ward_id: Some("26743".into()),
                }],
            }),
            round_trips(feedback::AgenciesWanted {}),
            round_trips(feedback::ReportCreated {
                id: "r1".into(),
                reporter_id: None,
                category: "road".into(),
                ward_id: Some("26743".into()),
                status: "RECEIVED".into(),
                due_at: Some(at(12)),
                event_at: at(8),
            }),
            round_trips(feedback::ReportUpdated {
                id: "r1".into(),
                reporter_id: Some("c1".into()),
                agency_id: Some("ubnd-ben-thanh".into()),
                previous_agency_id: None,
                status: "IN_PROGRESS".into(),
                previous_status: "ASSIGNED".into(),
                action: "start".into(),
                message: Some("Đang xử lý".into()),
                event_at: at(9),
                follower_ids: vec!["c2".into()],
                state,
            }),
        ];
        assert_eq!(topics.as_slice(), TOPICS, "TOPICS lists every contract");
        let unique: HashSet<_> = TOPICS.iter().collect();
        assert_eq!(unique.len(), TOPICS.len());
        for topic in TOPICS {
            let owner = topic.split('.').next().unwrap();
            assert!(
                ["citizen", "directories", "feedback"].contains(&owner),
                "{topic} is named for its owner"
            );
        }
        assert!(topic_matches(
            feedback::REPORT_EVENTS,
            feedback::ReportCreated::TOPIC
        ));
        assert!(topic_matches(
            feedback::REPORT_EVENTS,
            feedback::ReportUpdated::TOPIC
        ));
        assert!(topic_matches(citizen::EVENTS, citizen::RolesChanged::TOPIC));
    }

    #[test]
    fn an_event_is_read_only_as_its_own_topic_and_version() {
        let deleted = Event::of(&citizen::AccountDeleted {
            citizen_id: "c1".into(),
        })
        .unwrap();
        assert!(matches!(
            deleted.decode::<citizen::RolesChanged>(),
            Err(DecodeError::OtherTopic { .. })
        ));
        let mut newer = deleted.clone();
        newer.version = citizen::AccountDeleted::VERSION + 1;
        assert!(matches!(
            newer.decode::<citizen::AccountDeleted>(),
            Err(DecodeError::Version { found, .. }) if found == citizen::AccountDeleted::VERSION + 1
        ));
        let mut broken = deleted;
        broken.payload = serde_json::json!({ "citizen": 1 });
        assert!(matches!(
            broken.decode::<citizen::AccountDeleted>(),
            Err(DecodeError::Malformed { .. })
        ));
    }
}
