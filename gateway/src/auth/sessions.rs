//! Sign-in sessions and the gateway's own tokens. A session is a web
//! session (an opaque cookie) or a mobile app's refresh-token family.
//! Access tokens are EdDSA JWTs of at most 15 minutes naming their session;
//! refresh tokens are opaque, stored as SHA-256 and used once: each use
//! rotates it, and presenting a used one again revokes the whole family.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use congdan_common::language::Language;
use congdan_contracts::identity::jws::{self, TimeClaims};
use congdan_contracts::identity::{Identity, Role, GATEWAY_ISSUER};
use entity::gateway::{refresh_token, session};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::citizen::CitizenAccess;
use super::id_token_hint;
use super::keys::KeyRing;
use crate::error::SignInError;

/// `aud` of the gateway's access tokens.
pub const API_AUDIENCE: &str = "congdan-api";
/// The longest access-token lifetime the gateway issues or accepts.
pub const MAX_ACCESS_TOKEN_SECS: i64 = 15 * 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessClaims {
    #[serde(flatten)]
    pub time: TimeClaims,
    pub sub: String,
    /// The session the token belongs to; revoking it ends the token.
    pub sid: String,
    /// The session's roles version when the token was issued: a change of
    /// the citizen's roles since then ends the token.
    #[serde(default)]
    pub rv: i32,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub agencies: Vec<String>,
    /// The citizen's profile language when the token was issued (a change
    /// is seen at the next refresh).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Language>,
}

/// What a client gets after signing in or refreshing.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedTokens {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_expires_in: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    Web,
    Mobile,
}

impl ClientKind {
    fn as_str(self) -> &'static str {
        match self {
            ClientKind::Web => "web",
            ClientKind::Mobile => "mobile",
        }
    }
}

pub struct Sessions {
    db: DatabaseConnection,
    access_ttl: Duration,
    refresh_ttl: Duration,
    web_ttl: Duration,
    /// Sessions' roles versions (None: ended), by id, for a few seconds:
    /// revocation and role changes reach every replica within that time.
    live: moka::future::Cache<String, Option<i32>>,
    /// Access tokens whose signature has been verified, with their claims:
    /// a signature stays valid, so a client's token is verified once, not
    /// on each request. Expiry and the session are still checked each time.
    verified: moka::sync::Cache<String, AccessClaims>,
}

/// 32 random bytes, base64url.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn after(duration: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(duration).unwrap_or_default()
}

impl Sessions {
    pub fn new(
        db: DatabaseConnection,
        access_ttl: Duration,
        refresh_ttl: Duration,
        web_ttl: Duration,
    ) -> Self {
        Self {
            db,
            access_ttl: access_ttl.min(Duration::from_secs(MAX_ACCESS_TOKEN_SECS as u64)),
            refresh_ttl,
            web_ttl,
            live: moka::future::Cache::builder()
                .time_to_live(Duration::from_secs(5))
                .max_capacity(100_000)
                .build(),
            verified: moka::sync::Cache::builder()
                .time_to_live(Duration::from_secs(60))
                .max_capacity(10_000)
                .build(),
        }
    }

    /// A web session keeping the provider's `id_token` (sealed, for
    /// logout); returns the cookie value and its lifetime.
    pub async fn start_web(
        &self,
        citizen_id: &str,
        id_token: &str,
    ) -> Result<(String, Duration), SignInError> {
        let cookie = random_token();
        let id = uuid::Uuid::now_v7().to_string();
        session::ActiveModel {
            id_token_sealed: Set(id_token_hint::seal(&cookie, &id, id_token)),
            id: Set(id),
            citizen_id: Set(citizen_id.to_string()),
            client: Set(ClientKind::Web.as_str().into()),
            cookie_hash: Set(Some(sha256_hex(&cookie))),
            created_at: Set(Utc::now()),
            expires_at: Set(after(self.web_ttl)),
            revoked_at: Set(None),
            revoked_reason: Set(None),
            roles_version: Set(0),
        }
        .insert(&self.db)
        .await?;
        Ok((cookie, self.web_ttl))
    }

    /// A mobile session with its first access and refresh tokens.
    pub async fn start_mobile(
        &self,
        keys: &KeyRing,
        access: &CitizenAccess,
    ) -> Result<IssuedTokens, SignInError> {
        let session_id = uuid::Uuid::now_v7().to_string();
        let refresh = random_token();
        let txn = self.db.begin().await?;
        session::ActiveModel {
            id: Set(session_id.clone()),
            citizen_id: Set(access.citizen_id.clone()),
            client: Set(ClientKind::Mobile.as_str().into()),
            cookie_hash: Set(None),
            created_at: Set(Utc::now()),
            expires_at: Set(after(self.refresh_ttl)),
            revoked_at: Set(None),
            revoked_reason: Set(None),
            roles_version: Set(0),
            id_token_sealed: Set(None),
        }
        .insert(&txn)
        .await?;
        self.insert_refresh(&txn, &session_id, &refresh).await?;
        txn.commit().await?;
        self.tokens(keys, access, &session_id, 0, refresh)
    }

    async fn insert_refresh(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        session_id: &str,
        refresh: &str,
    ) -> Result<(), SignInError> {
        refresh_token::ActiveModel {
            token_hash: Set(sha256_hex(refresh)),
            session_id: Set(session_id.to_string()),
            created_at: Set(Utc::now()),
            expires_at: Set(after(self.refresh_ttl)),
            used_at: Set(None),
        }
        .insert(db)
        .await?;
        Ok(())
    }

    fn tokens(
        &self,
        keys: &KeyRing,
        access: &CitizenAccess,
        session_id: &str,
        roles_version: i32,
        refresh: String,
    ) -> Result<IssuedTokens, SignInError> {
        let now = Utc::now().timestamp();
        let ttl = self.access_ttl.as_secs() as i64;
        let access_token = keys.sign(&AccessClaims {
            time: TimeClaims {
                iss: GATEWAY_ISSUER.into(),
                aud: API_AUDIENCE.into(),
                iat: now,
                exp: now + ttl,
            },
            sub: access.citizen_id.clone(),
            sid: session_id.to_string(),
            rv: roles_version,
            roles: access.roles.clone(),
            agencies: access.agency_ids.clone(),
            lang: access.language,
        })?;
        Ok(IssuedTokens {
            access_token,
            token_type: "Bearer",
            expires_in: ttl,
            refresh_token: refresh,
            refresh_expires_in: self.refresh_ttl.as_secs() as i64,
        })
    }

    /// Uses `refresh` once: the session of a valid unused token gets a new
    /// pair (the roles read again through `current_access`); a token used
    /// before revokes its session.
    pub async fn refresh<F, Fut>(
        &self,
        keys: &KeyRing,
        refresh: &str,
        current_access: F,
    ) -> Result<IssuedTokens, SignInError>
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = Result<Option<CitizenAccess>, SignInError>>,
    {
        let hash = sha256_hex(refresh);
        let Some(token) = refresh_token::Entity::find_by_id(hash.clone())
            .one(&self.db)
            .await?
        else {
            return Err(SignInError::InvalidRefreshToken("unknown token".into()));
        };
        // Only one use wins, also under concurrent refreshes.
        let used = refresh_token::Entity::update_many()
            .col_expr(refresh_token::Column::UsedAt, Expr::value(Utc::now()))
            .filter(refresh_token::Column::TokenHash.eq(hash))
            .filter(refresh_token::Column::UsedAt.is_null())
            .exec(&self.db)
            .await?;
        if used.rows_affected != 1 {
            self.revoke(&token.session_id, "refresh_token_reuse")
                .await?;
            tracing::warn!(session = %token.session_id, "a used refresh token came back; session revoked");
            return Err(SignInError::InvalidRefreshToken(
                "it was already used; the session has been revoked, sign in again".into(),
            ));
        }
        if token.expires_at < Utc::now() {
            return Err(SignInError::InvalidRefreshToken("it has expired".into()));
        }
        let session = self.active(&token.session_id).await?.ok_or_else(|| {
            SignInError::InvalidRefreshToken("its session has ended; sign in again".into())
        })?;
        let Some(access) = current_access(session.citizen_id.clone()).await? else {
            self.revoke(&session.id, "citizen_gone").await?;
            return Err(SignInError::InvalidRefreshToken(
                "the account no longer exists".into(),
            ));
        };
        let next = random_token();
        self.insert_refresh(&self.db, &session.id, &next).await?;
        self.tokens(keys, &access, &session.id, session.roles_version, next)
    }

    /// The session if it exists, is not revoked and has not expired.
    async fn active(&self, session_id: &str) -> Result<Option<session::Model>, SignInError> {
        Ok(session::Entity::find_by_id(session_id.to_string())
            .one(&self.db)
            .await?
            .filter(|s| s.revoked_at.is_none() && s.expires_at > Utc::now()))
    }

    /// The roles version of a live session, None when it has ended (cached
    /// briefly).
    async fn live_roles_version(&self, session_id: &str) -> Result<Option<i32>, SignInError> {
        if let Some(live) = self.live.get(session_id).await {
            return Ok(live);
        }
        let live = self.active(session_id).await?.map(|s| s.roles_version);
        self.live.insert(session_id.to_string(), live).await;
        Ok(live)
    }

    /// Marks the citizen's roles as changed in every live session: access
    /// tokens issued before end at once, refreshed ones carry the new roles.
    pub async fn roles_changed(&self, citizen_id: &str) -> Result<u64, SignInError> {
        let sessions = self.unrevoked(citizen_id).await?;
        session::Entity::update_many()
            .col_expr(
                session::Column::RolesVersion,
                sea_orm::sea_query::ExprTrait::add(Expr::col(session::Column::RolesVersion), 1),
            )
            .filter(session::Column::Id.is_in(sessions.clone()))
            .exec(&self.db)
            .await?;
        for id in &sessions {
            self.live.invalidate(id).await;
        }
        Ok(sessions.len() as u64)
    }

    /// The live web session a cookie names.
    pub async fn from_cookie(&self, cookie: &str) -> Result<Option<session::Model>, SignInError> {
        Ok(session::Entity::find()
            .filter(session::Column::CookieHash.eq(sha256_hex(cookie)))
            .one(&self.db)
            .await?
            .filter(|s| s.revoked_at.is_none() && s.expires_at > Utc::now()))
    }

    /// The ID token a live web session keeps, opened with its cookie.
    pub fn id_token_hint(session: &session::Model, cookie: &str) -> Option<String> {
        id_token_hint::open(cookie, &session.id, session.id_token_sealed.as_deref()?)
    }

    /// The session a refresh token belongs to, used or not.
    pub async fn session_of_refresh(&self, refresh: &str) -> Result<Option<String>, SignInError> {
        Ok(refresh_token::Entity::find_by_id(sha256_hex(refresh))
            .one(&self.db)
            .await?
            .map(|t| t.session_id))
    }

    /// Ends a session; its sealed ID token goes with it.
    pub async fn revoke(&self, session_id: &str, reason: &str) -> Result<(), SignInError> {
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
            .col_expr(session::Column::RevokedReason, Expr::value(reason))
            .col_expr(session::Column::IdTokenSealed, Expr::value(None::<String>))
            .filter(session::Column::Id.eq(session_id))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        self.live.invalidate(session_id).await;
        Ok(())
    }

    /// The ids of a citizen's sessions not revoked.
    async fn unrevoked(&self, citizen_id: &str) -> Result<Vec<String>, SignInError> {
        Ok(session::Entity::find()
            .filter(session::Column::CitizenId.eq(citizen_id))
            .filter(session::Column::RevokedAt.is_null())
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect())
    }

    /// Ends every session of a citizen (their account was deleted).
    pub async fn revoke_citizen(&self, citizen_id: &str, reason: &str) -> Result<u64, SignInError> {
        let sessions = self.unrevoked(citizen_id).await?;
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(Utc::now()))
            .col_expr(session::Column::RevokedReason, Expr::value(reason))
            .filter(session::Column::Id.is_in(sessions.clone()))
            .filter(session::Column::RevokedAt.is_null())
            .exec(&self.db)
            .await?;
        for id in &sessions {
            self.live.invalidate(id).await;
        }
        Ok(sessions.len() as u64)
    }

    /// Verifies an access token: signature, issuer, audience, lifetime, and
    /// that its session is live.
    pub async fn verify_access(
        &self,
        keys: &KeyRing,
        token: &str,
    ) -> Result<AccessClaims, SignInError> {
        let refuse = |e: jws::JwsError| {
            SignInError::Unauthenticated(format!("the access token is not valid: {e}"))
        };
        let claims = match self.verified.get(token) {
            Some(claims) => claims,
            None => {
                let key = keys.verifying_key(token).await.map_err(refuse)?;
                let claims: AccessClaims = jws::verify(token, &key).map_err(refuse)?;
                self.verified.insert(token.to_string(), claims.clone());
                claims
            }
        };
        claims
            .time
            .check(
                GATEWAY_ISSUER,
                API_AUDIENCE,
                MAX_ACCESS_TOKEN_SECS,
                Utc::now().timestamp(),
            )
            .map_err(refuse)?;
        match self.live_roles_version(&claims.sid).await? {
            None => Err(SignInError::Unauthenticated(
                "the session of this access token has ended; sign in again".into(),
            )),
            Some(version) if version != claims.rv => Err(SignInError::Unauthenticated(
                "the account's roles have changed since this access token was issued; refresh it"
                    .into(),
            )),
            Some(_) => Ok(claims),
        }
    }
}

impl AccessClaims {
    pub fn identity(&self) -> Identity {
        Identity {
            sub: self.sub.clone(),
            roles: self.roles.clone(),
            agencies: self.agencies.clone(),
        }
    }
}
