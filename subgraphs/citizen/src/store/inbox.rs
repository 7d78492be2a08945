//! The notification inbox's rows: written once per citizen and event,
//! read newest first, marked read, deleted.
//!
//! Delivery is at least once, so a notification is keyed by its citizen and
//! the event it came from: a redelivered event (another replica, the relay
//! publishing again after a crash) finds the row there and writes nothing.

use chrono::Utc;
use congdan_common::pagination::PageRequest;
use entity::citizen::{citizen_record, notification};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::domain::notifications::NewNotification;
use crate::domain::preferences::NotificationChannel;

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
    if !super::profile::wants(db, &new.citizen_id, new.topic, NotificationChannel::InApp).await? {
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
