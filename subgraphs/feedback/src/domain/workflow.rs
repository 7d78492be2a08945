//! The handling workflow as the domain sees it: statuses, the actions that
//! move a report between them, who may take each, and from which status.
//! No GraphQL, no SQL: [`transition`] is a pure function, tested for every
//! (action, status, role) combination.
//!
//! ```text
//! RECEIVED ──assign──► ASSIGNED ──start──► IN_PROGRESS ──resolve──► RESOLVED ──rate──► CLOSED
//!     │                  ▲  │ ▲                │  │                   │                  ▲
//!     │                  └──┘ └───transfer─────┘  │                   └──after N days────┤
//!     └──────────reject (with a reason)───────────┴──► REJECTED ───────after N days──────┘
//! ```

use congdan_common::language::Text;
use congdan_contracts::identity::{Identity, Role};
use entity::feedback::report;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportStatus {
    Received,
    Assigned,
    InProgress,
    Resolved,
    Rejected,
    Closed,
}

impl ReportStatus {
    pub const ALL: [ReportStatus; 6] = [
        Self::Received,
        Self::Assigned,
        Self::InProgress,
        Self::Resolved,
        Self::Rejected,
        Self::Closed,
    ];

    /// Statuses in which the report is still being handled.
    pub const OPEN: [ReportStatus; 3] = [Self::Received, Self::Assigned, Self::InProgress];

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

    /// The status in Vietnamese words, for messages.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Received => "đã tiếp nhận",
            Self::Assigned => "đã chuyển cơ quan xử lý",
            Self::InProgress => "đang xử lý",
            Self::Resolved => "đã xử lý xong",
            Self::Rejected => "bị từ chối",
            Self::Closed => "đã đóng",
        }
    }

    /// The name GraphQL clients see (`IN_PROGRESS`), used in events too.
    pub fn graphql_name(self) -> &'static str {
        match self {
            Self::Received => "RECEIVED",
            Self::Assigned => "ASSIGNED",
            Self::InProgress => "IN_PROGRESS",
            Self::Resolved => "RESOLVED",
            Self::Rejected => "REJECTED",
            Self::Closed => "CLOSED",
        }
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The one visibility rule of every public path (lists, the map,
    /// search, Open311, subscriptions): a report's words (title,
    /// description, address) are public once an agency is handling it —
    /// in progress, resolved, or closed after a resolution (`resolved`).
    /// Until then the hotline has not checked them, and they may hold what
    /// the reporter should not have published; a rejected report stays
    /// private. Its reporter, followers and the staff handling it see them
    /// always; who reported it is never public.
    pub fn is_public(self, resolved: bool) -> bool {
        match self {
            Self::InProgress | Self::Resolved => true,
            Self::Closed => resolved,
            Self::Received | Self::Assigned | Self::Rejected => false,
        }
    }
}

impl fmt::Display for ReportStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.graphql_name())
    }
}

impl FromStr for ReportStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("unknown report status `{s}`"))
    }
}

/// What someone does to a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// A new report arrives (not a transition: the first timeline entry).
    Submit,
    /// The hotline sends a received report to an agency.
    Assign,
    /// The report moves to another agency.
    Transfer,
    /// The agency starts handling it.
    Start,
    /// The agency has fixed it and answers.
    Resolve,
    /// Not for the city to handle, a duplicate, or unfounded: with a reason.
    Reject,
    /// The reporter rates the resolution, which closes the report.
    Rate,
    /// Closed by the system some days after it was resolved or rejected.
    Close,
}

impl Action {
    pub const TRANSITIONS: [Action; 7] = [
        Self::Assign,
        Self::Transfer,
        Self::Start,
        Self::Resolve,
        Self::Reject,
        Self::Rate,
        Self::Close,
    ];

    /// The word stored in the timeline.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submitted",
            Self::Assign => "assigned",
            Self::Transfer => "transferred",
            Self::Start => "started",
            Self::Resolve => "resolved",
            Self::Reject => "rejected",
            Self::Rate => "rated",
            Self::Close => "closed",
        }
    }

    /// The action as a Vietnamese verb, for messages.
    pub fn verb_vi(self) -> &'static str {
        match self {
            Self::Submit => "gửi",
            Self::Assign => "chuyển cho cơ quan xử lý",
            Self::Transfer => "chuyển sang cơ quan khác",
            Self::Start => "bắt đầu xử lý",
            Self::Resolve => "trả lời kết quả xử lý",
            Self::Reject => "từ chối",
            Self::Rate => "đánh giá",
            Self::Close => "đóng",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Submit]
            .into_iter()
            .chain(Self::TRANSITIONS)
            .find(|a| a.as_str() == text)
    }

    /// Statuses the action may start from.
    pub fn from_statuses(self) -> &'static [ReportStatus] {
        use ReportStatus::*;
        match self {
            Self::Submit => &[],
            Self::Assign => &[Received],
            Self::Transfer => &[Assigned, InProgress],
            Self::Start => &[Assigned],
            Self::Resolve => &[InProgress],
            Self::Reject => &[Received, Assigned, InProgress],
            Self::Rate => &[Resolved],
            Self::Close => &[Resolved, Rejected],
        }
    }

    /// The status the report is in afterwards.
    pub fn to_status(self) -> ReportStatus {
        use ReportStatus::*;
        match self {
            Self::Submit => Received,
            Self::Assign | Self::Transfer => Assigned,
            Self::Start => InProgress,
            Self::Resolve => Resolved,
            Self::Reject => Rejected,
            Self::Rate | Self::Close => Closed,
        }
    }
}

/// Whom the actor is, relative to one report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actor {
    /// The citizen who reported it.
    pub reporter: bool,
    /// An officer of the agency the report is with.
    pub agency_officer: bool,
    /// An officer of the 1022 hotline, who dispatches received reports.
    pub dispatcher: bool,
    pub admin: bool,
    /// The system itself (the auto-closing job).
    pub system: bool,
}

/// The role an action is recorded under in the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorRole {
    Reporter,
    Officer,
    Dispatcher,
    Admin,
    Partner,
    System,
}

impl ActorRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reporter => "reporter",
            Self::Officer => "officer",
            Self::Dispatcher => "dispatcher",
            Self::Admin => "admin",
            Self::Partner => "partner",
            Self::System => "system",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Reporter,
            Self::Officer,
            Self::Dispatcher,
            Self::Admin,
            Self::Partner,
            Self::System,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The actor may never take this action on this report.
    #[error("you may not do this to this report")]
    Forbidden,
    /// The actor may, but not from the report's current status.
    #[error("a report that is {from} cannot be {}", .action.as_str())]
    InvalidTransition { action: Action, from: ReportStatus },
}

impl TransitionError {
    /// The message for the caller, in both languages.
    pub fn text(&self) -> Text {
        let vi = match self {
            Self::Forbidden => "Bạn không được thực hiện thao tác này với phản ánh này".to_string(),
            Self::InvalidTransition { action, from } => format!(
                "Không thể {} phản ánh đang ở trạng thái “{}”",
                action.verb_vi(),
                from.label_vi()
            ),
        };
        Text::new(vi, self.to_string())
    }
}

/// Who may take `action` on a report, whatever its status; the role it is
/// recorded under.
fn allowed_role(action: Action, actor: Actor) -> Option<ActorRole> {
    let staff = || {
        if actor.agency_officer {
            Some(ActorRole::Officer)
        } else if actor.dispatcher {
            Some(ActorRole::Dispatcher)
        } else if actor.admin {
            Some(ActorRole::Admin)
        } else {
            None
        }
    };
    match action {
        Action::Submit => None,
        // Dispatching is the hotline's (or an admin's) job.
        Action::Assign => {
            if actor.dispatcher {
                Some(ActorRole::Dispatcher)
            } else if actor.admin {
                Some(ActorRole::Admin)
            } else {
                None
            }
        }
        Action::Transfer | Action::Reject => staff(),
        // Handling is the agency's (or an admin's).
        Action::Start | Action::Resolve => {
            if actor.agency_officer {
                Some(ActorRole::Officer)
            } else if actor.admin {
                Some(ActorRole::Admin)
            } else {
                None
            }
        }
        Action::Rate => actor.reporter.then_some(ActorRole::Reporter),
        Action::Close => actor.system.then_some(ActorRole::System),
    }
}

/// The status after `actor` takes `action` on a report in `from`, and the
/// role it is recorded under. The role is checked first: someone who may
/// never take the action learns nothing about the report's status.
pub fn transition(
    from: ReportStatus,
    action: Action,
    actor: Actor,
) -> Result<(ReportStatus, ActorRole), TransitionError> {
    let role = allowed_role(action, actor).ok_or(TransitionError::Forbidden)?;
    if !action.from_statuses().contains(&from) {
        return Err(TransitionError::InvalidTransition { action, from });
    }
    Ok((action.to_status(), role))
}

/// Who `identity` is, relative to `row`.
pub fn actor_for(identity: Option<&Identity>, row: &report::Model, dispatch_agency: &str) -> Actor {
    let Some(identity) = identity else {
        return Actor::default();
    };
    let officer = identity.has_role(Role::Officer);
    Actor {
        reporter: identity.citizen_id().is_some()
            && row.reporter_id.as_deref() == identity.citizen_id(),
        agency_officer: officer
            && row
                .agency_id
                .as_ref()
                .is_some_and(|agency| identity.agencies.contains(agency)),
        dispatcher: officer && identity.agencies.iter().any(|a| a == dispatch_agency),
        admin: identity.has_role(Role::Admin),
        system: false,
    }
}

/// Staff who see everything about the report: admins, dispatchers and the
/// officers of its agency.
pub fn is_staff_for(
    identity: Option<&Identity>,
    row: &report::Model,
    dispatch_agency: &str,
) -> bool {
    let actor = actor_for(identity, row, dispatch_agency);
    actor.admin || actor.dispatcher || actor.agency_officer
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReportStatus::*;

    fn actors() -> Vec<(&'static str, Actor)> {
        let none = Actor::default();
        vec![
            ("stranger", none),
            (
                "reporter",
                Actor {
                    reporter: true,
                    ..none
                },
            ),
            (
                "agency officer",
                Actor {
                    agency_officer: true,
                    ..none
                },
            ),
            (
                "dispatcher",
                Actor {
                    dispatcher: true,
                    ..none
                },
            ),
            (
                "admin",
                Actor {
                    admin: true,
                    ..none
                },
            ),
            (
                "system",
                Actor {
                    system: true,
                    ..none
                },
            ),
        ]
    }

    /// The whole table: who may do what from where, and nothing else.
    #[test]
    fn every_action_from_every_status_by_every_actor() {
        let allowed: &[(Action, &str, &[ReportStatus])] = &[
            (Action::Assign, "dispatcher", &[Received]),
            (Action::Assign, "admin", &[Received]),
            (Action::Transfer, "agency officer", &[Assigned, InProgress]),
            (Action::Transfer, "dispatcher", &[Assigned, InProgress]),
            (Action::Transfer, "admin", &[Assigned, InProgress]),
            (Action::Start, "agency officer", &[Assigned]),
            (Action::Start, "admin", &[Assigned]),
            (Action::Resolve, "agency officer", &[InProgress]),
            (Action::Resolve, "admin", &[InProgress]),
            (
                Action::Reject,
                "agency officer",
                &[Received, Assigned, InProgress],
            ),
            (
                Action::Reject,
                "dispatcher",
                &[Received, Assigned, InProgress],
            ),
            (Action::Reject, "admin", &[Received, Assigned, InProgress]),
            (Action::Rate, "reporter", &[Resolved]),
            (Action::Close, "system", &[Resolved, Rejected]),
        ];
        let mut checked = 0;
        for action in Action::TRANSITIONS {
            for (name, actor) in actors() {
                let rule = allowed
                    .iter()
                    .find(|(a, who, _)| *a == action && *who == name);
                for from in ReportStatus::ALL {
                    let result = transition(from, action, actor);
                    match rule {
                        None => assert_eq!(
                            result,
                            Err(TransitionError::Forbidden),
                            "{name} {action:?} from {from}"
                        ),
                        Some((_, _, froms)) if froms.contains(&from) => {
                            assert_eq!(
                                result.map(|r| r.0),
                                Ok(action.to_status()),
                                "{name} {action:?} from {from}"
                            )
                        }
                        Some(_) => assert_eq!(
                            result,
                            Err(TransitionError::InvalidTransition { action, from }),
                            "{name} {action:?} from {from}"
                        ),
                    }
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * 6 * 6);
    }

    #[test]
    fn an_officer_who_is_also_the_reporter_acts_as_officer() {
        let both = Actor {
            reporter: true,
            agency_officer: true,
            ..Actor::default()
        };
        assert_eq!(
            transition(Assigned, Action::Start, both),
            Ok((InProgress, ActorRole::Officer))
        );
        assert_eq!(
            transition(Resolved, Action::Rate, both),
            Ok((Closed, ActorRole::Reporter))
        );
    }

    #[test]
    fn names_round_trip() {
        for status in ReportStatus::ALL {
            assert_eq!(status.as_str().parse::<ReportStatus>(), Ok(status));
        }
        for action in Action::TRANSITIONS {
            assert_eq!(Action::parse(action.as_str()), Some(action));
        }
        assert_eq!(Action::parse("submitted"), Some(Action::Submit));
    }
}
