//! The feedback subgraph's personal-data queries (Decree 13/2023/ND-CP):
//! the export of everything it holds about a citizen, and the
//! anonymisation of a deleted account's data (see [`crate::personal_data`]
//! for what it changes and why).

use entity::feedback::{follower, photo, report, submission, timeline_entry};
use sea_orm::sea_query::{Expr, ExprTrait, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, TransactionTrait,
};
use serde_json::{json, Value};

use crate::domain::workflow::ActorRole;

fn time(t: chrono::DateTime<chrono::Utc>) -> Value {
    json!(t.to_rfc3339())
}

/// The ids of the reports `citizen_id` sent, as a subquery.
fn reports_of(citizen_id: &str) -> SelectStatement {
    report::Entity::find()
        .select_only()
        .column(report::Column::Id)
        .filter(report::Column::ReporterId.eq(citizen_id))
        .into_query()
}

fn photo_json(p: &photo::Model) -> Value {
    json!({
        "id": p.id,
        "contentType": p.content_type,
        "sizeBytes": p.size_bytes,
        "timelineEntryId": p.timeline_entry_id,
        "createdAt": time(p.created_at),
    })
}

/// One timeline entry as the export shows it: other people's ids are not
/// the citizen's data, so only whether the citizen took the step.
fn step_json(e: &timeline_entry::Model, citizen_id: &str, photos: &[photo::Model]) -> Value {
    json!({
        "id": e.id,
        "action": e.action,
        "fromStatus": e.from_status,
        "toStatus": e.to_status,
        "actorRole": e.actor_role,
        "byYou": e.actor_id.as_deref() == Some(citizen_id),
        "agencyId": e.agency_id,
        // What the citizen was told; officers' internal notes are not theirs.
        "message": e.message,
        "createdAt": time(e.created_at),
        "photos": photos
            .iter()
            .filter(|p| p.timeline_entry_id.as_deref() == Some(e.id.as_str()))
            .map(photo_json)
            .collect::<Vec<_>>(),
    })
}

/// Everything the feedback subgraph holds about `citizen_id`, as one JSON
/// document: the reports they sent (with their handling history, rating,
/// photo metadata without the files, and the idempotency key of the
/// submission), the steps they took on other reports (as staff), and the
/// reports they follow. Empty lists for a citizen it knows nothing of.
pub async fn export(db: &impl ConnectionTrait, citizen_id: &str) -> Result<Value, DbErr> {
    let reports = report::Entity::find()
        .filter(report::Column::ReporterId.eq(citizen_id))
        .order_by_asc(report::Column::CreatedAt)
        .order_by_asc(report::Column::Id)
        .all(db)
        .await?;
    let timeline = timeline_entry::Entity::find()
        .filter(timeline_entry::Column::ReportId.in_subquery(reports_of(citizen_id)))
        .order_by_asc(timeline_entry::Column::Id)
        .all(db)
        .await?;
    let photos = photo::Entity::find()
        .filter(photo::Column::ReportId.in_subquery(reports_of(citizen_id)))
        .order_by_asc(photo::Column::Id)
        .all(db)
        .await?;
    let submissions = submission::Entity::find()
        .filter(submission::Column::ReportId.in_subquery(reports_of(citizen_id)))
        .all(db)
        .await?;
    // Steps they took on reports that are not theirs (as staff).
    let other_steps = timeline_entry::Entity::find()
        .filter(timeline_entry::Column::ActorId.eq(citizen_id))
        .filter(timeline_entry::Column::ReportId.not_in_subquery(reports_of(citizen_id)))
        .order_by_asc(timeline_entry::Column::Id)
        .all(db)
        .await?;
    let other_step_photos = photo::Entity::find()
        .filter(
            photo::Column::TimelineEntryId.in_subquery(
                timeline_entry::Entity::find()
                    .select_only()
                    .column(timeline_entry::Column::Id)
                    .filter(timeline_entry::Column::ActorId.eq(citizen_id))
                    .into_query(),
            ),
        )
        .order_by_asc(photo::Column::Id)
        .all(db)
        .await?;
    let follows = follower::Entity::find()
        .filter(follower::Column::CitizenId.eq(citizen_id))
        .order_by_asc(follower::Column::CreatedAt)
        .all(db)
        .await?;
    let followed: std::collections::HashMap<String, report::Model> = report::Entity::find()
        .filter(
            report::Column::Id.in_subquery(
                follower::Entity::find()
                    .select_only()
                    .column(follower::Column::ReportId)
                    .filter(follower::Column::CitizenId.eq(citizen_id))
                    .into_query(),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id.clone(), r))
        .collect();

    let reports_json: Vec<Value> = reports
        .iter()
        .map(|r| {
            let submission = submissions.iter().find(|s| s.report_id == r.id);
            json!({
                "id": r.id,
                "title": r.title,
                "description": r.description,
                "category": r.category,
                "status": r.status,
                "latitude": r.latitude,
                "longitude": r.longitude,
                "address": r.address,
                "wardId": r.ward_code,
                "agencyId": r.agency_id,
                "source": r.source,
                "createdAt": time(r.created_at),
                "updatedAt": r.updated_at.map(time),
                "dueAt": r.due_at.map(time),
                "resolvedAt": r.resolved_at.map(time),
                "closedAt": r.closed_at.map(time),
                "officialAnswer": r.official_answer,
                "followerCount": r.follower_count,
                "rating": r.rating_stars.map(|stars| json!({
                    "stars": stars,
                    "comment": r.rating_comment,
                    "ratedAt": r.rated_at.map(time),
                })),
                "submission": submission.map(|s| json!({
                    "idempotencyKey": s.idempotency_key,
                    "createdAt": time(s.created_at),
                })),
                "photos": photos
                    .iter()
                    .filter(|p| p.report_id == r.id && p.timeline_entry_id.is_none())
                    .map(photo_json)
                    .collect::<Vec<_>>(),
                "timeline": timeline
                    .iter()
                    .filter(|e| e.report_id == r.id)
                    .map(|e| step_json(e, citizen_id, &photos))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let other_steps_json: Vec<Value> = other_steps
        .iter()
        .map(|e| {
            let mut step = step_json(e, citizen_id, &other_step_photos);
            step["reportId"] = json!(e.report_id);
            step
        })
        .collect();
    let follows_json: Vec<Value> = follows
        .iter()
        .map(|f| {
            let report = followed.get(&f.report_id);
            json!({
                "reportId": f.report_id,
                "followedAt": time(f.created_at),
                "title": report.map(|r| &r.title),
                "status": report.map(|r| &r.status),
            })
        })
        .collect();
    Ok(json!({
        "citizenId": citizen_id,
        "reports": reports_json,
        "stepsOnOtherReports": other_steps_json,
        "follows": follows_json,
    }))
}

/// What an anonymisation changed (counts only: they are logged).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Anonymised {
    /// Reports that lost their reporter.
    pub reports: u64,
    /// Idempotency records of their submissions deleted.
    pub submissions: u64,
    /// Rating comments removed from reports.
    pub rating_comments: u64,
    /// Timeline entries that lost their actor.
    pub timeline_entries: u64,
    /// Follows deleted.
    pub follows: u64,
}

impl Anonymised {
    /// Whether anything was left to change (false on a redelivery).
    pub fn changed_anything(&self) -> bool {
        *self != Self::default()
    }
}

/// Anonymises what the feedback subgraph holds about `citizen_id` (see the
/// module's documentation), in one transaction; running it again changes
/// nothing.
pub async fn anonymise(db: &DatabaseConnection, citizen_id: &str) -> Result<Anonymised, DbErr> {
    let txn = db.begin().await?;
    match anonymise_rows(&txn, citizen_id).await {
        Ok(done) => {
            txn.commit().await?;
            Ok(done)
        }
        Err(error) => {
            txn.rollback().await?;
            Err(error)
        }
    }
}

async fn anonymise_rows(db: &impl ConnectionTrait, citizen_id: &str) -> Result<Anonymised, DbErr> {
    let no_text = || Expr::value(Option::<String>::None);
    // While the reports still name their reporter: the submissions and
    // the rating comments.
    let submissions = submission::Entity::delete_many()
        .filter(submission::Column::ReportId.in_subquery(reports_of(citizen_id)))
        .exec(db)
        .await?
        .rows_affected;
    let rating_comments = report::Entity::update_many()
        .col_expr(report::Column::RatingComment, no_text())
        .filter(report::Column::ReporterId.eq(citizen_id))
        .filter(report::Column::RatingComment.is_not_null())
        .exec(db)
        .await?
        .rows_affected;
    // The rating comment is also the message of the `rated` step: what they
    // wrote as the reporter goes; what staff wrote stays.
    timeline_entry::Entity::update_many()
        .col_expr(timeline_entry::Column::Message, no_text())
        .filter(timeline_entry::Column::ActorId.eq(citizen_id))
        .filter(timeline_entry::Column::ActorRole.eq(ActorRole::Reporter.as_str()))
        .filter(timeline_entry::Column::Message.is_not_null())
        .exec(db)
        .await?;
    let timeline_entries = timeline_entry::Entity::update_many()
        .col_expr(timeline_entry::Column::ActorId, no_text())
        .filter(timeline_entry::Column::ActorId.eq(citizen_id))
        .exec(db)
        .await?
        .rows_affected;
    let reports = report::Entity::update_many()
        .col_expr(report::Column::ReporterId, no_text())
        .filter(report::Column::ReporterId.eq(citizen_id))
        .exec(db)
        .await?
        .rows_affected;
    // Each follow deleted takes one off its report's count (as unfollowing
    // does); a follow another delivery deleted first takes nothing off.
    let followed = follower::Entity::find()
        .select_only()
        .column(follower::Column::ReportId)
        .filter(follower::Column::CitizenId.eq(citizen_id))
        .into_tuple::<String>()
        .all(db)
        .await?;
    let mut follows = 0;
    for report_id in followed {
        let deleted = follower::Entity::delete_by_id((report_id.clone(), citizen_id.to_string()))
            .exec(db)
            .await?;
        if deleted.rows_affected == 1 {
            follows += 1;
            report::Entity::update_many()
                .col_expr(
                    report::Column::FollowerCount,
                    Expr::col(report::Column::FollowerCount).sub(1),
                )
                .filter(report::Column::Id.eq(report_id))
                .filter(report::Column::FollowerCount.gt(0))
                .exec(db)
                .await?;
        }
    }
    Ok(Anonymised {
        reports,
        submissions,
        rating_comments,
        timeline_entries,
        follows,
    })
}
