//! Moving a report through the workflow: each step checked against the
//! state machine, written with its timeline entry, photos and event in one
//! transaction; closing expired reports; a report's timeline.

use chrono::{DateTime, Duration, Utc};
use congdan_common::outbox;
use congdan_contracts::events::feedback::ReportUpdated;
use entity::feedback::{report, timeline_entry};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

use super::follows::follower_ids;
use super::photos::{forget_photos, insert_photos, store_photos};
use super::reports::{existing, report_state, status_of};
use super::{agencies, StoreError};
use crate::domain::steps::{Step, StepBy};
use crate::domain::workflow::{
    actor_for, transition, Action, Actor, ActorRole, ReportStatus, TransitionError,
};
use crate::photos::PhotoStore;

/// The report after a step, and the step's timeline entry.
pub struct Stepped {
    pub report: report::Model,
    pub entry: timeline_entry::Model,
}

/// Takes `step` on report `id`: checks it against the state machine,
/// stores its photos, then in one transaction updates the report only if
/// its status is still the one checked (a concurrent step makes this one
/// an invalid transition), adds the timeline entry and the photos, and
/// enqueues `feedback.report.updated`. Without an agency, an assignment or
/// transfer goes to the one the report's category routes to
/// ([`agencies::route`]).
pub async fn take_step(
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    dispatch_agency: &str,
    id: &str,
    by: StepBy<'_>,
    step: Step,
) -> Result<Stepped, StoreError> {
    let row = existing(db, id).await?;
    let from = status_of(&row)?;
    let (actor, actor_id) = match by {
        StepBy::Person(identity) => (
            actor_for(Some(identity), &row, dispatch_agency),
            Some(identity.sub.clone()),
        ),
        StepBy::System => (
            Actor {
                system: true,
                ..Actor::default()
            },
            None,
        ),
    };
    let (to, role) = transition(from, step.action, actor)?;
    let agency_id = match (step.action, &step.agency_id) {
        (Action::Assign | Action::Transfer, Some(id)) => {
            if !agencies::exists(db, id).await? {
                return Err(StoreError::UnknownAgency(id.clone()));
            }
            Some(id.clone())
        }
        (Action::Assign | Action::Transfer, None) => Some(
            agencies::route(db, &row)
                .await?
                .ok_or(StoreError::NoRoute)?,
        ),
        _ => row.agency_id.clone(),
    };
    if step.action == Action::Transfer && agency_id == row.agency_id {
        return Err(StoreError::SameAgency);
    }
    let stored = store_photos(store, id, &step.photos).await?;
    let txn = db.begin().await?;
    match write_step(
        &txn, &row, from, to, role, actor_id, agency_id, &step, &stored,
    )
    .await
    {
        Ok(Some(stepped)) => {
            txn.commit().await?;
            Ok(stepped)
        }
        Ok(None) => {
            txn.rollback().await?;
            forget_photos(store, &stored).await;
            // Someone else moved it first: refused from where it is now.
            let now_status = status_of(&existing(db, id).await?)?;
            Err(TransitionError::InvalidTransition {
                action: step.action,
                from: now_status,
            }
            .into())
        }
        Err(error) => {
            txn.rollback().await?;
            forget_photos(store, &stored).await;
            Err(error.into())
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn write_step(
    txn: &impl ConnectionTrait,
    row: &report::Model,
    from: ReportStatus,
    to: ReportStatus,
    role: ActorRole,
    actor_id: Option<String>,
    agency_id: Option<String>,
    step: &Step,
    stored: &[(String, String)],
) -> Result<Option<Stepped>, DbErr> {
    let now = Utc::now();
    let mut change = report::ActiveModel {
        status: Set(to.as_str().to_string()),
        agency_id: Set(agency_id.clone()),
        updated_at: Set(Some(now)),
        status_changed_at: Set(Some(now)),
        ..Default::default()
    };
    match step.action {
        Action::Resolve => {
            change.resolved_at = Set(Some(now));
            change.official_answer = Set(step.answer.clone());
        }
        Action::Reject => change.official_answer = Set(step.answer.clone()),
        Action::Rate => {
            if let Some(rating) = &step.rating {
                change.rating_stars = Set(Some(rating.stars));
                change.rating_comment = Set(rating.comment.clone());
                change.rated_at = Set(Some(now));
            }
        }
        _ => {}
    }
    if to == ReportStatus::Closed {
        change.closed_at = Set(Some(now));
    }
    let updated = report::Entity::update_many()
        .set(change)
        .filter(report::Column::Id.eq(row.id.as_str()))
        .filter(report::Column::Status.eq(from.as_str()))
        .exec(txn)
        .await?;
    if updated.rows_affected != 1 {
        return Ok(None);
    }
    let message = match step.action {
        Action::Resolve | Action::Reject => step.answer.clone(),
        Action::Rate => step.rating.as_ref().and_then(|r| r.comment.clone()),
        _ => step.message.clone(),
    };
    let entry = timeline_entry::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        report_id: Set(row.id.clone()),
        action: Set(step.action.as_str().to_string()),
        from_status: Set(Some(from.as_str().to_string())),
        to_status: Set(to.as_str().to_string()),
        actor_id: Set(actor_id),
        actor_role: Set(role.as_str().to_string()),
        agency_id: Set(agency_id.clone()),
        note: Set(step.note.clone()),
        message: Set(message.clone()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    insert_photos(txn, &row.id, Some(&entry.id), &step.photos, stored, now).await?;
    let followers = follower_ids(txn, &row.id).await?;
    let report = report::Entity::find_by_id(row.id.clone())
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(row.id.clone()))?;
    outbox::enqueue(
        txn,
        &ReportUpdated {
            id: row.id.clone(),
            reporter_id: row.reporter_id.clone(),
            agency_id: agency_id.clone(),
            previous_agency_id: row.agency_id.clone(),
            status: to.graphql_name().to_string(),
            previous_status: from.graphql_name().to_string(),
            action: step.action.as_str().to_string(),
            // What the citizen is told; the internal note stays out.
            message: message.clone(),
            event_at: now,
            follower_ids: followers,
            state: report_state(&report),
        },
    )
    .await?;
    Ok(Some(Stepped { report, entry }))
}

/// Closes every report resolved or rejected at least `after_days` before
/// `now` and not rated since: a `closed` timeline entry by the system and an
/// event each. Returns how many were closed. `now` is a parameter so tests
/// need not wait.
pub async fn close_expired(
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    now: DateTime<Utc>,
    after_days: i64,
) -> Result<usize, StoreError> {
    let cutoff = now - Duration::days(after_days);
    let due = report::Entity::find()
        .filter(report::Column::Status.is_in([
            ReportStatus::Resolved.as_str(),
            ReportStatus::Rejected.as_str(),
        ]))
        .filter(
            report::Column::StatusChangedAt
                .lte(cutoff)
                .or(report::Column::StatusChangedAt
                    .is_null()
                    .and(report::Column::CreatedAt.lte(cutoff))),
        )
        .order_by_asc(report::Column::StatusChangedAt)
        .all(db)
        .await?;
    let mut closed = 0;
    for row in due {
        let mut step = Step::new(Action::Close);
        step.message = Some(format!(
            "closed automatically {after_days} days after the answer"
        ));
        match take_step(db, store, "", &row.id, StepBy::System, step).await {
            Ok(_) => closed += 1,
            // Rated (so closed) in the meantime.
            Err(StoreError::Transition(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(closed)
}

/// Every step of report `report_id`, oldest first.
pub async fn timeline(
    db: &impl ConnectionTrait,
    report_id: &str,
) -> Result<Vec<timeline_entry::Model>, DbErr> {
    timeline_entry::Entity::find()
        .filter(timeline_entry::Column::ReportId.eq(report_id))
        .order_by_asc(timeline_entry::Column::Id)
        .all(db)
        .await
}
