//! Who is asking. The gateway signs every forwarded request's identity into
//! a short-lived token (`x-congdan-identity`, EdDSA, at most 60 s); the
//! subgraph verifies it against the gateway's published keys and puts an
//! [`Identity`] into the request's data. A missing, forged or expired token
//! is an anonymous request, so a subgraph called directly shows nothing
//! private.

pub mod jws;
mod verifier;

use serde::{Deserialize, Serialize};

pub use verifier::IdentityVerifier;

/// The header the gateway forwards the identity token in.
pub const IDENTITY_HEADER: &str = "x-congdan-identity";
/// `iss` of tokens the gateway signs.
pub const GATEWAY_ISSUER: &str = "congdan-gateway";
/// `aud` of identity tokens (for subgraphs).
pub const SUBGRAPH_AUDIENCE: &str = "congdan-subgraphs";
/// Longest lifetime of an identity token.
pub const IDENTITY_TOKEN_SECS: i64 = 60;

/// What a caller may be. Staff roles are granted by an admin to an
/// existing citizen; `Service` is the gateway itself (internal operations);
/// `Partner` is a partner agency's API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "lowercase")]
#[graphql(name = "Role")]
pub enum Role {
    // Aliases: GraphQL prints enum values in capitals.
    #[serde(alias = "CITIZEN")]
    Citizen,
    #[serde(alias = "OFFICER")]
    Officer,
    #[serde(alias = "EDITOR")]
    Editor,
    #[serde(alias = "ADMIN")]
    Admin,
    #[serde(alias = "SERVICE")]
    Service,
    #[serde(alias = "PARTNER")]
    Partner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Citizen => "citizen",
            Role::Officer => "officer",
            Role::Editor => "editor",
            Role::Admin => "admin",
            Role::Service => "service",
            Role::Partner => "partner",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [
            Role::Citizen,
            Role::Officer,
            Role::Editor,
            Role::Admin,
            Role::Service,
            Role::Partner,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }
}

/// The verified caller of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The citizen id for people, `gateway` for the service, the key id for
    /// partners.
    pub sub: String,
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Agencies an officer acts for.
    #[serde(default)]
    pub agencies: Vec<String>,
}

impl Identity {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The citizen id when the caller is a signed-in person.
    pub fn citizen_id(&self) -> Option<&str> {
        self.has_role(Role::Citizen).then_some(self.sub.as_str())
    }

    /// The scopes `@requiresScopes` is checked against: every role's name,
    /// and `agency:<id>` for each agency an officer acts for.
    pub fn scopes(&self) -> Vec<String> {
        self.roles
            .iter()
            .map(|r| r.as_str().to_string())
            .chain(self.agencies.iter().map(|a| format!("agency:{a}")))
            .collect()
    }
}

/// Claims of an identity token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IdentityClaims {
    #[serde(flatten)]
    pub time: jws::TimeClaims,
    #[serde(flatten)]
    pub identity: Identity,
}
