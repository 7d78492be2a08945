//! `congdan dev-vneid`: a small but real OpenID provider that stands in for
//! VNeID in development and tests. It serves discovery, its signing keys
//! (JWKS), an authorize page to pick one of several test citizens, a token
//! endpoint that checks PKCE (S256), client and redirect URI and accepts each
//! code once, and userinfo. ID tokens are JWTs carrying the citizen's
//! claims, including `personal_id`, signed with EdDSA (Ed25519) by default.
//!
//! [`ProviderOptions`] make it behave like certified third-party providers
//! do (tests use them; the defaults are the development provider's): an
//! issuer with a trailing slash, fewer client authentication methods (and
//! `private_key_jwt` for clients registered with public keys), ID tokens
//! signed with RS256 or ES256, loosely typed claims, RP-initiated logout
//! (requiring `id_token_hint` if asked); [`Provider::replace_key_keeping_kid`]
//! rotates key material under the same `kid`.

mod citizens;
mod flow;
mod jws;
mod signing;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::routing::{get, post};
use axum::Router;

pub use citizens::{TestCitizen, TEST_CITIZENS};
pub use signing::{Signer, SigningAlg};

/// A client registered with the provider.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    pub client_id: String,
    /// None for public clients (mobile apps), which rely on PKCE alone.
    pub client_secret: Option<String>,
    pub redirect_uris: Vec<String>,
    /// The client's public keys (a JWK set) for `private_key_jwt`: its
    /// client assertions must be signed by one of them.
    pub jwks: Option<serde_json::Value>,
}

/// The provider's configuration.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The issuer URL, as clients reach the provider, published exactly so
    /// (with a trailing slash if it has one; endpoints are below it).
    pub issuer: String,
    pub clients: Vec<RegisteredClient>,
    /// Lifetime of ID and access tokens, in seconds.
    pub token_lifetime_secs: i64,
    pub options: ProviderOptions,
}

/// Ways real providers differ from the development one. `Default` is the
/// development provider.
#[derive(Debug, Clone, Default)]
pub struct ProviderOptions {
    /// `token_endpoint_auth_methods_supported`, and the only ones the token
    /// endpoint accepts; None: `client_secret_basic`, `client_secret_post`
    /// and `none` (public clients). `private_key_jwt` is for clients
    /// registered with `jwks`.
    pub token_auth_methods: Option<Vec<String>>,
    /// Claims typed as some providers send them: `personal_id` as a JSON
    /// number (leading zeros lost), `email_verified` and
    /// `phone_number_verified` as the strings `"true"`/`"false"`.
    pub loose_claims: bool,
    /// Publish an `end_session_endpoint` (RP-initiated logout) at `/logout`.
    pub end_session: bool,
    /// Logout requires an `id_token_hint`: an ID token this provider issued
    /// to the client (expired or not, as OpenID RP-Initiated Logout allows).
    pub end_session_requires_hint: bool,
    /// The algorithm ID tokens are signed with (a fresh key per run).
    pub id_token_alg: SigningAlg,
}

impl ProviderOptions {
    pub fn token_auth_methods(&self) -> Vec<String> {
        self.token_auth_methods.clone().unwrap_or_else(|| {
            ["client_secret_basic", "client_secret_post", "none"]
                .map(String::from)
                .to_vec()
        })
    }
}

/// The provider's state: its key, codes and access tokens in flight, and
/// the client assertions seen (by `jti`, until they expire).
pub struct Provider {
    config: ProviderConfig,
    signer: RwLock<Signer>,
    codes: Mutex<HashMap<String, flow::PendingCode>>,
    access_tokens: Mutex<HashMap<String, flow::IssuedAccess>>,
    used_assertions: Mutex<HashMap<String, i64>>,
}

impl Provider {
    pub fn new(config: ProviderConfig) -> Arc<Self> {
        Arc::new(Self {
            signer: RwLock::new(Signer::generate(config.options.id_token_alg)),
            config,
            codes: Mutex::new(HashMap::new()),
            access_tokens: Mutex::new(HashMap::new()),
            used_assertions: Mutex::new(HashMap::new()),
        })
    }

    /// The issuer exactly as published in discovery and in `iss`.
    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Where the endpoints live: the issuer without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.config.issuer.trim_end_matches('/')
    }

    /// Signs arbitrary claims with the provider's key (tests use it to make
    /// tokens a real provider would never issue, e.g. expired ones).
    pub fn sign_claims(&self, claims: &serde_json::Value) -> String {
        self.signer
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .sign(claims)
    }

    /// New key material under the same `kid`, as some providers rotate:
    /// clients that cache keys by `kid` must notice the signature failing.
    pub fn replace_key_keeping_kid(&self) {
        let mut signer = self.signer.write().unwrap_or_else(|e| e.into_inner());
        *signer = signer.regenerate_keeping_kid();
    }

    /// `at_hash` of an access token for the current key's algorithm.
    fn at_hash(&self, access_token: &str) -> String {
        self.signer
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .at_hash(access_token)
    }

    /// The current public keys.
    pub fn jwks(&self) -> serde_json::Value {
        self.signer.read().unwrap_or_else(|e| e.into_inner()).jwks()
    }
}

pub fn router(provider: Arc<Provider>) -> Router {
    Router::new()
        .route("/.well-known/openid-configuration", get(flow::discovery))
        .route("/jwks", get(flow::jwks))
        .route(
            "/authorize",
            get(flow::authorize_page).post(flow::authorize_choice),
        )
        .route("/token", post(flow::token))
        .route("/userinfo", get(flow::userinfo))
        .route("/logout", get(flow::end_session))
        .with_state(provider)
}
