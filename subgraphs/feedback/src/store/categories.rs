//! Report categories.

use std::collections::HashMap;

use entity::feedback::category;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, QueryOrder, Select};

/// Every category, in display order.
pub fn in_order() -> Select<category::Entity> {
    category::Entity::find().order_by_asc(category::Column::Position)
}

/// The category of `key`, if there is one (none for an empty key).
pub async fn by_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<category::Model>, DbErr> {
    if key.is_empty() {
        return Ok(None);
    }
    category::Entity::find_by_id(key.to_string()).one(db).await
}

/// Each category's title in English or Vietnamese, by key.
pub async fn titles(
    db: &impl ConnectionTrait,
    english: bool,
) -> Result<HashMap<String, String>, DbErr> {
    Ok(category::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.key, if english { c.title_en } else { c.title_vi }))
        .collect())
}
