//! The citizen subgraph's internal operations the gateway calls as itself
//! (`Role::Service`), through a small client of its own (not the request
//! pipeline): create or update the citizen record at sign-in, and read a
//! citizen's roles when a session is refreshed.

use congdan_common::language::Language;
use congdan_contracts::identity::{
    jws::TimeClaims, Identity, IdentityClaims, Role, GATEWAY_ISSUER, IDENTITY_TOKEN_SECS,
    SUBGRAPH_AUDIENCE,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;

use super::keys::KeyRing;
use super::oidc::VerifiedCitizen;
use crate::caller::IdentitySigner;
use crate::error::SignInError;
use crate::execute::transport::SubgraphClient;

/// The subgraph that owns citizen records.
pub const CITIZEN_SUBGRAPH: &str = "citizen";

/// Who a citizen is to the gateway: the subject of their tokens.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CitizenAccess {
    pub citizen_id: String,
    pub roles: Vec<Role>,
    pub agency_ids: Vec<String>,
    /// The profile's language, when the citizen has a profile.
    #[serde(default)]
    pub language: Option<Language>,
}

impl CitizenAccess {
    pub fn identity(&self) -> Identity {
        Identity {
            sub: self.citizen_id.clone(),
            roles: self.roles.clone(),
            agencies: self.agency_ids.clone(),
        }
    }
}

/// An identity token for `identity`, valid for a minute. One token is
/// reused for 20 s: signing anew for every request would cost more than the
/// rest of a small request, and one caller's identical subgraph requests
/// then deduplicate.
pub fn identity_token(keys: &KeyRing, identity: &Identity) -> Result<String, SignInError> {
    let sign = || {
        let now = chrono::Utc::now().timestamp();
        keys.sign(&IdentityClaims {
            time: TimeClaims {
                iss: GATEWAY_ISSUER.into(),
                aud: SUBGRAPH_AUDIENCE.into(),
                iat: now,
                exp: now + IDENTITY_TOKEN_SECS,
            },
            identity: identity.clone(),
        })
    };
    match serde_json::to_string(identity) {
        Ok(key) => keys.reused_token(key, sign),
        Err(_) => sign(),
    }
}

impl IdentitySigner for KeyRing {
    fn identity_token(&self, identity: &Identity) -> Option<String> {
        identity_token(self, identity).ok()
    }
}

/// The citizen subgraph's URL as the gateway serves it now (a reloaded
/// supergraph may move it); None when the supergraph has none.
pub type CitizenUrl = Arc<dyn Fn() -> Option<String> + Send + Sync>;

/// Calls the citizen subgraph's internal operations, with the subgraph
/// transport's timeouts and circuit breaker.
#[derive(Clone)]
pub struct CitizenClient {
    transport: SubgraphClient,
    url: CitizenUrl,
}

impl CitizenClient {
    pub fn new(transport: SubgraphClient, url: CitizenUrl) -> Self {
        Self { transport, url }
    }

    /// Creates or updates the citizen record from verified provider claims.
    pub async fn sign_in(
        &self,
        keys: &KeyRing,
        citizen: &VerifiedCitizen,
    ) -> Result<CitizenAccess, SignInError> {
        let value = self
            .call(
                keys,
                "mutation($input: VneidSignInInput!) { signInFromVneid(input: $input) { citizenId roles agencyIds language } }",
                json!({ "input": {
                    "subject": citizen.subject,
                    "personalId": citizen.personal_id,
                    "fullName": citizen.full_name,
                    "birthdate": citizen.birthdate,
                    "gender": citizen.gender,
                    "phoneNumber": citizen.phone_number,
                    "email": citizen.email,
                }}),
                "signInFromVneid",
            )
            .await?;
        serde_json::from_value(value).map_err(|_| {
            SignInError::Unauthenticated("sign-in is unavailable right now; try again".into())
        })
    }

    /// The citizen's current roles; None when the citizen no longer exists.
    pub async fn access(
        &self,
        keys: &KeyRing,
        citizen_id: &str,
    ) -> Result<Option<CitizenAccess>, SignInError> {
        let value = self
            .call(
                keys,
                "query($id: ID!) { citizenAccess(citizenId: $id) { citizenId roles agencyIds language } }",
                json!({ "id": citizen_id }),
                "citizenAccess",
            )
            .await?;
        if value.is_null() {
            return Ok(None);
        }
        serde_json::from_value(value)
            .map(Some)
            .map_err(|_| SignInError::Unauthenticated("sign-in is unavailable right now".into()))
    }

    async fn call(
        &self,
        keys: &KeyRing,
        query: &str,
        variables: Value,
        field: &str,
    ) -> Result<Value, SignInError> {
        let url = (self.url)()
            .ok_or_else(|| SignInError::Config("the supergraph has no citizen subgraph".into()))?;
        let service = Identity {
            sub: "gateway".into(),
            roles: vec![Role::Service],
            agencies: Vec::new(),
        };
        let token = identity_token(keys, &service)?;
        let variables = match variables {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let response = self
            .transport
            .call(
                CITIZEN_SUBGRAPH,
                &url,
                query,
                variables,
                None,
                Some(&token),
                Language::En,
                false,
            )
            .await
            .map_err(|error| {
                tracing::warn!(%error, "citizen subgraph call failed during sign-in");
                SignInError::Unauthenticated("sign-in is unavailable right now; try again".into())
            })?;
        if let Some(error) = response.errors.first() {
            let code = error
                .extensions
                .as_ref()
                .and_then(|e| e.get("code"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            return Err(match code {
                // The citizen subgraph logged the details.
                "PERSONAL_DATA_KEY_MISMATCH" => SignInError::PersonalDataKeyMismatch,
                "BAD_USER_INPUT" => SignInError::SignIn {
                    code: "INVALID_ID_TOKEN",
                    message: format!(
                        "the identity provider's claims are not valid: {}",
                        error.message
                    ),
                },
                _ => {
                    tracing::warn!(code, "citizen subgraph refused an internal call");
                    SignInError::Unauthenticated(
                        "sign-in is unavailable right now; try again".into(),
                    )
                }
            });
        }
        Ok(response
            .data
            .as_ref()
            .and_then(|d| d.get(field))
            .cloned()
            .unwrap_or(Value::Null))
    }
}
