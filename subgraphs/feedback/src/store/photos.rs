//! Photo rows: the bytes go to the object store first (removed again if
//! the change fails), the rows in the change's transaction; and the photos
//! of a report or of one of its steps.

use chrono::{DateTime, Utc};
use entity::feedback::photo;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

use super::StoreError;
use crate::photos::{CheckedPhoto, PhotoStore};

fn photo_key(report_id: &str, photo_id: &str, photo: &CheckedPhoto) -> String {
    format!("reports/{report_id}/{photo_id}.{}", photo.kind.extension())
}

/// Stores the photos; on failure removes those already stored. Returns
/// (photo id, storage key) of each.
pub(super) async fn store_photos(
    store: &dyn PhotoStore,
    report_id: &str,
    photos: &[CheckedPhoto],
) -> Result<Vec<(String, String)>, StoreError> {
    let mut stored: Vec<(String, String)> = Vec::new();
    for photo in photos {
        let id = uuid::Uuid::now_v7().to_string();
        let key = photo_key(report_id, &id, photo);
        if let Err(error) = store.put(&key, photo.bytes.clone()).await {
            forget_photos(store, &stored).await;
            return Err(StoreError::Store(error));
        }
        stored.push((id, key));
    }
    Ok(stored)
}

/// Removes the photos of a change that failed.
pub(super) async fn forget_photos(store: &dyn PhotoStore, stored: &[(String, String)]) {
    for (_, key) in stored {
        if let Err(error) = store.delete(key).await {
            tracing::warn!(%error, "could not remove a photo of a failed change");
        }
    }
}

/// The rows of photos [`store_photos`] stored, of the report or (with
/// `entry_id`) of one of its steps.
pub(super) async fn insert_photos(
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

/// Photo `id`, if there is one.
pub async fn by_id(db: &impl ConnectionTrait, id: &str) -> Result<Option<photo::Model>, DbErr> {
    photo::Entity::find_by_id(id.to_string()).one(db).await
}

/// Every photo of report `report_id` and of its steps, oldest first.
pub async fn all_of_report(
    db: &impl ConnectionTrait,
    report_id: &str,
) -> Result<Vec<photo::Model>, DbErr> {
    photo::Entity::find()
        .filter(photo::Column::ReportId.eq(report_id))
        .order_by_asc(photo::Column::Id)
        .all(db)
        .await
}

/// The photos sent with report `report_id` (not those of its steps),
/// oldest first.
pub async fn of_report(
    db: &impl ConnectionTrait,
    report_id: &str,
) -> Result<Vec<photo::Model>, DbErr> {
    photo::Entity::find()
        .filter(photo::Column::ReportId.eq(report_id))
        .filter(photo::Column::TimelineEntryId.is_null())
        .order_by_asc(photo::Column::Id)
        .all(db)
        .await
}

/// The photos of timeline entry `entry_id`, oldest first.
pub async fn of_entry(
    db: &impl ConnectionTrait,
    entry_id: &str,
) -> Result<Vec<photo::Model>, DbErr> {
    photo::Entity::find()
        .filter(photo::Column::TimelineEntryId.eq(entry_id))
        .order_by_asc(photo::Column::Id)
        .all(db)
        .await
}
