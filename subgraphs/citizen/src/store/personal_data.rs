//! Personal data rights in the database: consents, the access log (every
//! read of a citizen's personal data by someone else), the export of all
//! that is held about a citizen, and the deletion of their account.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::Utc;
use congdan_common::outbox;
use congdan_common::personal_data::PersonalDataCipher;
use congdan_contracts::events::citizen::AccountDeleted;
use entity::citizen::{
    access_log, citizen_record, consent, device, my_service, notification, notification_preference,
    pin, profile, role_grant,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use serde_json::{json, Value};

use crate::domain::consent::ConsentPurpose;

/// Gives consent for `purpose`; giving it while it stands changes nothing.
pub async fn give_consent(
    db: &DatabaseConnection,
    citizen_id: &str,
    purpose: ConsentPurpose,
) -> Result<consent::Model, DbErr> {
    if let Some(standing) = standing(db, citizen_id, purpose).await? {
        return Ok(standing);
    }
    let id = uuid::Uuid::now_v7().to_string();
    let row = consent::ActiveModel {
        id: Set(id.clone()),
        citizen_id: Set(citizen_id.to_string()),
        purpose: Set(purpose.as_str().to_string()),
        given_at: Set(Utc::now()),
        withdrawn_at: Set(None),
    };
    consent::Entity::insert(row)
        .exec_without_returning(db)
        .await?;
    consent::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom("a consent just given is missing".into()))
}

async fn standing(
    db: &DatabaseConnection,
    citizen_id: &str,
    purpose: ConsentPurpose,
) -> Result<Option<consent::Model>, DbErr> {
    consent::Entity::find()
        .filter(consent::Column::CitizenId.eq(citizen_id))
        .filter(consent::Column::Purpose.eq(purpose.as_str()))
        .filter(consent::Column::WithdrawnAt.is_null())
        .order_by_desc(consent::Column::GivenAt)
        .one(db)
        .await
}

/// Withdraws the standing consent for `purpose`; None when none stands.
pub async fn withdraw_consent(
    db: &DatabaseConnection,
    citizen_id: &str,
    purpose: ConsentPurpose,
) -> Result<Option<consent::Model>, DbErr> {
    let Some(standing) = standing(db, citizen_id, purpose).await? else {
        return Ok(None);
    };
    consent::Entity::update_many()
        .col_expr(consent::Column::WithdrawnAt, Expr::value(Utc::now()))
        .filter(consent::Column::CitizenId.eq(citizen_id))
        .filter(consent::Column::Purpose.eq(purpose.as_str()))
        .filter(consent::Column::WithdrawnAt.is_null())
        .exec(db)
        .await?;
    consent::Entity::find_by_id(standing.id).one(db).await
}

/// One read of one personal field of `citizen_id` by someone else.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonalRead {
    pub citizen_id: String,
    pub accessor_id: String,
    /// The reader's roles, comma-separated.
    pub accessor_roles: String,
    pub field: &'static str,
}

/// Writes the reads resolved together (one request's fields of one
/// citizen) as one access-log row per citizen and reader, in one statement.
/// A read whose record cannot be written fails: nothing is shown unlogged.
pub struct AccessLogWriter {
    db: DatabaseConnection,
}

impl AccessLogWriter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl Loader<PersonalRead> for AccessLogWriter {
    type Value = ();
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[PersonalRead],
    ) -> Result<HashMap<PersonalRead, Self::Value>, Self::Error> {
        let mut grouped: HashMap<(&str, &str, &str), BTreeSet<&str>> = HashMap::new();
        for read in keys {
            grouped
                .entry((&read.citizen_id, &read.accessor_id, &read.accessor_roles))
                .or_default()
                .insert(read.field);
        }
        let now = Utc::now();
        let rows = grouped
            .into_iter()
            .map(
                |((citizen, accessor, roles), fields)| access_log::ActiveModel {
                    id: Set(uuid::Uuid::now_v7().to_string()),
                    citizen_id: Set(citizen.to_string()),
                    accessor_id: Set(accessor.to_string()),
                    accessor_roles: Set(roles.to_string()),
                    fields: Set(fields.into_iter().collect::<Vec<_>>().join(",")),
                    accessed_at: Set(now),
                },
            );
        access_log::Entity::insert_many(rows)
            .exec_without_returning(&self.db)
            .await
            .map_err(Arc::new)?;
        Ok(keys.iter().map(|k| (k.clone(), ())).collect())
    }
}

fn time(t: chrono::DateTime<Utc>) -> Value {
    json!(t.to_rfc3339())
}

/// Everything the citizen subgraph holds about a citizen, as one JSON
/// document; None when there is no such citizen.
/// The reads of a citizen's personal data by others, newest first (paged
/// by the caller).
pub fn access_log(citizen_id: &str) -> sea_orm::Select<access_log::Entity> {
    access_log::Entity::find()
        .filter(access_log::Column::CitizenId.eq(citizen_id))
        .order_by_desc(access_log::Column::AccessedAt)
        .order_by_desc(access_log::Column::Id)
}

pub async fn export(
    db: &DatabaseConnection,
    cipher: &PersonalDataCipher,
    citizen_id: &str,
) -> Result<Option<Value>, DbErr> {
    let Some(record) = citizen_record::Entity::find_by_id(citizen_id.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let personal_id = cipher
        .open(&record.personal_id_sealed)
        .map_err(|e| DbErr::Custom(format!("cannot open a sealed number: {e}")))?;
    let roles = role_grant::Entity::find()
        .filter(role_grant::Column::CitizenId.eq(citizen_id))
        .order_by_asc(role_grant::Column::GrantedAt)
        .all(db)
        .await?;
    let profile = profile::Entity::find_by_id(citizen_id.to_string())
        .one(db)
        .await?;
    let preferences = notification_preference::Entity::find()
        .filter(notification_preference::Column::CitizenId.eq(citizen_id))
        .all(db)
        .await?;
    let services = super::my_services::list(db, citizen_id).await?;
    let pins = pin::Entity::find()
        .filter(pin::Column::CitizenId.eq(citizen_id))
        .order_by_asc(pin::Column::PinnedAt)
        .all(db)
        .await?;
    let notifications = notification::Entity::find()
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .order_by_desc(notification::Column::CreatedAt)
        .all(db)
        .await?;
    let devices = device::Entity::find()
        .filter(device::Column::CitizenId.eq(citizen_id))
        .all(db)
        .await?;
    let consents = consent::Entity::find()
        .filter(consent::Column::CitizenId.eq(citizen_id))
        .order_by_asc(consent::Column::GivenAt)
        .all(db)
        .await?;
    let accesses = access_log::Entity::find()
        .filter(access_log::Column::CitizenId.eq(citizen_id))
        .order_by_desc(access_log::Column::AccessedAt)
        .all(db)
        .await?;
    Ok(Some(json!({
        "record": {
            "id": record.id,
            "vneidSubject": record.vneid_subject,
            "personalId": personal_id,
            "fullName": record.full_name,
            "dateOfBirth": record.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()),
            "sex": record.sex,
            "phone": record.phone,
            "email": record.email,
            "createdAt": time(record.created_at),
            "updatedAt": time(record.updated_at),
            "lastSignInAt": time(record.last_sign_in_at),
        },
        "roles": roles.iter().map(|r| json!({
            "role": r.role,
            "agencyId": (!r.agency_id.is_empty()).then_some(&r.agency_id),
            "grantedAt": time(r.granted_at),
        })).collect::<Vec<_>>(),
        "profile": profile.map(|p| json!({
            "contactPhone": p.contact_phone,
            "contactEmail": p.contact_email,
            "homeWardId": p.home_ward_id,
            "language": p.language,
            "updatedAt": time(p.updated_at),
        })),
        "notificationPreferences": preferences.iter().map(|p| json!({
            "topic": p.topic, "channel": p.channel, "enabled": p.enabled,
            "updatedAt": time(p.updated_at),
        })).collect::<Vec<_>>(),
        "myServices": services.iter().map(|s| json!({
            "serviceKey": s.service_key, "position": s.position, "addedAt": time(s.added_at),
        })).collect::<Vec<_>>(),
        "pins": pins.iter().map(|p| json!({
            "id": p.id, "itemType": p.item_type, "itemKey": p.item_key,
            "pinnedAt": time(p.pinned_at),
        })).collect::<Vec<_>>(),
        "notifications": notifications.iter().map(|n| json!({
            "id": n.id, "topic": n.topic, "titleVi": n.title_vi, "titleEn": n.title_en,
            "bodyVi": n.body_vi, "bodyEn": n.body_en,
            "subjectType": n.subject_type, "subjectKey": n.subject_key,
            "createdAt": time(n.created_at), "readAt": n.read_at.map(time),
        })).collect::<Vec<_>>(),
        "devices": devices.iter().map(|d| json!({
            "id": d.id, "platform": d.platform, "token": d.token, "appVersion": d.app_version,
            "registeredAt": time(d.registered_at), "updatedAt": time(d.updated_at),
        })).collect::<Vec<_>>(),
        "consents": consents.iter().map(|c| json!({
            "id": c.id, "purpose": c.purpose, "givenAt": time(c.given_at),
            "withdrawnAt": c.withdrawn_at.map(time),
        })).collect::<Vec<_>>(),
        "accessLog": accesses.iter().map(|a| json!({
            "id": a.id, "accessorId": a.accessor_id, "accessorRoles": a.accessor_roles,
            "fields": a.fields.split(',').collect::<Vec<_>>(),
            "accessedAt": time(a.accessed_at),
        })).collect::<Vec<_>>(),
    })))
}

/// Erases everything the citizen subgraph holds about a citizen (the record
/// and every row that belongs to it) and, in the same transaction, writes
/// `citizen.account.deleted` to the outbox so the other subgraphs erase or
/// anonymise theirs and the gateway ends the citizen's sessions. False when
/// there was no such citizen (nothing is published).
pub async fn delete_account(db: &DatabaseConnection, citizen_id: &str) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let done = async {
        let exists = citizen_record::Entity::find_by_id(citizen_id.to_string())
            .one(&txn)
            .await?
            .is_some();
        if !exists {
            return Ok(false);
        }
        erase_rows(&txn, citizen_id).await?;
        outbox::enqueue(
            &txn,
            &AccountDeleted {
                citizen_id: citizen_id.to_string(),
            },
        )
        .await?;
        Ok::<_, DbErr>(true)
    }
    .await;
    match done {
        Ok(deleted) => {
            txn.commit().await?;
            Ok(deleted)
        }
        Err(error) => {
            txn.rollback().await?;
            Err(error)
        }
    }
}

/// Deletes the citizen's rows, children first (the foreign keys cascade
/// too; explicit deletes do not depend on SQLite's foreign key setting).
async fn erase_rows(db: &impl ConnectionTrait, citizen_id: &str) -> Result<(), DbErr> {
    access_log::Entity::delete_many()
        .filter(access_log::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    consent::Entity::delete_many()
        .filter(consent::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    device::Entity::delete_many()
        .filter(device::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    notification::Entity::delete_many()
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    pin::Entity::delete_many()
        .filter(pin::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    my_service::Entity::delete_many()
        .filter(my_service::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    notification_preference::Entity::delete_many()
        .filter(notification_preference::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    profile::Entity::delete_many()
        .filter(profile::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    role_grant::Entity::delete_many()
        .filter(role_grant::Column::CitizenId.eq(citizen_id))
        .exec(db)
        .await?;
    citizen_record::Entity::delete_by_id(citizen_id.to_string())
        .exec(db)
        .await?;
    Ok(())
}
