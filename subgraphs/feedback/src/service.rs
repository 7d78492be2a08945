//! What the feedback subgraph does with its tables: submitting a report,
//! finding similar ones, moving a report through the workflow, following
//! it, closing expired ones. Every change and its outbox event are written
//! in one transaction. GraphQL and Open311 both call these.

use congdan_common::language::Text;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use congdan_common::city_point::CityPoint;
use congdan_common::outbox;
use congdan_common::text::fold;
use congdan_contracts::events::feedback::{ReportCreated, ReportState, ReportUpdated};
use congdan_contracts::identity::{Identity, Role};
use congdan_geography::distance::{haversine_m, BoundingBox};
use entity::feedback::{category, follower, photo, report, submission, timeline_entry};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::agencies;
use crate::domain::{transition, Action, Actor, ActorRole, ReportStatus, TransitionError};
use crate::photos::{CheckedPhoto, PhotoStore};

/// Radius of "the same place" for similar reports, in metres.
pub const SIMILAR_RADIUS_M: f64 = 50.0;
/// How far back similar reports are looked for.
pub const SIMILAR_WINDOW_DAYS: i64 = 7;
/// Metres per degree of latitude (mean Earth radius).

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("report not found")]
    NotFound,
    #[error("the report is already with this agency")]
    SameAgency,
    #[error("the directory has no agency `{0}`")]
    UnknownAgency(String),
    #[error("no agency in the directory handles this category here; choose one")]
    NoRoute,
    #[error("the photo could not be stored")]
    Store(#[source] std::io::Error),
    #[error("database error")]
    Database(#[from] DbErr),
}

impl ServiceError {
    /// The message for the caller, in both languages.
    pub fn text(&self) -> Text {
        let vi = match self {
            Self::Transition(error) => return error.text(),
            Self::NotFound => "Không tìm thấy phản ánh".to_string(),
            Self::SameAgency => "Phản ánh đã ở cơ quan này".to_string(),
            Self::UnknownAgency(id) => format!("Danh bạ không có cơ quan `{id}`"),
            Self::NoRoute => {
                "Không có cơ quan nào trong danh bạ xử lý loại phản ánh này ở khu vực này; hãy chọn một cơ quan".to_string()
            }
            Self::Store(_) => "Không lưu được ảnh".to_string(),
            Self::Database(_) => "Lỗi cơ sở dữ liệu".to_string(),
        };
        Text::new(vi, self.to_string())
    }
}

impl From<ServiceError> for congdan_common::Error {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Database(e) => congdan_common::Error::Database(e),
            ServiceError::Store(e) => {
                tracing::error!(error = %e, "photo store failed");
                congdan_common::Error::Database(DbErr::Custom("photo store failed".into()))
            }
            ServiceError::NotFound => congdan_common::Error::not_found("phản ánh", "report"),
            ServiceError::Transition(TransitionError::Forbidden) => {
                congdan_common::Error::Forbidden
            }
            other => congdan_common::Error::BadUserInput(other.text()),
        }
    }
}

/// The status stored in a row.
pub fn status_of(row: &report::Model) -> Result<ReportStatus, DbErr> {
    row.status.parse().map_err(DbErr::Custom)
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

/// Whether `citizen_id` follows the report.
pub async fn is_follower(
    db: &impl ConnectionTrait,
    report_id: &str,
    citizen_id: &str,
) -> Result<bool, DbErr> {
    Ok(
        follower::Entity::find_by_id((report_id.to_string(), citizen_id.to_string()))
            .one(db)
            .await?
            .is_some(),
    )
}

/// Whether citizens follow reports, by (citizen, report), batched: the
/// follow-dependent fields of a list of reports (`viewerFollows`, and the
/// tracking check of `timeline`, `photos`, `rating`) cost one query per
/// citizen asking, not one per report and field.
pub struct Follows {
    pub db: sea_orm::DatabaseConnection,
}

impl async_graphql::dataloader::Loader<(String, String)> for Follows {
    type Value = bool;
    type Error = std::sync::Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(String, String)],
    ) -> Result<std::collections::HashMap<(String, String), bool>, Self::Error> {
        let mut by_citizen: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for (citizen, report) in keys {
            by_citizen.entry(citizen).or_default().push(report);
        }
        let mut follows = std::collections::HashMap::new();
        for (citizen, reports) in by_citizen {
            let rows = follower::Entity::find()
                .filter(follower::Column::CitizenId.eq(citizen))
                .filter(follower::Column::ReportId.is_in(reports))
                .all(&self.db)
                .await
                .map_err(std::sync::Arc::new)?;
            follows.extend(
                rows.into_iter()
                    .map(|f| ((f.citizen_id, f.report_id), true)),
            );
        }
        Ok(follows)
    }
}

async fn follower_ids(db: &impl ConnectionTrait, report_id: &str) -> Result<Vec<String>, DbErr> {
    Ok(follower::Entity::find()
        .filter(follower::Column::ReportId.eq(report_id))
        .order_by_asc(follower::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.citizen_id)
        .collect())
}

/// A report to create.
pub struct NewReport {
    pub title: String,
    pub description: String,
    pub category: category::Model,
    pub point: CityPoint,
    pub ward_code: String,
    pub address: Option<String>,
    pub reporter_id: Option<String>,
    /// `app`, or `open311:<key id>`.
    pub source: String,
    pub actor_role: ActorRole,
    /// None for channels without one (Open311).
    pub idempotency_key: Option<String>,
    pub photos: Vec<CheckedPhoto>,
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

fn photo_key(report_id: &str, photo_id: &str, photo: &CheckedPhoto) -> String {
    format!("reports/{report_id}/{photo_id}.{}", photo.kind.extension())
}

/// Stores the photos; on failure removes those already stored.
async fn store_photos(
    store: &dyn PhotoStore,
    report_id: &str,
    photos: &[CheckedPhoto],
) -> Result<Vec<(String, String)>, ServiceError> {
    let mut stored: Vec<(String, String)> = Vec::new();
    for photo in photos {
        let id = uuid::Uuid::now_v7().to_string();
        let key = photo_key(report_id, &id, photo);
        if let Err(error) = store.put(&key, photo.bytes.clone()).await {
            forget_photos(store, &stored).await;
            return Err(ServiceError::Store(error));
        }
        stored.push((id, key));
    }
    Ok(stored)
}

async fn forget_photos(store: &dyn PhotoStore, stored: &[(String, String)]) {
    for (_, key) in stored {
        if let Err(error) = store.delete(key).await {
            tracing::warn!(%error, "could not remove a photo of a failed change");
        }
    }
}

async fn insert_photos(
    txn: &impl ConnectionTrait,
    report_id: &str,
    entry_id: Option<&str>,
    photos: &[CheckedPhoto],
    stored: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    for (photo, (id, key)) in photos.iter().zip(stored) {
        photo::ActiveModel {
            id: Set(id.clone()),
            report_id: Set(report_id.to_string()),
            timeline_entry_id: Set(entry_id.map(str::to_string)),
            content_type: Set(photo.kind.content_type().to_string()),
            size_bytes: Set(photo.bytes.len() as i64),
            storage_key: Set(key.clone()),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
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
) -> Result<Submitted, ServiceError> {
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

/// Open reports of `category` within 50 m of the point from the last 7
/// days, nearest first, with their distance in metres.
pub async fn similar(
    db: &impl ConnectionTrait,
    category: &str,
    lat: f64,
    lon: f64,
    now: DateTime<Utc>,
    exclude: Option<&str>,
) -> Result<Vec<(report::Model, f64)>, DbErr> {
    let BoundingBox {
        south,
        west,
        north,
        east,
    } = BoundingBox::around(lat, lon, SIMILAR_RADIUS_M);
    let mut select = report::Entity::find()
        .filter(report::Column::Category.eq(category))
        .filter(report::Column::Status.is_in(ReportStatus::OPEN.map(|s| s.as_str())))
        .filter(report::Column::CreatedAt.gte(now - Duration::days(SIMILAR_WINDOW_DAYS)))
        .filter(report::Column::Latitude.between(south, north))
        .filter(report::Column::Longitude.between(west, east));
    if let Some(id) = exclude {
        select = select.filter(report::Column::Id.ne(id));
    }
    let mut found: Vec<(report::Model, f64)> = select
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let d = haversine_m(lat, lon, row.latitude, row.longitude);
            (row, d)
        })
        .filter(|(_, d)| *d <= SIMILAR_RADIUS_M)
        .collect();
    found.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(found)
}

/// One workflow step asked for.
pub struct Step {
    pub action: Action,
    /// The officers' internal note: never shown or sent to citizens.
    pub note: Option<String>,
    /// What the citizen is told with an assignment, transfer or start
    /// (their notification says the new status when there is none).
    pub message: Option<String>,
    /// The agency to assign or transfer to; None: the one the report's
    /// category routes to ([`agencies::route`]).
    pub agency_id: Option<String>,
    /// The official answer (resolve) or the reason (reject).
    pub answer: Option<String>,
    /// Stars and comment (rate).
    pub rating: Option<(i32, Option<String>)>,
    pub photos: Vec<CheckedPhoto>,
}

impl Step {
    pub fn new(action: Action) -> Self {
        Self {
            action,
            note: None,
            message: None,
            agency_id: None,
            answer: None,
            rating: None,
            photos: Vec::new(),
        }
    }
}

/// Who takes a step: a person (their identity) or the system.
pub enum StepBy<'a> {
    Person(&'a Identity),
    System,
}

/// The report after a step, and the step's timeline entry.
pub struct Stepped {
    pub report: report::Model,
    pub entry: timeline_entry::Model,
}

/// Takes `step` on report `id`: checks it against the state machine,
/// stores its photos, then in one transaction updates the report only if
/// its status is still the one checked (a concurrent step makes this one
/// an invalid transition), adds the timeline entry and the photos, and
/// enqueues `feedback.report.updated`.
pub async fn take_step(
    db: &DatabaseConnection,
    store: &dyn PhotoStore,
    dispatch_agency: &str,
    id: &str,
    by: StepBy<'_>,
    step: Step,
) -> Result<Stepped, ServiceError> {
    let row = report::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
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
                return Err(ServiceError::UnknownAgency(id.clone()));
            }
            Some(id.clone())
        }
        (Action::Assign | Action::Transfer, None) => Some(
            agencies::route(db, &row)
                .await?
                .ok_or(ServiceError::NoRoute)?,
        ),
        _ => row.agency_id.clone(),
    };
    if step.action == Action::Transfer && agency_id == row.agency_id {
        return Err(ServiceError::SameAgency);
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
            let now_status = match report::Entity::find_by_id(id.to_string()).one(db).await? {
                Some(current) => status_of(&current)?,
                None => return Err(ServiceError::NotFound),
            };
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
            if let Some((stars, comment)) = &step.rating {
                change.rating_stars = Set(Some(*stars));
                change.rating_comment = Set(comment.clone());
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
        Action::Rate => step
            .rating
            .as_ref()
            .and_then(|(_, comment)| comment.clone()),
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

/// Whether a follow changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowOutcome {
    Followed,
    AlreadyFollowing,
    OwnReport,
    NotOpen,
}

/// `citizen_id` says "me too": a follower row and one more on the count,
/// once per citizen, only while the report is open.
pub async fn follow(
    db: &DatabaseConnection,
    report_id: &str,
    citizen_id: &str,
) -> Result<(FollowOutcome, report::Model), ServiceError> {
    let row = report::Entity::find_by_id(report_id.to_string())
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if row.reporter_id.as_deref() == Some(citizen_id) {
        return Ok((FollowOutcome::OwnReport, row));
    }
    if is_follower(db, report_id, citizen_id).await? {
        return Ok((FollowOutcome::AlreadyFollowing, row));
    }
    if !status_of(&row)?.is_open() {
        return Ok((FollowOutcome::NotOpen, row));
    }
    let txn = db.begin().await?;
    let inserted = follower::ActiveModel {
        report_id: Set(report_id.to_string()),
        citizen_id: Set(citizen_id.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await;
    if inserted.is_err() {
        // A concurrent follow by the same citizen got there first.
        txn.rollback().await?;
        let row = reload(db, report_id).await?;
        return Ok((FollowOutcome::AlreadyFollowing, row));
    }
    report::Entity::update_many()
        .col_expr(
            report::Column::FollowerCount,
            Expr::col(report::Column::FollowerCount).add(1),
        )
        .filter(report::Column::Id.eq(report_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok((FollowOutcome::Followed, reload(db, report_id).await?))
}

/// Stops following; the count goes down by one if the citizen followed.
pub async fn unfollow(
    db: &DatabaseConnection,
    report_id: &str,
    citizen_id: &str,
) -> Result<report::Model, ServiceError> {
    let txn = db.begin().await?;
    let deleted = follower::Entity::delete_by_id((report_id.to_string(), citizen_id.to_string()))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 1 {
        report::Entity::update_many()
            .col_expr(
                report::Column::FollowerCount,
                Expr::col(report::Column::FollowerCount).sub(1),
            )
            .filter(report::Column::Id.eq(report_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    reload(db, report_id).await
}

async fn reload(db: &impl ConnectionTrait, id: &str) -> Result<report::Model, ServiceError> {
    report::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound)
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
) -> Result<usize, ServiceError> {
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
            Err(ServiceError::Transition(_)) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(closed)
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

/// A shared handle on the photo store.
pub type Store = Arc<dyn PhotoStore>;
