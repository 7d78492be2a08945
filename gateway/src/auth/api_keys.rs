//! Partner API keys: created and revoked by an admin, stored as SHA-256,
//! each with its own rate limit (a `governor` limiter per key) and an
//! optional grant to introspect the schema.

use std::num::NonZeroU32;
use std::time::Duration;

use crate::rate_limit::KeyedLimiter;
use chrono::{DateTime, Utc};
use entity::gateway::api_key;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};

use super::sessions::{random_token, sha256_hex};
use crate::error::SignInError;

/// Prefix of every key, so leaked keys are easy to recognise and scan for.
const KEY_PREFIX: &str = "cdk_";

/// A key as an admin sees it (never the key itself, except once at creation).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyInfo {
    pub id: String,
    pub name: String,
    pub requests_per_minute: u32,
    pub introspection: bool,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewApiKey {
    pub name: String,
    pub requests_per_minute: Option<u32>,
    #[serde(default)]
    pub introspection: bool,
}

/// A verified key.
#[derive(Debug, Clone)]
pub struct Partner {
    pub id: String,
    pub introspection: bool,
    requests_per_minute: u32,
}

pub struct ApiKeys {
    db: DatabaseConnection,
    default_rpm: u32,
    /// Keys by hash for a short while (None: not a valid key); revoking on
    /// this replica clears it at once, other replicas within the TTL.
    known: moka::future::Cache<String, Option<Partner>>,
    limiters: KeyedLimiter<String>,
}

impl From<api_key::Model> for ApiKeyInfo {
    fn from(m: api_key::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            requests_per_minute: u32::try_from(m.requests_per_minute).unwrap_or(0),
            introspection: m.introspection,
            created_at: m.created_at,
            revoked_at: m.revoked_at,
        }
    }
}

impl ApiKeys {
    pub fn new(db: DatabaseConnection, default_rpm: u32) -> Self {
        Self {
            db,
            default_rpm,
            known: moka::future::Cache::builder()
                .time_to_live(Duration::from_secs(30))
                .max_capacity(10_000)
                .build(),
            limiters: KeyedLimiter::new(100_000, Duration::from_secs(3600)),
        }
    }

    /// Creates a key; the returned text is shown once and stored nowhere.
    pub async fn create(
        &self,
        request: NewApiKey,
        created_by: &str,
    ) -> Result<(ApiKeyInfo, String), SignInError> {
        let name = request.name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(SignInError::BadUserInput(
                "name must be 1 to 200 characters".into(),
            ));
        }
        let rpm = request.requests_per_minute.unwrap_or(self.default_rpm);
        if !(1..=100_000).contains(&rpm) {
            return Err(SignInError::BadUserInput(
                "requestsPerMinute must be between 1 and 100000".into(),
            ));
        }
        let key = format!("{KEY_PREFIX}{}", random_token());
        let model = api_key::ActiveModel {
            id: Set(uuid::Uuid::now_v7().to_string()),
            name: Set(name.to_string()),
            key_hash: Set(sha256_hex(&key)),
            requests_per_minute: Set(rpm as i32),
            introspection: Set(request.introspection),
            created_by: Set(created_by.to_string()),
            created_at: Set(Utc::now()),
            revoked_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        Ok((model.into(), key))
    }

    pub async fn list(&self) -> Result<Vec<ApiKeyInfo>, SignInError> {
        Ok(api_key::Entity::find()
            .order_by_asc(api_key::Column::CreatedAt)
            .all(&self.db)
            .await?
            .into_iter()
            .map(ApiKeyInfo::from)
            .collect())
    }

    pub async fn revoke(&self, id: &str) -> Result<(), SignInError> {
        let key = api_key::Entity::find_by_id(id.to_string())
            .one(&self.db)
            .await?
            .ok_or_else(|| SignInError::NotFound("API key".into()))?;
        api_key::Entity::update_many()
            .col_expr(api_key::Column::RevokedAt, Expr::value(Utc::now()))
            .filter(api_key::Column::Id.eq(id))
            .filter(api_key::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        self.known.invalidate(&key.key_hash).await;
        Ok(())
    }

    /// The partner a key belongs to, after its rate limit allows one more
    /// request.
    pub async fn admit(&self, key: &str) -> Result<Partner, SignInError> {
        let invalid = || SignInError::Unauthenticated("the API key is not valid".into());
        if !key.starts_with(KEY_PREFIX) || key.len() > 100 {
            return Err(invalid());
        }
        let hash = sha256_hex(key);
        let partner = match self.known.get(&hash).await {
            Some(known) => known,
            None => {
                let found = api_key::Entity::find()
                    .filter(api_key::Column::KeyHash.eq(hash.clone()))
                    .one(&self.db)
                    .await?
                    .filter(|k| k.revoked_at.is_none())
                    .map(|k| Partner {
                        id: k.id,
                        introspection: k.introspection,
                        requests_per_minute: u32::try_from(k.requests_per_minute).unwrap_or(1),
                    });
                self.known.insert(hash, found.clone()).await;
                found
            }
        }
        .ok_or_else(invalid)?;
        let rpm = NonZeroU32::new(partner.requests_per_minute).unwrap_or(NonZeroU32::MIN);
        if let Err(wait) = self.limiters.check(partner.id.clone(), rpm) {
            return Err(SignInError::RateLimited {
                limit: rpm.get(),
                retry_after_secs: wait.as_secs().max(1),
            });
        }
        Ok(partner)
    }
}
