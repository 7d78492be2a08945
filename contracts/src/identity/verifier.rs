//! Verifying identity tokens against the gateway's JWKS, fetched over HTTP
//! when a token names a key not yet known (the gateway rotates keys) and
//! cached.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_dalek::VerifyingKey;
use tokio::sync::Mutex;

use super::jws::{self, JwsError};
use super::{Identity, IdentityClaims, GATEWAY_ISSUER, IDENTITY_TOKEN_SECS, SUBGRAPH_AUDIENCE};

/// Unknown kids trigger at most one JWKS fetch per this interval, so forged
/// tokens cannot make a subgraph hammer the gateway.
const REFETCH_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct IdentityVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    jwks_url: Option<String>,
    http: reqwest::Client,
    keys: moka::sync::Cache<String, VerifyingKey>,
    /// Keys trusted for the verifier's whole life ([`IdentityVerifier::trusting`]).
    pinned: HashMap<String, VerifyingKey>,
    last_fetch: Mutex<Option<Instant>>,
}

impl IdentityVerifier {
    /// Trusts the keys published at `jwks_url` (the gateway's
    /// `/.well-known/jwks.json`).
    pub fn new(jwks_url: impl Into<String>) -> Self {
        Self::build(Some(jwks_url.into()), HashMap::new())
    }

    /// Trusts nobody: every request is anonymous.
    pub fn anonymous_only() -> Self {
        Self::build(None, HashMap::new())
    }

    /// Trusts exactly `keys` (kid, public key) and fetches nothing: for
    /// tests and tools that sign identity tokens themselves.
    pub fn trusting(keys: impl IntoIterator<Item = (String, VerifyingKey)>) -> Self {
        Self::build(None, keys.into_iter().collect())
    }

    fn build(jwks_url: Option<String>, pinned: HashMap<String, VerifyingKey>) -> Self {
        Self {
            inner: Arc::new(Inner {
                jwks_url,
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap_or_default(),
                keys: moka::sync::Cache::builder()
                    .time_to_live(Duration::from_secs(24 * 3600))
                    .build(),
                pinned,
                last_fetch: Mutex::new(None),
            }),
        }
    }

    /// The identity in `token`, if it verifies.
    pub async fn verify(&self, token: &str) -> Result<Identity, JwsError> {
        let kid = jws::kid(token)?;
        let key = match self
            .inner
            .pinned
            .get(&kid)
            .copied()
            .or_else(|| self.inner.keys.get(&kid))
        {
            Some(key) => key,
            None => self.refetch(&kid).await.ok_or(JwsError::UnknownKey)?,
        };
        let claims: IdentityClaims = jws::verify(token, &key)?;
        claims.time.check(
            GATEWAY_ISSUER,
            SUBGRAPH_AUDIENCE,
            IDENTITY_TOKEN_SECS,
            chrono::Utc::now().timestamp(),
        )?;
        Ok(claims.identity)
    }

    async fn refetch(&self, kid: &str) -> Option<VerifyingKey> {
        let url = self.inner.jwks_url.as_ref()?;
        let mut last = self.inner.last_fetch.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.inner.keys.get(kid) {
            return Some(key);
        }
        if last.is_some_and(|at| at.elapsed() < REFETCH_INTERVAL) {
            return None;
        }
        *last = Some(Instant::now());
        let fetched = async {
            let response = self.inner.http.get(url).send().await.ok()?;
            response
                .error_for_status()
                .ok()?
                .json::<serde_json::Value>()
                .await
                .ok()
        }
        .await;
        match fetched {
            Some(jwks) => {
                for (kid, key) in jws::keys_from_jwks(&jwks) {
                    self.inner.keys.insert(kid, key);
                }
            }
            None => tracing::warn!(url, "cannot fetch the gateway's signing keys"),
        }
        self.inner.keys.get(kid)
    }
}
