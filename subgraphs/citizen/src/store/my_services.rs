//! My Services in the database: the default list made on first use, adding,
//! removing and reordering.

use chrono::Utc;
use congdan_common::language::Text;
use congdan_common::user_error::UserError;
use entity::citizen::{my_service, profile, service};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};

use crate::domain::DEFAULT_MY_SERVICES;

/// The citizen's list, ordered.
/// The service catalog in display order, one group or all (paged by the
/// caller).
pub fn catalog(group: Option<crate::domain::ServiceGroup>) -> sea_orm::Select<service::Entity> {
    let select = service::Entity::find()
        .order_by_asc(service::Column::Position)
        .order_by_asc(service::Column::Key);
    match group {
        Some(group) => select.filter(service::Column::GroupKey.eq(group.as_str())),
        None => select,
    }
}

pub async fn list<C: ConnectionTrait>(
    db: &C,
    citizen_id: &str,
) -> Result<Vec<my_service::Model>, DbErr> {
    my_service::Entity::find()
        .filter(my_service::Column::CitizenId.eq(citizen_id))
        .order_by_asc(my_service::Column::Position)
        .order_by_asc(my_service::Column::ServiceKey)
        .all(db)
        .await
}

/// Fills a citizen's list with the default services (those the catalog
/// has) the first time, and marks it filled, so a list the citizen emptied
/// stays empty. Returns the list.
pub async fn initialise(
    db: &DatabaseConnection,
    citizen_id: &str,
) -> Result<Vec<my_service::Model>, DbErr> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let catalog: Vec<String> = service::Entity::find()
        .filter(service::Column::Key.is_in(DEFAULT_MY_SERVICES.iter().copied()))
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.key)
        .collect();
    let rows: Vec<my_service::ActiveModel> = DEFAULT_MY_SERVICES
        .iter()
        .filter(|key| catalog.iter().any(|k| k == *key))
        .enumerate()
        .map(|(position, key)| my_service::ActiveModel {
            citizen_id: Set(citizen_id.to_string()),
            service_key: Set(key.to_string()),
            position: Set(position as i32),
            added_at: Set(now),
        })
        .collect();
    if !rows.is_empty() {
        // A concurrent first read may have inserted them already.
        my_service::Entity::insert_many(rows)
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await?;
    }
    let mut marker: profile::ActiveModel = super::profile::default_row(citizen_id).into();
    marker.services_initialised = Set(true);
    marker.updated_at = Set(now);
    profile::Entity::insert(marker)
        .on_conflict(
            OnConflict::column(profile::Column::CitizenId)
                .update_column(profile::Column::ServicesInitialised)
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let list = list(&txn, citizen_id).await?;
    txn.commit().await?;
    Ok(list)
}

/// The list, made first when the citizen never had one.
async fn current(
    db: &DatabaseConnection,
    citizen_id: &str,
) -> Result<Vec<my_service::Model>, DbErr> {
    let initialised = profile::Entity::find_by_id(citizen_id.to_string())
        .one(db)
        .await?
        .is_some_and(|p| p.services_initialised);
    if initialised {
        list(db, citizen_id).await
    } else {
        initialise(db, citizen_id).await
    }
}

/// Appends a catalog service; adding one already in the list changes
/// nothing (a retry is harmless).
pub async fn add(
    db: &DatabaseConnection,
    citizen_id: &str,
    key: &str,
) -> Result<Result<Vec<my_service::Model>, UserError>, DbErr> {
    if service::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
        .is_none()
    {
        return Ok(Err(unknown_service(&["key"], key)));
    }
    let list = current(db, citizen_id).await?;
    if list.iter().any(|s| s.service_key == key) {
        return Ok(Ok(list));
    }
    let position = list.iter().map(|s| s.position + 1).max().unwrap_or(0);
    my_service::Entity::insert(my_service::ActiveModel {
        citizen_id: Set(citizen_id.to_string()),
        service_key: Set(key.to_string()),
        position: Set(position),
        added_at: Set(Utc::now()),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    Ok(Ok(self::list(db, citizen_id).await?))
}

/// Removes a service; removing one not in the list changes nothing.
pub async fn remove(
    db: &DatabaseConnection,
    citizen_id: &str,
    key: &str,
) -> Result<Vec<my_service::Model>, DbErr> {
    current(db, citizen_id).await?;
    my_service::Entity::delete_many()
        .filter(my_service::Column::CitizenId.eq(citizen_id))
        .filter(my_service::Column::ServiceKey.eq(key))
        .exec(db)
        .await?;
    list(db, citizen_id).await
}

/// Puts the list in the order of `keys`, which must name every service of
/// the list exactly once.
pub async fn reorder(
    db: &DatabaseConnection,
    citizen_id: &str,
    keys: &[String],
) -> Result<Result<Vec<my_service::Model>, UserError>, DbErr> {
    let list = current(db, citizen_id).await?;
    if let Err(error) = check_order(&list, keys) {
        return Ok(Err(error));
    }
    let txn = db.begin().await?;
    my_service::Entity::delete_many()
        .filter(my_service::Column::CitizenId.eq(citizen_id))
        .exec(&txn)
        .await?;
    let rows = keys.iter().enumerate().filter_map(|(position, key)| {
        let old = list.iter().find(|s| &s.service_key == key)?;
        Some(my_service::ActiveModel {
            citizen_id: Set(citizen_id.to_string()),
            service_key: Set(key.clone()),
            position: Set(position as i32),
            added_at: Set(old.added_at),
        })
    });
    if !keys.is_empty() {
        my_service::Entity::insert_many(rows)
            .exec_without_returning(&txn)
            .await?;
    }
    let reordered = self::list(&txn, citizen_id).await?;
    txn.commit().await?;
    Ok(Ok(reordered))
}

fn check_order(list: &[my_service::Model], keys: &[String]) -> Result<(), UserError> {
    for (i, key) in keys.iter().enumerate() {
        if keys[..i].contains(key) {
            return Err(UserError::new(
                &["keys"],
                "DUPLICATE_KEY",
                Text::new(
                    format!("`{key}` được nêu hai lần"),
                    format!("`{key}` is named twice"),
                ),
            ));
        }
        if !list.iter().any(|s| &s.service_key == key) {
            return Err(UserError::new(
                &["keys"],
                "NOT_IN_MY_SERVICES",
                Text::new(
                    format!("`{key}` không có trong Dịch vụ của tôi"),
                    format!("`{key}` is not in My Services"),
                ),
            ));
        }
    }
    if let Some(missing) = list.iter().find(|s| !keys.contains(&s.service_key)) {
        return Err(UserError::new(
            &["keys"],
            "MISSING_KEY",
            Text::new(
                format!(
                    "`{}` có trong Dịch vụ của tôi nhưng không có trong thứ tự mới; hãy nêu mỗi dịch vụ đúng một lần",
                    missing.service_key
                ),
                format!(
                    "`{}` is in My Services but not in the new order; name every service once",
                    missing.service_key
                ),
            ),
        ));
    }
    Ok(())
}

fn unknown_service(field: &[&str], key: &str) -> UserError {
    UserError::new(
        field,
        "UNKNOWN_SERVICE",
        Text::new(
            format!("`{key}` không phải dịch vụ trong danh mục"),
            format!("`{key}` is not a service of the catalog"),
        ),
    )
}
