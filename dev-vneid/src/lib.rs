//! `congdan dev-vneid`: a small but real OpenID provider that stands in for
//! VNeID in development and tests. It serves discovery, its signing keys
//! (JWKS), an authorize page to pick one of several test citizens, a token
//! endpoint that checks PKCE (S256), client and redirect URI and accepts each
//! code once, and userinfo. ID tokens are EdDSA (Ed25519) JWTs carrying the
//! citizen's claims, including `personal_id`.

mod citizens;
mod flow;
mod signing;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::routing::{get, post};
use axum::Router;

pub use citizens::{TestCitizen, TEST_CITIZENS};
pub use signing::Signer;

/// A client registered with the provider.
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    pub client_id: String,
    /// None for public clients (mobile apps), which rely on PKCE alone.
    pub client_secret: Option<String>,
    pub redirect_uris: Vec<String>,
}

/// The provider's configuration.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The issuer URL, as clients reach the provider (no trailing slash).
    pub issuer: String,
    pub clients: Vec<RegisteredClient>,
    /// Lifetime of ID and access tokens, in seconds.
    pub token_lifetime_secs: i64,
}

/// The provider's state: its key, and codes and access tokens in flight.
pub struct Provider {
    config: ProviderConfig,
    signer: Signer,
    codes: Mutex<HashMap<String, flow::PendingCode>>,
    access_tokens: Mutex<HashMap<String, flow::IssuedAccess>>,
}

impl Provider {
    pub fn new(config: ProviderConfig) -> Arc<Self> {
        Arc::new(Self {
            config,
            signer: Signer::generate(),
            codes: Mutex::new(HashMap::new()),
            access_tokens: Mutex::new(HashMap::new()),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.config.issuer
    }

    /// Signs arbitrary claims with the provider's key (tests use it to make
    /// tokens a real provider would never issue, e.g. expired ones).
    pub fn sign_claims(&self, claims: &serde_json::Value) -> String {
        self.signer.sign(claims)
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
        .with_state(provider)
}
