//! Who sent a request, as sign-in (`auth`) established it and the pipeline
//! runs it: shared by both, so neither depends on the other.

use std::net::IpAddr;
use std::sync::Arc;

use congdan_common::language::Language;
use congdan_contracts::identity::Identity;

/// Who sent a request, as the gateway established it (see `auth`).
#[derive(Clone, Default)]
pub struct Caller {
    pub identity: Option<Identity>,
    /// The identity token forwarded to subgraphs (`x-congdan-identity`).
    pub identity_token: Option<String>,
    /// Whether this caller may introspect even where the policy says no (a
    /// partner key that grants it).
    pub may_introspect: bool,
    /// When the caller's credential expires (Unix seconds); a subscription
    /// ends then.
    pub expires_at: Option<i64>,
    /// Signs fresh identity tokens for long-lived operations (a
    /// subscription outlives the 60 s token made when it started).
    pub signer: Option<Arc<dyn IdentitySigner>>,
    /// The client's address (for anonymous callers' limits).
    pub client: Option<IpAddr>,
    /// The language of messages: the signed-in citizen's profile, else the
    /// request's `Accept-Language`; forwarded to subgraphs.
    pub language: Language,
}

impl std::fmt::Debug for Caller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caller")
            .field("identity", &self.identity)
            .field("may_introspect", &self.may_introspect)
            .field("expires_at", &self.expires_at)
            .field("client", &self.client)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

/// Signs a fresh identity token for an identity (the gateway's key ring).
pub trait IdentitySigner: Send + Sync {
    /// None when signing failed (logged where it happened).
    fn identity_token(&self, identity: &Identity) -> Option<String>;
}
