//! Personal data rights in the feedback subgraph (Decree 13/2023/ND-CP):
//! what becomes of a citizen's data when their account is deleted (the
//! consumer of `citizen.account.deleted`, which the citizen subgraph
//! publishes through its outbox). The export and the anonymisation's
//! queries are [`crate::store::personal_data`]'s.
//!
//! A report, once sent, is a public matter (the map, the statistics, the
//! agency's answer), so a deleted account's reports stay, anonymised: they
//! lose their reporter, and what only ties the citizen to them goes. In one
//! transaction per citizen:
//!
//! - their reports' `reporter_id` becomes NULL (status and visibility are
//!   unchanged: a public report stays public);
//! - the idempotency records of their submissions are deleted (the key is
//!   chosen by the citizen's device);
//! - their rating comments are removed, on the report and in the timeline
//!   (free text in their own words; the stars stay, for the statistics);
//! - every timeline entry they took loses its `actor_id` (the role it was
//!   taken in stays; notes written as staff are the agency's record and
//!   stay);
//! - their follows are deleted, and each followed report's
//!   `follower_count` goes down by one.
//!
//! Handling is idempotent: a second delivery of the same event (another
//! replica, the relay publishing again after a crash) finds nothing left to
//! change.

use congdan_common::server::Deps;
use congdan_contracts::bus::{Consumer, Contract, Event, Handler};
use congdan_contracts::events::citizen::AccountDeleted;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::store::personal_data::{anonymise, Anonymised};

/// The citizen an account-deletion event is about; None for other events
/// and payloads without one.
pub fn deleted_citizen(event: &Event) -> Option<String> {
    event
        .read::<AccountDeleted>()
        .map(|deleted| deleted.citizen_id.trim().to_string())
        .filter(|id| !id.is_empty())
}

/// Handles one event: anonymises the deleted citizen's data; None for
/// events that are not account deletions (or name no citizen).
pub async fn handle(db: &DatabaseConnection, event: &Event) -> Result<Option<Anonymised>, DbErr> {
    match deleted_citizen(event) {
        Some(citizen_id) => anonymise(db, &citizen_id).await.map(Some),
        None => Ok(None),
    }
}

/// The handler of account deletions: anonymises each deleted citizen's
/// feedback data.
pub struct AccountDeletions {
    db: DatabaseConnection,
}

impl Handler for AccountDeletions {
    type Error = DbErr;

    async fn handle(&self, event: &Event) -> Result<(), DbErr> {
        // The event's id and counts only: the payload names the citizen.
        match handle(&self.db, event).await? {
            Some(done) => tracing::info!(event = %event.id, reports = done.reports,
                follows = done.follows, timeline_entries = done.timeline_entries,
                rating_comments = done.rating_comments, submissions = done.submissions,
                "account deletions: feedback data anonymised"),
            None => {
                tracing::warn!(event = %event.id, "account deletions: an event without a citizen id")
            }
        }
        Ok(())
    }
}

/// Runs the consumer until `shutdown`: subscribes to
/// `citizen.account.deleted` on `deps.bus` (retrying until the bus
/// answers) and anonymises each deleted citizen's feedback data.
pub fn spawn(deps: &Deps, shutdown: CancellationToken) -> JoinHandle<()> {
    let handler = AccountDeletions {
        db: deps.db.clone(),
    };
    Consumer::new(
        "account deletions",
        deps.bus.clone(),
        AccountDeleted::TOPIC,
        handler,
    )
    .spawn(shutdown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_account_deletions_with_a_citizen_are_handled() {
        let deleted = |id: &str| {
            Event::of(&AccountDeleted {
                citizen_id: id.to_string(),
            })
            .unwrap()
        };
        assert_eq!(deleted_citizen(&deleted("c-1")).as_deref(), Some("c-1"));
        assert_eq!(deleted_citizen(&deleted(" ")), None);
        let roles = congdan_contracts::events::citizen::RolesChanged {
            citizen_id: "c-1".into(),
        };
        assert_eq!(deleted_citizen(&Event::of(&roles).unwrap()), None);
    }
}
