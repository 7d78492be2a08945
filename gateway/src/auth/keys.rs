//! The gateway's signing keys, kept in the database so every replica signs
//! and verifies with the same ring. The newest key signs; a new one is made
//! when it is older than the rotation period, and older keys keep verifying
//! until everything they can have signed has expired. The public halves are
//! published at `/.well-known/jwks.json`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use congdan_contracts::identity::jws::{self, KeyPair};
use ed25519_dalek::VerifyingKey;
use entity::gateway::signing_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::error::SignInError;

/// Where the ring reads the time: the system clock, or a clock a test moves
/// (to see a rotation without waiting for it).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub struct KeyRing {
    db: DatabaseConnection,
    clock: Clock,
    rotation: Duration,
    /// How long a retired key must still verify (the longest token lifetime).
    overlap: Duration,
    ring: RwLock<Arc<Ring>>,
    reload: Mutex<()>,
    /// Identity tokens by identity, reused for a while (see
    /// `citizen::identity_token`).
    identity_tokens: moka::sync::Cache<String, String>,
}

/// How long a signed identity token is reused; it lives a minute, so at
/// least 40 s of it are left whenever it is sent.
const IDENTITY_TOKEN_REUSE: Duration = Duration::from_secs(20);

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").finish_non_exhaustive()
    }
}

struct Ring {
    signer: KeyPair,
    verifying: HashMap<String, VerifyingKey>,
}

impl KeyRing {
    /// Loads the ring, creating the first key (or a due rotation's key).
    pub async fn load(
        db: DatabaseConnection,
        rotation: Duration,
        overlap: Duration,
    ) -> Result<Self, SignInError> {
        Self::load_with_clock(db, rotation, overlap, Arc::new(Utc::now)).await
    }

    /// The same, reading the time from `clock`.
    pub async fn load_with_clock(
        db: DatabaseConnection,
        rotation: Duration,
        overlap: Duration,
        clock: Clock,
    ) -> Result<Self, SignInError> {
        let ring = Self::read(&db, rotation, overlap, clock()).await?;
        Ok(Self {
            db,
            clock,
            rotation,
            overlap,
            ring: RwLock::new(Arc::new(ring)),
            reload: Mutex::new(()),
            identity_tokens: moka::sync::Cache::builder()
                .time_to_live(IDENTITY_TOKEN_REUSE)
                .max_capacity(100_000)
                .build(),
        })
    }

    async fn read(
        db: &DatabaseConnection,
        rotation: Duration,
        overlap: Duration,
        now: DateTime<Utc>,
    ) -> Result<Ring, SignInError> {
        let keep_after = now - chrono::Duration::from_std(rotation + overlap).unwrap_or_default();
        let mut keys = signing_key::Entity::find()
            .filter(signing_key::Column::CreatedAt.gt(keep_after))
            .all(db)
            .await?;
        keys.sort_by_key(|k| k.created_at);
        let newest_fresh = keys.last().is_some_and(|k| {
            now - k.created_at < chrono::Duration::from_std(rotation).unwrap_or_default()
        });
        if !newest_fresh {
            let pair = KeyPair::generate();
            let model = signing_key::ActiveModel {
                kid: Set(pair.kid.clone()),
                secret: Set(STANDARD.encode(pair.secret())),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
            tracing::info!(kid = %model.kid, "new gateway signing key");
            keys.push(model);
            // Keys nobody can still need.
            signing_key::Entity::delete_many()
                .filter(signing_key::Column::CreatedAt.lte(keep_after))
                .exec(db)
                .await?;
        }
        let mut verifying = HashMap::new();
        let mut signer = None;
        for key in &keys {
            let Some(secret) = STANDARD
                .decode(&key.secret)
                .ok()
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
            else {
                tracing::error!(kid = %key.kid, "a stored signing key is unreadable; skipped");
                continue;
            };
            let pair = KeyPair::from_secret(&secret);
            verifying.insert(pair.kid.clone(), pair.public());
            signer = Some(pair);
        }
        let signer = signer.ok_or_else(|| SignInError::Config("no usable signing key".into()))?;
        Ok(Ring { signer, verifying })
    }

    fn current(&self) -> Arc<Ring> {
        self.ring.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Re-reads the ring (rotating when due).
    pub async fn refresh(&self) -> Result<(), SignInError> {
        let _guard = self.reload.lock().await;
        let ring = Self::read(&self.db, self.rotation, self.overlap, (self.clock)()).await?;
        *self.ring.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(ring);
        Ok(())
    }

    pub fn sign<C: serde::Serialize>(&self, claims: &C) -> Result<String, SignInError> {
        self.current()
            .signer
            .sign(claims)
            .map_err(|e| SignInError::Config(format!("cannot sign a token: {e}")))
    }

    /// The token `sign` makes for `key`, reused for `IDENTITY_TOKEN_REUSE`.
    pub fn reused_token(
        &self,
        key: String,
        sign: impl FnOnce() -> Result<String, SignInError>,
    ) -> Result<String, SignInError> {
        self.identity_tokens
            .try_get_with(key, sign)
            .map_err(|e| (*e).clone())
    }

    /// The key a token names; an unknown kid re-reads the ring once (another
    /// replica may have rotated).
    pub async fn verifying_key(&self, token: &str) -> Result<VerifyingKey, jws::JwsError> {
        let kid = jws::kid(token)?;
        if let Some(key) = self.current().verifying.get(&kid) {
            return Ok(*key);
        }
        let known = signing_key::Entity::find_by_id(kid.clone())
            .one(&self.db)
            .await
            .ok()
            .flatten()
            .is_some();
        if known && self.refresh().await.is_ok() {
            if let Some(key) = self.current().verifying.get(&kid) {
                return Ok(*key);
            }
        }
        Err(jws::JwsError::UnknownKey)
    }

    pub fn jwks(&self) -> Value {
        let ring = self.current();
        let keys: Vec<Value> = ring
            .verifying
            .iter()
            .map(|(kid, key)| jws::jwk(kid, key))
            .collect();
        json!({ "keys": keys })
    }

    /// Rotates when due, checking every `every`, until `shutdown`.
    pub fn spawn_rotation(self: &Arc<Self>, every: Duration) {
        let ring = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let Some(ring) = ring.upgrade() else { break };
                if let Err(error) = ring.refresh().await {
                    tracing::warn!(%error, "signing key refresh failed");
                }
            }
        });
    }
}
