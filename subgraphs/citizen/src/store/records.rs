//! Citizen records and their roles in the database: sign-in (create on the
//! first, refresh on later ones), grants and revocations, and a dataloader
//! for the roles of many citizens at once.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{DateTime, Datelike, Utc};
use congdan_common::outbox;
use congdan_common::personal_data::PersonalDataCipher;
use congdan_common::personal_id::PersonalId;
use congdan_common::Error;
use congdan_contracts::events::citizen::RolesChanged;
use congdan_contracts::identity::Role;
use entity::citizen::{citizen_record, role_grant};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, Set, SqlErr, TransactionTrait,
};

use crate::domain::{SignInClaims, StaffRole};

/// `granted_by` of the `citizen` role every citizen gets at first sign-in.
pub const GRANTED_AT_SIGN_IN: &str = "signin";
/// `granted_by` of the `admin` role of bootstrap admins.
pub const GRANTED_BY_BOOTSTRAP: &str = "bootstrap";

/// Personal identification numbers made admins when they sign in, kept as
/// their lookup hashes only.
#[derive(Clone, Default)]
pub struct BootstrapAdmins(HashSet<String>);

impl BootstrapAdmins {
    pub fn new(cipher: &PersonalDataCipher, numbers: &[String]) -> Self {
        let mut hashes = HashSet::new();
        let mut refused = 0usize;
        for number in numbers {
            // Any birth year: the list is configuration, not a sign-in.
            match PersonalId::parse(number, i32::MAX) {
                Ok(id) => {
                    hashes.insert(cipher.lookup_hash(&id));
                }
                Err(_) => refused += 1,
            }
        }
        if refused > 0 {
            tracing::warn!(
                refused,
                "bootstrap admin entries that are not personal identification numbers are ignored"
            );
        }
        Self(hashes)
    }

    pub fn contains(&self, lookup_hash: &str) -> bool {
        self.0.contains(lookup_hash)
    }
}

/// The roles and agencies of one citizen, from their grants: `CITIZEN`
/// always, then the staff roles held; the agencies officer grants name.
pub fn access_of(grants: &[role_grant::Model]) -> (Vec<Role>, Vec<String>) {
    let held: HashSet<Role> = grants
        .iter()
        .filter_map(|grant| {
            let role = Role::parse(&grant.role);
            if role.is_none() {
                tracing::warn!(role = %grant.role, "unknown role in citizen_roles ignored");
            }
            role
        })
        .collect();
    let roles = [Role::Citizen, Role::Officer, Role::Editor, Role::Admin]
        .into_iter()
        .filter(|role| *role == Role::Citizen || held.contains(role))
        .collect();
    let mut agencies: Vec<String> = grants
        .iter()
        .filter(|grant| grant.role == Role::Officer.as_str() && !grant.agency_id.is_empty())
        .map(|grant| grant.agency_id.clone())
        .collect();
    agencies.sort();
    agencies.dedup();
    (roles, agencies)
}

async fn find_by_hash(
    db: &DatabaseConnection,
    hash: &str,
) -> Result<Option<citizen_record::Model>, DbErr> {
    citizen_record::Entity::find()
        .filter(citizen_record::Column::PersonalIdHash.eq(hash))
        .one(db)
        .await
}

/// The citizen with `claims`' number: created at the first sign-in (with a
/// sealed copy of the number and the `citizen` role), refreshed from the
/// claims at later ones. Bootstrap admins get the `admin` role.
/// The citizen record `id`, if there is one.
pub async fn find(
    db: &impl ConnectionTrait,
    id: &str,
) -> Result<Option<citizen_record::Model>, DbErr> {
    citizen_record::Entity::find_by_id(id.to_string())
        .one(db)
        .await
}

pub async fn sign_in(
    db: &DatabaseConnection,
    cipher: &PersonalDataCipher,
    bootstrap: &BootstrapAdmins,
    claims: &SignInClaims,
) -> Result<citizen_record::Model, Error> {
    let hash = cipher.lookup_hash(&claims.personal_id);
    let now = Utc::now();
    let row = match find_by_hash(db, &hash).await? {
        Some(row) => refresh(db, row, claims, now).await?,
        None => match create(db, cipher, &hash, claims, now).await {
            Ok(row) => row,
            // A concurrent first sign-in with the same number won the race
            // (the unique hash refused this one): use its row.
            Err(error) => match find_by_hash(db, &hash).await? {
                Some(row) => refresh(db, row, claims, now).await?,
                None => return Err(conflict_or_changed_key(db, cipher, claims, error).await),
            },
        },
    };
    if bootstrap.contains(&hash) {
        ensure_role(db, &row.id, Role::Admin, "", GRANTED_BY_BOOTSTRAP, now).await?;
    }
    Ok(row)
}

/// A unique violation left after the hash matched nothing is the VNeID
/// subject, already linked to a record. Its number is another one — or the
/// same, and it is `PERSONAL_DATA_KEY` that changed: then every lookup hash
/// misses and the sealed copies no longer open, which locks every citizen
/// out. That is said (and logged) for what it is, not blamed on the claims.
async fn conflict_or_changed_key(
    db: &DatabaseConnection,
    cipher: &PersonalDataCipher,
    claims: &SignInClaims,
    error: DbErr,
) -> Error {
    if !matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return Error::Database(error);
    }
    let linked = citizen_record::Entity::find()
        .filter(citizen_record::Column::VneidSubject.eq(&claims.subject))
        .one(db)
        .await;
    let Ok(Some(row)) = linked else {
        return subject_conflict(error);
    };
    match cipher.open(&row.personal_id_sealed) {
        Err(_) => {
            tracing::error!(
                citizen_id = %row.id,
                "PERSONAL_DATA_KEY does not open this citizen record's sealed number: the key \
                 has changed since the records were made, so no citizen is found by number and \
                 sign-in fails; restore the original PERSONAL_DATA_KEY"
            );
            Error::PersonalDataKeyMismatch
        }
        Ok(number) if number == claims.personal_id.expose() => {
            tracing::error!(
                citizen_id = %row.id,
                "this citizen record's lookup hash does not match its own number under \
                 PERSONAL_DATA_KEY: the hash was made with another key; restore it"
            );
            Error::PersonalDataKeyMismatch
        }
        Ok(_) => subject_conflict(error),
    }
}

/// The VNeID subject, linked to another number.
fn subject_conflict(error: DbErr) -> Error {
    match error.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => Error::bad_input(
            "Tài khoản VNeID này đã gắn với một số định danh cá nhân khác",
            "this VNeID subject is already linked to another personal identification number",
        ),
        _ => Error::Database(error),
    }
}

async fn create(
    db: &DatabaseConnection,
    cipher: &PersonalDataCipher,
    hash: &str,
    claims: &SignInClaims,
    now: DateTime<Utc>,
) -> Result<citizen_record::Model, DbErr> {
    let sealed = cipher
        .seal(claims.personal_id.expose())
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let txn = db.begin().await?;
    let inserted = async {
        let row = citizen_record::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            vneid_subject: Set(claims.subject.clone()),
            personal_id_hash: Set(hash.to_string()),
            personal_id_sealed: Set(sealed),
            full_name: Set(claims.full_name.clone()),
            date_of_birth: Set(claims.date_of_birth),
            sex: Set(Some(claims.sex.as_str().to_string())),
            phone: Set(claims.phone.clone()),
            email: Set(claims.email.clone()),
            created_at: Set(now),
            updated_at: Set(now),
            last_sign_in_at: Set(now),
        }
        .insert(&txn)
        .await?;
        ensure_role(&txn, &row.id, Role::Citizen, "", GRANTED_AT_SIGN_IN, now).await?;
        Ok::<_, DbErr>(row)
    }
    .await;
    match inserted {
        Ok(row) => {
            txn.commit().await?;
            Ok(row)
        }
        Err(error) => {
            txn.rollback().await?;
            Err(error)
        }
    }
}

async fn refresh(
    db: &DatabaseConnection,
    row: citizen_record::Model,
    claims: &SignInClaims,
    now: DateTime<Utc>,
) -> Result<citizen_record::Model, Error> {
    let mut active: citizen_record::ActiveModel = row.into();
    active.vneid_subject = Set(claims.subject.clone());
    active.full_name = Set(claims.full_name.clone());
    active.date_of_birth = Set(claims.date_of_birth);
    active.sex = Set(Some(claims.sex.as_str().to_string()));
    active.phone = Set(claims.phone.clone());
    active.email = Set(claims.email.clone());
    active.updated_at = Set(now);
    active.last_sign_in_at = Set(now);
    let row = active.update(db).await.map_err(subject_conflict)?;
    // Rows made before roles existed, or a grant lost: every citizen is one.
    ensure_role(db, &row.id, Role::Citizen, "", GRANTED_AT_SIGN_IN, now).await?;
    Ok(row)
}

/// Grants `role` (for `agency_id`, "" for none) unless already granted.
async fn ensure_role<C: ConnectionTrait>(
    db: &C,
    citizen_id: &str,
    role: Role,
    agency_id: &str,
    granted_by: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    role_grant::Entity::insert(grant_row(citizen_id, role, agency_id, granted_by, now))
        .on_conflict_do_nothing()
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn grant_row(
    citizen_id: &str,
    role: Role,
    agency_id: &str,
    granted_by: &str,
    now: DateTime<Utc>,
) -> role_grant::ActiveModel {
    role_grant::ActiveModel {
        citizen_id: Set(citizen_id.to_string()),
        role: Set(role.as_str().to_string()),
        agency_id: Set(agency_id.to_string()),
        granted_by: Set(granted_by.to_string()),
        granted_at: Set(now),
    }
}

async fn existing(
    db: &DatabaseConnection,
    citizen_id: &str,
) -> Result<citizen_record::Model, Error> {
    citizen_record::Entity::find_by_id(citizen_id.to_string())
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("công dân", "citizen"))
}

/// Grants a staff role (an officer once per agency); granting what is
/// already granted changes nothing. The change and its event are written
/// in one transaction.
pub async fn grant(
    db: &DatabaseConnection,
    citizen_id: &str,
    role: StaffRole,
    agency_ids: &[String],
    granted_by: &str,
) -> Result<citizen_record::Model, Error> {
    let agencies = role.agency_scope(agency_ids).map_err(Error::BadUserInput)?;
    let row = existing(db, citizen_id).await?;
    let now = Utc::now();
    let scopes = if agencies.is_empty() {
        vec![String::new()]
    } else {
        agencies
    };
    let txn = db.begin().await?;
    let inserted = role_grant::Entity::insert_many(
        scopes
            .iter()
            .map(|agency| grant_row(&row.id, role.role(), agency, granted_by, now)),
    )
    .on_conflict_do_nothing()
    .exec_without_returning(&txn)
    .await?;
    if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        roles_changed(&txn, &row.id).await?;
    }
    txn.commit().await?;
    Ok(row)
}

/// Revokes a staff role (an officer's for every agency), with its event.
pub async fn revoke(
    db: &DatabaseConnection,
    citizen_id: &str,
    role: StaffRole,
) -> Result<citizen_record::Model, Error> {
    let row = existing(db, citizen_id).await?;
    let txn = db.begin().await?;
    let deleted = role_grant::Entity::delete_many()
        .filter(role_grant::Column::CitizenId.eq(row.id.as_str()))
        .filter(role_grant::Column::Role.eq(role.role().as_str()))
        .exec(&txn)
        .await?;
    if deleted.rows_affected > 0 {
        roles_changed(&txn, &row.id).await?;
    }
    txn.commit().await?;
    Ok(row)
}

async fn roles_changed(db: &impl ConnectionTrait, citizen_id: &str) -> Result<(), DbErr> {
    outbox::enqueue(
        db,
        &RolesChanged {
            citizen_id: citizen_id.to_string(),
        },
    )
    .await?;
    Ok(())
}

/// The grants of many citizens in one query.
pub struct RolesLoader {
    db: DatabaseConnection,
}

impl RolesLoader {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl Loader<String> for RolesLoader {
    type Value = Vec<role_grant::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let rows = role_grant::Entity::find()
            .filter(role_grant::Column::CitizenId.is_in(keys.iter().cloned()))
            .order_by_asc(role_grant::Column::CitizenId)
            .all(&self.db)
            .await
            .map_err(Arc::new)?;
        let mut by_citizen: HashMap<String, Self::Value> = HashMap::new();
        for row in rows {
            by_citizen
                .entry(row.citizen_id.clone())
                .or_default()
                .push(row);
        }
        Ok(by_citizen)
    }
}

/// The year sign-in checks birth years against.
pub fn current_year() -> i32 {
    Utc::now().year()
}
