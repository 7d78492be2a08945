//! Open311's own queries: the requests a GET asks for, and the partners'
//! API keys (stored as SHA-256).

use chrono::{DateTime, Utc};
use entity::feedback::{open311_key, report};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use sha2::{Digest, Sha256};

use crate::domain::workflow::ReportStatus;
use crate::photos::hex;

/// Which requests a GET asks for.
pub enum RequestFilter {
    /// These ids (the standard ignores every other parameter then).
    Ids(Vec<String>),
    Matching {
        service_codes: Option<Vec<String>>,
        /// Any of these statuses.
        statuses: Option<Vec<ReportStatus>>,
        /// Submitted at or after.
        start: DateTime<Utc>,
        /// Submitted at or before.
        end: Option<DateTime<Utc>>,
    },
}

/// The requests `filter` asks for, newest first, `limit` of them from
/// `offset`.
pub async fn requests(
    db: &DatabaseConnection,
    filter: RequestFilter,
    offset: u64,
    limit: u64,
) -> Result<Vec<report::Model>, DbErr> {
    let mut select = report::Entity::find();
    match filter {
        RequestFilter::Ids(ids) => select = select.filter(report::Column::Id.is_in(ids)),
        RequestFilter::Matching {
            service_codes,
            statuses,
            start,
            end,
        } => {
            if let Some(codes) = service_codes {
                select = select.filter(report::Column::Category.is_in(codes));
            }
            if let Some(statuses) = statuses {
                select = select
                    .filter(report::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
            }
            select = select.filter(report::Column::CreatedAt.gte(start));
            if let Some(end) = end {
                select = select.filter(report::Column::CreatedAt.lte(end));
            }
        }
    }
    select
        .order_by_desc(report::Column::CreatedAt)
        .order_by_asc(report::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await
}

/// SHA-256 of an API key, hex.
fn key_hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// A new key `o311_<random>` named `name`: (id, key).
pub async fn create_key(db: &DatabaseConnection, name: &str) -> Result<(String, String), DbErr> {
    use base64::Engine as _;
    let key = format!(
        "o311_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>())
    );
    let id = uuid::Uuid::now_v7().to_string();
    open311_key::ActiveModel {
        id: Set(id.clone()),
        name: Set(name.to_string()),
        key_hash: Set(key_hash(&key)),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((id, key))
}

/// Revokes key `id`; true if it was active.
pub async fn revoke_key(db: &DatabaseConnection, id: &str) -> Result<bool, DbErr> {
    let result = open311_key::Entity::update_many()
        .col_expr(
            open311_key::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(open311_key::Column::Id.eq(id))
        .filter(open311_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The active key `key` is, if any.
pub async fn active_key(
    db: &DatabaseConnection,
    key: &str,
) -> Result<Option<open311_key::Model>, DbErr> {
    open311_key::Entity::find()
        .filter(open311_key::Column::KeyHash.eq(key_hash(key)))
        .filter(open311_key::Column::RevokedAt.is_null())
        .one(db)
        .await
}
