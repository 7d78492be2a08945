//! The notification inbox: notifications written from bus events (the
//! consumer of `feedback.report.>`), read newest first, marked read,
//! deleted.
//!
//! Delivery is at least once, so a notification is keyed by its citizen and
//! the event it came from: a redelivered event (another replica, the relay
//! publishing again after a crash) finds the row there and writes nothing.

use std::time::Duration;

use chrono::{DateTime, Utc};
use congdan_common::pagination::PageRequest;
use congdan_common::server::Deps;
use congdan_contracts::bus::{Consumer, Event, Handler};
use congdan_contracts::events::feedback::{ReportCreated, ReportUpdated, REPORT_EVENTS};
use entity::citizen::{citizen_record, notification};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::domain::preferences::{NotificationChannel, NotificationTopic};

/// A notification to deliver to one citizen.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub citizen_id: String,
    /// The event it comes from; its id for direct writes.
    pub event_id: String,
    pub topic: NotificationTopic,
    pub title_vi: String,
    pub title_en: String,
    pub body_vi: String,
    pub body_en: String,
    /// Entity type (`report`) and key of what it is about.
    pub subject: Option<(String, String)>,
    pub created_at: DateTime<Utc>,
}

/// Why a notification was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    /// Written before (the same event again).
    Duplicate,
    /// The citizen turned this topic off for the inbox.
    NotWanted,
    /// No such citizen (or their account was deleted).
    NoCitizen,
}

/// Writes `new` unless the citizen does not exist, does not want the topic
/// in their inbox, or has it already.
pub async fn deliver(db: &DatabaseConnection, new: &NewNotification) -> Result<Delivery, DbErr> {
    let exists = citizen_record::Entity::find_by_id(new.citizen_id.clone())
        .select_only()
        .column(citizen_record::Column::Id)
        .into_tuple::<String>()
        .one(db)
        .await?
        .is_some();
    if !exists {
        return Ok(Delivery::NoCitizen);
    }
    if !crate::profile::wants(db, &new.citizen_id, new.topic, NotificationChannel::InApp).await? {
        return Ok(Delivery::NotWanted);
    }
    let (subject_type, subject_key) = match &new.subject {
        Some((kind, key)) => (Some(kind.clone()), Some(key.clone())),
        None => (None, None),
    };
    let written = notification::Entity::insert(notification::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        citizen_id: Set(new.citizen_id.clone()),
        event_id: Set(new.event_id.clone()),
        topic: Set(new.topic.as_str().to_string()),
        title_vi: Set(new.title_vi.clone()),
        title_en: Set(new.title_en.clone()),
        body_vi: Set(new.body_vi.clone()),
        body_en: Set(new.body_en.clone()),
        subject_type: Set(subject_type),
        subject_key: Set(subject_key),
        created_at: Set(new.created_at),
        read_at: Set(None),
    })
    .on_conflict_do_nothing_on([
        notification::Column::CitizenId,
        notification::Column::EventId,
    ])
    .exec_without_returning(db)
    .await;
    match written {
        Ok(sea_orm::TryInsertResult::Inserted(n)) if n > 0 => Ok(Delivery::Delivered),
        Ok(_) => Ok(Delivery::Duplicate),
        // The account was deleted between the check and the write.
        Err(error)
            if matches!(
                error.sql_err(),
                Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
            ) =>
        {
            Ok(Delivery::NoCitizen)
        }
        Err(error) => Err(error),
    }
}

/// The notifications a feedback report event makes: for its reporter
/// (none for anonymous reports) and, on updates, for the citizens who
/// follow the report ("me too"). Empty for other events.
pub fn from_feedback_event(event: &Event) -> Vec<NewNotification> {
    let notification =
        |citizen_id: &str, report_id: &str, title: (String, String), body: (String, String)| {
            NewNotification {
                citizen_id: citizen_id.to_string(),
                event_id: event.id.clone(),
                topic: NotificationTopic::Feedback,
                title_vi: title.0,
                title_en: title.1,
                body_vi: body.0,
                body_en: body.1,
                subject: Some(("report".to_string(), report_id.to_string())),
                created_at: event.occurred_at,
            }
        };
    if let Some(created) = event.read::<ReportCreated>() {
        return non_empty(created.reporter_id.as_deref())
            .map(|citizen| {
                notification(
                    citizen,
                    &created.id,
                    (
                        "Đã nhận phản ánh của bạn".to_string(),
                        "Your report was received".to_string(),
                    ),
                    (
                        "Phản ánh đã được gửi đến Tổng đài 1022 và sẽ được chuyển đến đơn vị phụ trách."
                            .to_string(),
                        "Your report reached the 1022 hotline and will be forwarded to the unit in charge."
                            .to_string(),
                    ),
                )
            })
            .into_iter()
            .collect();
    }
    let Some(updated) = event.read::<ReportUpdated>() else {
        return Vec::new();
    };
    let (vi, en) = status_text(&updated.status.to_ascii_lowercase());
    // The text feedback meant for the citizen; its officers' internal notes
    // never travel in events.
    let body = match non_empty(updated.message.as_deref()) {
        Some(message) => (message.to_string(), message.to_string()),
        None => (
            format!("Trạng thái mới: {vi}."),
            format!("New status: {en}."),
        ),
    };
    let reporter = non_empty(updated.reporter_id.as_deref());
    let mut all: Vec<NewNotification> = reporter
        .map(|citizen| {
            notification(
                citizen,
                &updated.id,
                (
                    format!("Phản ánh của bạn: {vi}"),
                    format!("Your report: {en}"),
                ),
                body.clone(),
            )
        })
        .into_iter()
        .collect();
    let followers = updated
        .follower_ids
        .iter()
        .filter_map(|f| non_empty(Some(f)))
        .filter(|f| Some(*f) != reporter);
    for follower in followers {
        if all.iter().any(|n| n.citizen_id == follower) {
            continue;
        }
        all.push(notification(
            follower,
            &updated.id,
            (
                format!("Phản ánh bạn theo dõi: {vi}"),
                format!("A report you follow: {en}"),
            ),
            body.clone(),
        ));
    }
    all
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A report status in Vietnamese and English; unknown statuses as given.
fn status_text(status: &str) -> (String, String) {
    let known = match status {
        "received" => Some(("đã tiếp nhận", "received")),
        "assigned" => Some(("đã chuyển đơn vị xử lý", "assigned to an agency")),
        "in_progress" => Some(("đang xử lý", "in progress")),
        "resolved" => Some(("đã xử lý xong", "resolved")),
        "rejected" => Some(("không được tiếp nhận", "rejected")),
        "closed" => Some(("đã đóng", "closed")),
        "reopened" => Some(("được mở lại", "reopened")),
        _ => None,
    };
    match known {
        Some((vi, en)) => (vi.to_string(), en.to_string()),
        None => {
            let plain = status.replace('_', " ");
            (plain.clone(), plain)
        }
    }
}

/// Handles one event: the notifications it makes, each written once; what
/// became of each (none for events that make no notification).
pub async fn handle(db: &DatabaseConnection, event: &Event) -> Result<Vec<Delivery>, DbErr> {
    let mut deliveries = Vec::new();
    for new in from_feedback_event(event) {
        deliveries.push(deliver(db, &new).await?);
    }
    Ok(deliveries)
}

/// The inbox consumer's handler: writes each event's notifications.
pub struct Inbox {
    db: DatabaseConnection,
}

impl Handler for Inbox {
    type Error = DbErr;

    async fn handle(&self, event: &Event) -> Result<(), DbErr> {
        handle(&self.db, event).await.map(drop)
    }
}

/// The inbox consumer of `feedback.report.>` on `deps.bus`, not yet
/// subscribed: [`Consumer::subscribe`] then run it, or spawn it.
pub fn consumer(deps: &Deps) -> Consumer<Inbox> {
    let inbox = Inbox {
        db: deps.db.clone(),
    };
    Consumer::new("inbox", deps.bus.clone(), REPORT_EVENTS, inbox)
        .dedupe(100_000, Duration::from_secs(3600))
}

/// Runs the inbox consumer until `shutdown`: subscribes to
/// `feedback.report.>` on `deps.bus` (retrying until the bus answers) and
/// writes each reporter's notification. Start it once per citizen-subgraph
/// process, beside the outbox relay.
pub fn spawn_consumer(deps: &Deps, shutdown: CancellationToken) -> JoinHandle<()> {
    consumer(deps).spawn(shutdown)
}

/// One page of a citizen's inbox, newest first, with the counts.
pub struct InboxPage {
    pub rows: Vec<notification::Model>,
    pub total: u64,
    pub unread: u64,
    pub has_next: bool,
}

#[derive(FromQueryResult)]
struct Counts {
    total: i64,
    unread: Option<i64>,
}

/// Total and unread in one statement, then the page.
pub async fn page<C: ConnectionTrait>(
    db: &C,
    citizen_id: &str,
    unread_only: bool,
    page: PageRequest,
) -> Result<InboxPage, DbErr> {
    let counts = notification::Entity::find()
        .select_only()
        .column_as(Expr::cust("COUNT(*)"), "total")
        .column_as(
            Expr::cust("SUM(CASE WHEN read_at IS NULL THEN 1 ELSE 0 END)"),
            "unread",
        )
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .into_model::<Counts>()
        .one(db)
        .await?;
    let (total, unread) = counts
        .map(|c| (c.total.max(0) as u64, c.unread.unwrap_or(0).max(0) as u64))
        .unwrap_or((0, 0));
    let mut select = notification::Entity::find()
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .order_by_desc(notification::Column::CreatedAt)
        .order_by_desc(notification::Column::Id);
    if unread_only {
        select = select.filter(notification::Column::ReadAt.is_null());
    }
    let mut rows = select
        .offset(page.offset)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let has_next = rows.len() as u64 > page.limit;
    rows.truncate(page.limit as usize);
    Ok(InboxPage {
        rows,
        total: if unread_only { unread } else { total },
        unread,
        has_next,
    })
}

async fn owned(
    db: &DatabaseConnection,
    citizen_id: &str,
    id: &str,
) -> Result<Option<notification::Model>, DbErr> {
    notification::Entity::find_by_id(id.to_string())
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .one(db)
        .await
}

/// Marks one of the citizen's notifications read (once: the first time
/// stays); None when it is not theirs or does not exist.
pub async fn mark_read(
    db: &DatabaseConnection,
    citizen_id: &str,
    id: &str,
) -> Result<Option<notification::Model>, DbErr> {
    notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    owned(db, citizen_id, id).await
}

/// Marks every unread notification of the citizen read; how many.
pub async fn mark_all_read(db: &DatabaseConnection, citizen_id: &str) -> Result<u64, DbErr> {
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Deletes one of the citizen's notifications; true when there was one.
pub async fn delete(db: &DatabaseConnection, citizen_id: &str, id: &str) -> Result<bool, DbErr> {
    let result = notification::Entity::delete_many()
        .filter(notification::Column::Id.eq(id))
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// The number of unread notifications of a citizen.
pub async fn unread_count(db: &DatabaseConnection, citizen_id: &str) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    notification::Entity::find()
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await
}
