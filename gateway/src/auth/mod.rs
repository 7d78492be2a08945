//! Sign-in with VNeID and who is calling. `oidc` talks to the provider,
//! `sessions` issues and checks the gateway's own tokens, `keys` holds the
//! signing keys, `client_key` authenticates the web client by
//! `private_key_jwt`, `citizen` creates the citizen record, `api_keys` admits
//! partners, `routes` serves `/auth/*`, `/.well-known/jwks.json` and
//! `/admin/api-keys`. [`Auth::caller`] turns a request's credentials into
//! the [`Caller`] the pipeline runs with.

pub mod api_keys;
pub mod citizen;
pub mod client_key;
pub mod id_token_hint;
pub mod keys;
pub mod oidc;
pub mod routes;
pub mod sessions;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderMap};
use congdan_common::language::Language;
use congdan_contracts::bus::{Consumer, Event, EventBus, Handler};
use congdan_contracts::events::citizen as citizen_events;
use congdan_contracts::identity::{Identity, Role};
use sea_orm::DatabaseConnection;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use self::api_keys::ApiKeys;
use self::citizen::{CitizenAccess, CitizenClient};
use self::keys::KeyRing;
use self::oidc::{OidcClient, Vneid};
use self::sessions::{Sessions, MAX_ACCESS_TOKEN_SECS};
use crate::caller::Caller;
use crate::error::{SignInError, StartupError};

/// Name of the web session cookie.
pub const SESSION_COOKIE: &str = "congdan_session";
/// Name of the cookie binding a web sign-in to the browser that began it.
pub const STATE_COOKIE: &str = "congdan_auth_state";
/// Header partners send their API key in.
pub const API_KEY_HEADER: &str = "x-api-key";

#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The VNeID issuer URL (discovery at `/.well-known/openid-configuration`).
    pub issuer: String,
    pub scopes: Vec<String>,
    /// The confidential web client and where the provider sends browsers
    /// back (this gateway's `/auth/callback`).
    pub web_client: OidcClient,
    pub web_redirect_uri: String,
    /// Where the provider sends a browser after RP-initiated logout (this
    /// gateway's `/auth/logged-out`, registered at the provider).
    pub post_logout_redirect_uri: String,
    /// The public mobile client and the redirect URIs its apps may use.
    pub mobile_client: OidcClient,
    pub mobile_redirect_uris: Vec<String>,
    /// Cookies get `Secure` (everywhere but local development).
    pub secure_cookies: bool,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub web_session_ttl: Duration,
    pub key_rotation: Duration,
    /// Requests per minute of a partner key created without a limit.
    pub default_partner_rpm: u32,
}

pub struct Auth {
    pub config: AuthConfig,
    pub db: DatabaseConnection,
    pub vneid: Vneid,
    pub keys: Arc<KeyRing>,
    pub sessions: Sessions,
    pub api_keys: ApiKeys,
    /// Web sessions' roles, read from the citizen subgraph, for a minute,
    /// by citizen and the session's roles version.
    web_access: moka::future::Cache<(String, i32), Option<CitizenAccess>>,
}

impl Auth {
    pub async fn new(config: AuthConfig, db: DatabaseConnection) -> Result<Self, StartupError> {
        if config.access_token_ttl.as_secs() as i64 > MAX_ACCESS_TOKEN_SECS {
            return Err(StartupError::Config(
                "access tokens may live at most 15 minutes".into(),
            ));
        }
        let keys = Arc::new(
            KeyRing::load(db.clone(), config.key_rotation, config.access_token_ttl).await?,
        );
        keys.spawn_rotation(Duration::from_secs(60));
        Ok(Self {
            vneid: Vneid::new(&config.issuer, config.scopes.clone())?,
            sessions: Sessions::new(
                db.clone(),
                config.access_token_ttl,
                config.refresh_token_ttl,
                config.web_session_ttl,
            ),
            api_keys: ApiKeys::new(db.clone(), config.default_partner_rpm),
            keys,
            web_access: moka::future::Cache::builder()
                .time_to_live(Duration::from_secs(60))
                .max_capacity(100_000)
                .build(),
            config,
            db,
        })
    }

    /// Who sent the request: a bearer access token, a partner API key, a web
    /// session cookie, or nobody. Credentials that are present but wrong
    /// are refused, never downgraded to anonymous.
    pub async fn caller(
        &self,
        headers: &HeaderMap,
        citizen: &CitizenClient,
    ) -> Result<Caller, SignInError> {
        let mut caller = Caller::default();
        let mut profile_language = None;
        let identity = if let Some(value) = headers.get(header::AUTHORIZATION) {
            let token = bearer_token(value)?;
            let claims = self.sessions.verify_access(&self.keys, token).await?;
            caller.expires_at = Some(claims.time.exp);
            profile_language = claims.lang;
            Some(claims.identity())
        } else if let Some(value) = headers.get(API_KEY_HEADER) {
            let key = value
                .to_str()
                .map_err(|_| SignInError::Unauthenticated("the API key is not valid".into()))?;
            let partner = self.api_keys.admit(key.trim()).await?;
            caller.may_introspect = partner.introspection;
            Some(Identity {
                sub: partner.id,
                roles: vec![Role::Partner],
                agencies: Vec::new(),
            })
        } else if let Some(cookie) = cookie(headers, SESSION_COOKIE) {
            let session = self.sessions.from_cookie(&cookie).await?.ok_or_else(|| {
                SignInError::Unauthenticated("the session has ended; sign in again".into())
            })?;
            // Keyed by the roles version too: a role change is seen at once.
            let access = self
                .web_access
                .try_get_with(
                    (session.citizen_id.clone(), session.roles_version),
                    citizen.access(&self.keys, &session.citizen_id),
                )
                .await
                .map_err(|e| (*e).clone())?
                .ok_or_else(|| {
                    SignInError::Unauthenticated("the account no longer exists".into())
                })?;
            profile_language = access.language;
            Some(access.identity())
        } else {
            None
        };
        caller.language = profile_language.unwrap_or_else(|| Language::of_headers(headers));
        if let Some(identity) = identity {
            caller.identity_token = Some(citizen::identity_token(&self.keys, &identity)?);
            caller.signer = Some(self.keys.clone());
            caller.identity = Some(identity);
        }
        Ok(caller)
    }
}

impl Auth {
    /// Follows the citizen events that end or change sessions, until
    /// `shutdown`: a deleted account's sessions are revoked, a citizen
    /// whose roles changed has every access token issued before refused
    /// (the client refreshes). Redelivered events change nothing twice.
    pub fn spawn_revocations(
        self: &Arc<Self>,
        bus: Arc<dyn EventBus>,
        shutdown: CancellationToken,
    ) -> JoinHandle<()> {
        let handler = SessionEvents { auth: self.clone() };
        Consumer::new("sessions", bus, citizen_events::EVENTS, handler).spawn(shutdown)
    }
}

/// The handler of the citizen events that concern sessions.
struct SessionEvents {
    auth: Arc<Auth>,
}

impl Handler for SessionEvents {
    type Error = SignInError;

    async fn handle(&self, event: &Event) -> Result<(), SignInError> {
        let sessions = &self.auth.sessions;
        if let Some(deleted) = event.read::<citizen_events::AccountDeleted>() {
            let count = sessions
                .revoke_citizen(&deleted.citizen_id, "account_deleted")
                .await?;
            tracing::info!(count, "sessions of a deleted account revoked");
        } else if let Some(changed) = event.read::<citizen_events::RolesChanged>() {
            let count = sessions.roles_changed(&changed.citizen_id).await?;
            tracing::info!(count, "sessions told of a role change");
        }
        Ok(())
    }
}

/// The token of `Authorization: Bearer <token>`; anything else is refused.
pub fn bearer_token(value: &axum::http::HeaderValue) -> Result<&str, SignInError> {
    let malformed = || {
        SignInError::Unauthenticated(
            "the Authorization header is malformed; send `Authorization: Bearer <access token>`"
                .into(),
        )
    };
    let text = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = text.split_once(' ').ok_or_else(malformed)?;
    let token = token.trim();
    let token_chars = |c: char| c.is_ascii_alphanumeric() || "-._~+/=".contains(c);
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() || !token.chars().all(token_chars)
    {
        return Err(malformed());
    }
    Ok(token)
}

/// The value of cookie `name`, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn bearer_header_forms() {
        let ok = HeaderValue::from_static("Bearer abc.def.ghi");
        assert_eq!(bearer_token(&ok).unwrap(), "abc.def.ghi");
        let lower = HeaderValue::from_static("bearer abc");
        assert_eq!(bearer_token(&lower).unwrap(), "abc");
        for bad in [
            "Bearer",
            "Bearer ",
            "Basic dXNlcjpwYXNz",
            "abc.def",
            "Bearer a b",
            "Bearer <x>",
        ] {
            assert!(
                bearer_token(&HeaderValue::from_static(bad)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn cookies_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; congdan_session=xyz; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("xyz"));
        assert_eq!(cookie(&headers, "missing"), None);
    }
}
