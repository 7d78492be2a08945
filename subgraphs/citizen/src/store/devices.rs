//! Push devices in the database: registering a token again updates it (the
//! token moves to whoever registers it last), unregistering is the owner's.

use chrono::Utc;
use entity::citizen::device;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};

use crate::domain::devices::Platform;

/// Registers `token` for the citizen: one row per token, whatever the
/// number of calls.
pub async fn register(
    db: &DatabaseConnection,
    citizen_id: &str,
    platform: Platform,
    token: &str,
    app_version: &str,
) -> Result<device::Model, DbErr> {
    let now = Utc::now();
    device::Entity::insert(device::ActiveModel {
        token: Set(token.to_string()),
        id: Set(uuid::Uuid::now_v7().to_string()),
        citizen_id: Set(citizen_id.to_string()),
        platform: Set(platform.as_str().to_string()),
        app_version: Set(app_version.to_string()),
        registered_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(device::Column::Token)
            .update_columns([
                device::Column::CitizenId,
                device::Column::Platform,
                device::Column::AppVersion,
                device::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    device::Entity::find_by_id(token.to_string())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("a device just registered is missing".into()))
}

/// Forgets the citizen's device with `token`; true when there was one.
pub async fn unregister(
    db: &DatabaseConnection,
    citizen_id: &str,
    token: &str,
) -> Result<bool, DbErr> {
    let result = device::Entity::delete_many()
        .filter(device::Column::Token.eq(token))
        .filter(device::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}
