//! Reports: submitting one (with its idempotency key, first timeline entry,
//! photos and event), reading them, the lists the queries page through,
//! the statistics' rows, the search text, and the state an event carries.

use chrono::{DateTime, Duration, Utc};
use congdan_common::outbox;
use congdan_common::text::fold;
use congdan_contracts::events::feedback::{ReportCreated, ReportState};
use entity::feedback::{category, report, submission, timeline_entry};
use sea_orm::sea_query::{Condition, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Select, Set, TransactionTrait,
};

use super::photos::{forget_photos, insert_photos, store_photos};
use super::StoreError;
use crate::domain::new_report::NewReport;
use crate::domain::search::{MapArea, ReportSearch};
use crate::domain::workflow::{Action, ReportStatus};
use crate::photos::PhotoStore;

/// The status stored in a row.
pub fn status_of(row: &report::Model) -> Result<ReportStatus, DbErr> {
    row.status.parse().map_err(DbErr::Custom)
}

/// Report `id`, if there is one.
pub async fn by_id(db: &impl ConnectionTrait, id: &str) -> Result<Option<report::Model>, DbErr> {
    report::Entity::find_by_id(id.to_string()).one(db).await
}

/// Report `id`, which must be there.
pub(super) async fn existing(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<report::Model, StoreError> {
    by_id(db, id).await?.ok_or(StoreError::NotFound)
}

/// The outcome of a submission.
pub struct Submitted {
    pub report: report::Model,
    /// False when the idempotency key had been used: `report` is the first one.
    pub created: bool,
}

/// The report an idempotency key created, if any.
pub async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<report::Model>, DbErr> {
    let Some(found) = submission::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    report::Entity::find_by_id(found.report_id).one(db).await
}

fn searchable(title: &str, description: &str, address: Option<&str>) -> String {
    fold(&format!(
        "{title} {description} {}",
        address.unwrap_or_default()
    ))
}

/// Creates the report, its first timeline entry, its photos and its
/// `feedback.report.created` event in one transaction; or returns the
/// report the idempotency key already made.
pub async fn submit(
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    new: NewReport,
) -> Result<Submitted, StoreError> {
    if let Some(key) = &new.idempotency_key {
        if let Some(existing) = by_idempotency_key(db, key).await? {
            return Ok(Submitted {
                report: existing,
                created: false,
            });
        }
    }
    let id = uuid::Uuid::now_v7().to_string();
    let stored = store_photos(store, &id, &new.photos).await?;
    let txn = db.begin().await?;
    match insert_report(&txn, &id, &new, &stored).await {
        Ok(row) => {
            txn.commit().await?;
            Ok(Submitted {
                report: row,
                created: true,
            })
        }
        Err(error) => {
            txn.rollback().await?;
            forget_photos(store, &stored).await;
            // A concurrent retry with the same key won the race.
            if let Some(key) = &new.idempotency_key {
                if let Some(existing) = by_idempotency_key(db, key).await? {
                    return Ok(Submitted {
                        report: existing,
                        created: false,
                    });
                }
            }
            Err(error.into())
        }
    }
}

async fn insert_report(
    txn: &impl ConnectionTrait,
    id: &str,
    new: &NewReport,
    stored: &[(String, String)],
) -> Result<report::Model, DbErr> {
    let now = Utc::now();
    if let Some(key) = &new.idempotency_key {
        submission::ActiveModel {
            idempotency_key: Set(key.clone()),
            report_id: Set(id.to_string()),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    let row = report::ActiveModel {
        id: Set(id.to_string()),
        title: Set(new.title.clone()),
        description: Set(new.description.clone()),
        category: Set(new.category.key.clone()),
        status: Set(ReportStatus::Received.as_str().to_string()),
        latitude: Set(new.point.latitude()),
        longitude: Set(new.point.longitude()),
        address: Set(new.address.clone()),
        ward_code: Set(Some(new.ward_code.clone())),
        created_at: Set(now),
        reporter_id: Set(new.reporter_id.clone()),
        agency_id: Set(None),
        due_at: Set(Some(
            now + Duration::hours(new.category.target_hours.into()),
        )),
        updated_at: Set(Some(now)),
        status_changed_at: Set(Some(now)),
        resolved_at: Set(None),
        closed_at: Set(None),
        official_answer: Set(None),
        rating_stars: Set(None),
        rating_comment: Set(None),
        rated_at: Set(None),
        follower_count: Set(0),
        search_folded: Set(Some(searchable(
            &new.title,
            &new.description,
            new.address.as_deref(),
        ))),
        source: Set(Some(new.source.clone())),
    }
    .insert(txn)
    .await?;
    let entry_id = uuid::Uuid::now_v7().to_string();
    timeline_entry::ActiveModel {
        id: Set(entry_id.clone()),
        report_id: Set(id.to_string()),
        action: Set(Action::Submit.as_str().to_string()),
        from_status: Set(None),
        to_status: Set(ReportStatus::Received.as_str().to_string()),
        actor_id: Set(new.reporter_id.clone()),
        actor_role: Set(new.actor_role.as_str().to_string()),
        agency_id: Set(None),
        note: Set(None),
        message: Set(None),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    insert_photos(txn, id, None, &new.photos, stored, now).await?;
    outbox::enqueue(
        txn,
        &ReportCreated {
            id: id.to_string(),
            reporter_id: new.reporter_id.clone(),
            category: new.category.key.clone(),
            ward_id: Some(new.ward_code.clone()),
            status: ReportStatus::Received.graphql_name().to_string(),
            due_at: row.due_at,
            event_at: now,
        },
    )
    .await?;
    Ok(row)
}

/// The fields of `row` a workflow step changes, for its event.
pub fn report_state(row: &report::Model) -> ReportState {
    ReportState {
        status: row.status.clone(),
        agency_id: row.agency_id.clone(),
        updated_at: row.updated_at,
        status_changed_at: row.status_changed_at,
        resolved_at: row.resolved_at,
        closed_at: row.closed_at,
        official_answer: row.official_answer.clone(),
        rating_stars: row.rating_stars,
        rating_comment: row.rating_comment.clone(),
        rated_at: row.rated_at,
        follower_count: row.follower_count,
    }
}

/// `row` (read later) with the fields of an event's `state` put back, so a
/// live update shows its own change even when delivered after the next.
pub fn apply_state(state: ReportState, row: &mut report::Model) {
    row.status = state.status;
    row.agency_id = state.agency_id;
    row.updated_at = state.updated_at;
    row.status_changed_at = state.status_changed_at;
    row.resolved_at = state.resolved_at;
    row.closed_at = state.closed_at;
    row.official_answer = state.official_answer;
    row.rating_stars = state.rating_stars;
    row.rating_comment = state.rating_comment;
    row.rated_at = state.rated_at;
    row.follower_count = state.follower_count;
}

/// Fills what rows written before the workflow existed lack (due date,
/// update and status dates, search text). Returns how many rows it filled.
pub async fn backfill(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let rows = report::Entity::find()
        .filter(
            report::Column::SearchFolded
                .is_null()
                .or(report::Column::DueAt.is_null())
                .or(report::Column::UpdatedAt.is_null()),
        )
        .all(db)
        .await?;
    let categories: std::collections::HashMap<String, i32> = category::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.key, c.target_hours))
        .collect();
    let count = rows.len();
    for row in rows {
        let hours = categories.get(&row.category).copied().unwrap_or(120);
        let change = report::ActiveModel {
            id: Set(row.id.clone()),
            due_at: Set(Some(
                row.due_at
                    .unwrap_or(row.created_at + Duration::hours(hours.into())),
            )),
            updated_at: Set(Some(row.updated_at.unwrap_or(row.created_at))),
            status_changed_at: Set(Some(row.status_changed_at.unwrap_or(row.created_at))),
            search_folded: Set(Some(searchable(
                &row.title,
                &row.description,
                row.address.as_deref(),
            ))),
            ..Default::default()
        };
        change.update(db).await?;
    }
    Ok(count)
}

/// Newest first, in a stable order.
pub fn newest_first(select: Select<report::Entity>) -> Select<report::Entity> {
    select
        .order_by_desc(report::Column::CreatedAt)
        .order_by_asc(report::Column::Id)
}

/// Every report, or those of one status, newest first.
pub fn with_status(status: Option<ReportStatus>) -> Select<report::Entity> {
    let mut select = newest_first(report::Entity::find());
    if let Some(status) = status {
        select = select.filter(report::Column::Status.eq(status.as_str()));
    }
    select
}

/// The reports `citizen_id` sent, newest first.
pub fn sent_by(citizen_id: &str) -> Select<report::Entity> {
    newest_first(report::Entity::find().filter(report::Column::ReporterId.eq(citizen_id)))
}

/// The reports [`ReportStatus::is_public`] makes public, as SQL: the
/// statuses public either way, or public once resolved with a resolution.
fn publicly_visible() -> Condition {
    let statuses = |keep: fn(&ReportStatus) -> bool| {
        ReportStatus::ALL
            .into_iter()
            .filter(keep)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
    };
    let always = statuses(|s| s.is_public(false));
    let once_resolved = statuses(|s| s.is_public(true) && !s.is_public(false));
    Condition::any()
        .add(report::Column::Status.is_in(always))
        .add(
            Condition::all()
                .add(report::Column::Status.is_in(once_resolved))
                .add(report::Column::ResolvedAt.is_not_null()),
        )
}

/// The public map: public reports inside `area`, optionally of one
/// category, newest first.
pub fn in_area(area: MapArea, category: Option<String>) -> Select<report::Entity> {
    let mut select = newest_first(
        report::Entity::find()
            .filter(publicly_visible())
            .filter(report::Column::Latitude.between(area.south, area.north))
            .filter(report::Column::Longitude.between(area.west, area.east)),
    );
    if let Some(category) = category {
        select = select.filter(report::Column::Category.eq(category));
    }
    select
}

/// The officers' search at `now` (which decides what is overdue), newest
/// first.
pub fn search(search: ReportSearch, now: DateTime<Utc>) -> Select<report::Entity> {
    let mut select = report::Entity::find();
    for word in &search.words {
        select = select.filter(report::Column::SearchFolded.contains(word));
    }
    if let Some(category) = search.category {
        select = select.filter(report::Column::Category.eq(category));
    }
    if let Some(statuses) = search.statuses {
        select = select.filter(report::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
    }
    if let Some(ward) = search.ward_code {
        select = select.filter(report::Column::WardCode.eq(ward));
    }
    if let Some(agency) = search.agency_id {
        select = select.filter(report::Column::AgencyId.eq(agency));
    }
    if let Some(from) = search.created_from {
        select = select.filter(report::Column::CreatedAt.gte(from));
    }
    if let Some(to) = search.created_to {
        select = select.filter(report::Column::CreatedAt.lt(to));
    }
    if let Some(overdue) = search.overdue {
        let late = Condition::all()
            .add(report::Column::Status.is_in(ReportStatus::OPEN.map(|s| s.as_str())))
            .add(report::Column::DueAt.lt(now));
        select = select.filter(if overdue { late } else { late.not() });
    }
    newest_first(select)
}

/// Ward, category, status and due date of one report.
pub type StatisticsRow = (Option<String>, String, String, Option<DateTime<Utc>>);

/// What the statistics count: one row per report submitted in the range.
pub async fn statistics_rows(
    db: &impl ConnectionTrait,
    created_from: Option<DateTime<Utc>>,
    created_to: Option<DateTime<Utc>>,
) -> Result<Vec<StatisticsRow>, DbErr> {
    let mut select = report::Entity::find()
        .select_only()
        .column(report::Column::WardCode)
        .column(report::Column::Category)
        .column(report::Column::Status)
        .column(report::Column::DueAt);
    if let Some(from) = created_from {
        select = select.filter(report::Column::CreatedAt.gte(from));
    }
    if let Some(to) = created_to {
        select = select.filter(report::Column::CreatedAt.lt(to));
    }
    select.into_tuple().all(db).await
}
