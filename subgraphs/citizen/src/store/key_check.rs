//! `PERSONAL_DATA_KEY` checked at start. Citizen records keep ID numbers
//! hashed and sealed under it; another key finds no one and opens nothing.
//! The key's check value ([`PersonalDataCipher::key_check`]) is stored at
//! the first start and compared at every later one, so a changed key stops
//! the start instead of locking citizens out at sign-in. A database that has
//! records but no check value yet (made before the check existed) gets one
//! only if the key opens its oldest record.

use chrono::Utc;
use congdan_common::personal_data::PersonalDataCipher;
use entity::citizen::{citizen_record, key_check};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QueryOrder, Set};

/// The row of `PERSONAL_DATA_KEY` in `citizen_key_checks`.
const PERSONAL_DATA_KEY: &str = "PERSONAL_DATA_KEY";

#[derive(Debug, thiserror::Error)]
pub enum KeyCheckError {
    #[error(
        "PERSONAL_DATA_KEY is not the key this database's citizen records were made with: with \
         it no citizen could sign in or read their ID number. Restore the original \
         PERSONAL_DATA_KEY (the same in every subgraph process); the service does not start"
    )]
    Changed,
    #[error("cannot check PERSONAL_DATA_KEY against the database: {0}")]
    Database(#[from] DbErr),
}

/// Refuses a `PERSONAL_DATA_KEY` other than the one the database knows;
/// stores its check value the first time.
pub async fn verify(
    db: &DatabaseConnection,
    cipher: &PersonalDataCipher,
) -> Result<(), KeyCheckError> {
    let check = cipher.key_check();
    let stored = key_check::Entity::find_by_id(PERSONAL_DATA_KEY)
        .one(db)
        .await?;
    if stored.is_none() {
        let oldest = citizen_record::Entity::find()
            .order_by_asc(citizen_record::Column::CreatedAt)
            .one(db)
            .await?;
        if oldest.is_some_and(|record| cipher.open(&record.personal_id_sealed).is_err()) {
            return Err(KeyCheckError::Changed);
        }
        // Replicas starting together: the first insert wins, all compare.
        key_check::Entity::insert(key_check::ActiveModel {
            name: Set(PERSONAL_DATA_KEY.into()),
            check_value: Set(check.clone()),
            created_at: Set(Utc::now()),
        })
        .on_conflict_do_nothing_on([key_check::Column::Name])
        .exec_without_returning(db)
        .await?;
    }
    let stored = key_check::Entity::find_by_id(PERSONAL_DATA_KEY)
        .one(db)
        .await?
        .map(|row| row.check_value)
        .unwrap_or_default();
    if !constant_time_eq(stored.as_bytes(), check.as_bytes()) {
        return Err(KeyCheckError::Changed);
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
