//! Pins in the database: an item of another subgraph by type and key, once
//! per citizen, at most `MAX_PINS`.

use chrono::Utc;
use congdan_common::language::Text;
use congdan_common::user_error::UserError;
use entity::citizen::pin;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set,
};

use crate::domain::pins::{PinnedItemType, MAX_PINS};

async fn find(
    db: &DatabaseConnection,
    citizen_id: &str,
    kind: PinnedItemType,
    key: &str,
) -> Result<Option<pin::Model>, DbErr> {
    pin::Entity::find()
        .filter(pin::Column::CitizenId.eq(citizen_id))
        .filter(pin::Column::ItemType.eq(kind.as_str()))
        .filter(pin::Column::ItemKey.eq(key))
        .one(db)
        .await
}

/// Pins an item (`key` already checked for its type); pinning it again
/// returns the first pin.
pub async fn pin(
    db: &DatabaseConnection,
    citizen_id: &str,
    kind: PinnedItemType,
    key: &str,
) -> Result<Result<pin::Model, UserError>, DbErr> {
    if let Some(existing) = find(db, citizen_id, kind, key).await? {
        return Ok(Ok(existing));
    }
    let count = pin::Entity::find()
        .filter(pin::Column::CitizenId.eq(citizen_id))
        .count(db)
        .await?;
    if count as usize >= MAX_PINS {
        return Ok(Err(UserError::new(
            &["input"],
            "PIN_LIMIT",
            Text::new(
                format!("Chỉ ghim được tối đa {MAX_PINS} mục; hãy bỏ ghim một mục trước"),
                format!("at most {MAX_PINS} items can be pinned; unpin one first"),
            ),
        )));
    }
    pin::Entity::insert(pin::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        citizen_id: Set(citizen_id.to_string()),
        item_type: Set(kind.as_str().to_string()),
        item_key: Set(key.to_string()),
        pinned_at: Set(Utc::now()),
    })
    // A concurrent pin of the same item won: return it.
    .on_conflict_do_nothing_on([
        pin::Column::CitizenId,
        pin::Column::ItemType,
        pin::Column::ItemKey,
    ])
    .exec_without_returning(db)
    .await?;
    find(db, citizen_id, kind, key)
        .await?
        .map(Ok)
        .ok_or_else(|| DbErr::Custom("a pin just written is missing".into()))
}

/// Unpins an item; true when it was pinned.
pub async fn unpin(
    db: &DatabaseConnection,
    citizen_id: &str,
    kind: PinnedItemType,
    key: &str,
) -> Result<bool, DbErr> {
    let deleted = pin::Entity::delete_many()
        .filter(pin::Column::CitizenId.eq(citizen_id))
        .filter(pin::Column::ItemType.eq(kind.as_str()))
        .filter(pin::Column::ItemKey.eq(key))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}
