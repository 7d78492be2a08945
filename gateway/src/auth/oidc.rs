//! The OpenID Connect client for VNeID (`openidconnect`): discovery (cached),
//! the authorization URL with PKCE (S256), `state` and `nonce`, the code
//! exchange and every ID-token check: signature by the provider's JWKS
//! (refetched, throttled, when a token names an unknown key or its
//! signature fails: providers may put new key material under an old `kid`),
//! issuer, audience, expiry and issue time with a small leeway, nonce.
//! Userinfo fills claims the ID token lacks.
//!
//! Written for any certified provider, not only VNeID: the issuer is
//! compared exactly as published (a trailing slash counts), the client
//! authenticates by a method the provider's discovery lists (a secret, or
//! `private_key_jwt` when a key is configured), claims are read
//! leniently where the specification's readers commonly are (booleans as
//! `"true"`, `personal_id` as a number) and a claim that cannot be read is
//! named, and refusals of the gateway's own client are logged as the
//! configuration faults they are.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType,
    CoreClientAuthMethod, CoreErrorResponseType, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreSubjectIdentifierType, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthType, AuthorizationCode, Client, ClientId,
    ClientSecret, CsrfToken, DiscoveryError, EmptyExtraTokenFields, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdTokenClaims, IdTokenFields, IssuerUrl, JsonWebKeySet, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata, RedirectUrl,
    RequestTokenError, Scope, StandardErrorResponse, StandardTokenResponse, UserInfoClaims,
    UserInfoError,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use tokio::sync::Mutex;

use super::client_key::ClientKey;
use crate::config::Secret;
use crate::error::{SignInError, StartupError};

/// Claims VNeID adds to the standard ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VneidClaims {
    /// The 12-digit personal identification number; some providers send it
    /// as a JSON number, which loses its leading zeros (restored here).
    #[serde(default, deserialize_with = "lenient_personal_id")]
    pub personal_id: Option<String>,
}

impl AdditionalClaims for VneidClaims {}

/// Digits in a personal identification number.
const PERSONAL_ID_DIGITS: usize = 12;

/// `personal_id` as a string, or as a number of at most 12 digits.
fn lenient_personal_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::de::Error;
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(value) => personal_id_of(&value).map(Some).ok_or_else(|| {
            D::Error::custom("`personal_id` is neither a string nor a 12-digit number")
        }),
    }
}

fn personal_id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(number) => number
            .as_u64()
            .map(|n| format!("{n:0width$}", width = PERSONAL_ID_DIGITS))
            .filter(|text| text.len() == PERSONAL_ID_DIGITS),
        _ => None,
    }
}

/// Discovery fields the core metadata lacks: RP-initiated logout.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LogoutMetadata {
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
}

impl AdditionalProviderMetadata for LogoutMetadata {}

type VneidMetadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type IdFields = IdTokenFields<
    VneidClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponse = StandardTokenResponse<IdFields, CoreTokenType>;
type VneidClient = Client<
    VneidClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Clock difference tolerated with the provider.
const LEEWAY: chrono::Duration = chrono::Duration::seconds(30);
/// How long discovery (and the JWKS it carries) is reused.
const DISCOVERY_TTL: Duration = Duration::from_secs(3600);
/// An unknown `kid` refetches the JWKS at most this often.
const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(10);

/// One client registered at the provider.
#[derive(Debug, Clone)]
pub struct OidcClient {
    pub client_id: String,
    /// None for public clients (the mobile app), which rely on PKCE.
    pub client_secret: Option<Secret>,
    /// The web client's key for `private_key_jwt`, used when the provider
    /// lists that method.
    pub assertion_key: Option<Arc<ClientKey>>,
}

/// RFC 7523 2.2: a JWT as client authentication.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// What a successful sign-in at the provider tells us about the citizen.
#[derive(Clone)]
pub struct VerifiedCitizen {
    pub subject: String,
    pub personal_id: String,
    pub full_name: String,
    pub birthdate: Option<String>,
    pub gender: Option<String>,
    pub phone_number: Option<String>,
    pub email: Option<String>,
    /// The ID token as the provider sent it: the web session keeps it
    /// (sealed) for `id_token_hint` at logout.
    pub id_token: String,
}

/// A web sign-in in progress: what the callback must check.
pub struct PendingSignIn {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

pub struct Vneid {
    issuer: IssuerUrl,
    http: reqwest::Client,
    scopes: Vec<String>,
    metadata: Mutex<Option<(Arc<VneidMetadata>, Instant)>>,
    last_jwks_fetch: Mutex<Option<Instant>>,
}

impl Vneid {
    pub fn new(issuer: &str, scopes: Vec<String>) -> Result<Self, StartupError> {
        // Exactly as configured: the provider's `iss` must equal it, and a
        // trailing slash is part of an issuer (OpenID Connect Discovery 4.3).
        let issuer = IssuerUrl::new(issuer.trim().to_string())
            .map_err(|e| StartupError::Config(format!("VNEID_ISSUER is not a URL: {e}")))?;
        // No redirects: a provider endpoint that redirects is refused rather
        // than followed (SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| StartupError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            issuer,
            http,
            scopes,
            metadata: Mutex::new(None),
            last_jwks_fetch: Mutex::new(None),
        })
    }

    async fn metadata(&self) -> Result<Arc<VneidMetadata>, SignInError> {
        let mut cached = self.metadata.lock().await;
        if let Some((metadata, at)) = cached.as_ref() {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(metadata.clone());
            }
        }
        let metadata = VneidMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| match e {
                DiscoveryError::Validation(why) => {
                    tracing::error!(
                        configured = %self.issuer.as_str(),
                        problem = %why,
                        "VNeID discovery does not fit VNEID_ISSUER: set it exactly as the \
                         provider publishes its issuer (a trailing slash counts)"
                    );
                    SignInError::SignInMisconfigured
                }
                other => {
                    tracing::warn!(error = %other, "VNeID discovery failed");
                    SignInError::ProviderUnavailable
                }
            })?;
        let metadata = Arc::new(metadata);
        *cached = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    /// Fetches the JWKS again after a token named an unknown key or failed
    /// its signature; true when the keys changed. At most once per
    /// [`JWKS_REFETCH_INTERVAL`], so forged tokens cannot make us hammer
    /// the provider.
    async fn refresh_jwks(&self) -> bool {
        {
            let mut last = self.last_jwks_fetch.lock().await;
            if last.is_some_and(|at| at.elapsed() < JWKS_REFETCH_INTERVAL) {
                return false;
            }
            *last = Some(Instant::now());
        }
        let Ok(metadata) = self.metadata().await else {
            return false;
        };
        let jwks = match JsonWebKeySet::fetch_async(metadata.jwks_uri(), &self.http).await {
            Ok(jwks) => jwks,
            Err(error) => {
                tracing::warn!(%error, "cannot refetch the VNeID JWKS");
                return false;
            }
        };
        let changed =
            serde_json::to_value(&jwks).ok() != serde_json::to_value(metadata.jwks()).ok();
        let updated = Arc::new((*metadata).clone().set_jwks(jwks));
        *self.metadata.lock().await = Some((updated, Instant::now()));
        changed
    }

    fn client(
        metadata: &VneidMetadata,
        client: &OidcClient,
        redirect_uri: &str,
    ) -> Result<VneidClient, SignInError> {
        let redirect =
            RedirectUrl::new(redirect_uri.to_string()).map_err(|_| SignInError::SignIn {
                code: "INVALID_REQUEST",
                message: "redirect_uri is not a URL".into(),
            })?;
        let (secret, auth_type) = match token_auth(metadata, client) {
            // The assertion goes in the form, beside client_id.
            TokenAuth::PrivateKeyJwt(_) => (None, AuthType::RequestBody),
            TokenAuth::Secret(auth_type) => (
                client
                    .client_secret
                    .as_ref()
                    .map(|secret| ClientSecret::new(secret.expose().to_string())),
                auth_type,
            ),
        };
        Ok(VneidClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(client.client_id.clone()),
            secret,
        )
        .set_auth_type(auth_type)
        .set_redirect_uri(redirect))
    }

    /// The provider's RP-initiated logout URL for the web client (with the
    /// session's ID token as `id_token_hint` when it has one), when its
    /// discovery publishes an `end_session_endpoint`; None otherwise (or
    /// when discovery fails: logging out here must not depend on it).
    pub async fn end_session_url(
        &self,
        client: &OidcClient,
        post_logout_redirect_uri: &str,
        state: &str,
        id_token_hint: Option<&str>,
    ) -> Option<String> {
        let metadata = self.metadata().await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .as_deref()?;
        let mut url = openidconnect::url::Url::parse(endpoint)
            .inspect_err(|_| tracing::warn!("the provider's end_session_endpoint is not a URL"))
            .ok()?;
        url.query_pairs_mut()
            .append_pair("client_id", &client.client_id)
            .append_pair("post_logout_redirect_uri", post_logout_redirect_uri)
            .append_pair("state", state);
        if let Some(hint) = id_token_hint {
            url.query_pairs_mut().append_pair("id_token_hint", hint);
        }
        Some(url.to_string())
    }

    /// Where to send the browser, and what the callback must check.
    pub async fn begin(
        &self,
        client: &OidcClient,
        redirect_uri: &str,
    ) -> Result<PendingSignIn, SignInError> {
        let metadata = self.metadata().await?;
        let oidc = Self::client(&metadata, client, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = oidc.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in &self.scopes {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Ok(PendingSignIn {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges `code` for tokens and verifies the ID token. `nonce`: the
    /// one the sign-in started with (web), or the one the app sent (mobile;
    /// when the app sends none, an ID token must carry none either).
    pub async fn complete(
        &self,
        client: &OidcClient,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: Option<&str>,
    ) -> Result<VerifiedCitizen, SignInError> {
        let metadata = self.metadata().await?;
        let oidc = Self::client(&metadata, client, redirect_uri)?;
        let mut request = oidc
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|_| SignInError::ProviderUnavailable)?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()));
        if let TokenAuth::PrivateKeyJwt(key) = token_auth(&metadata, client) {
            let token_endpoint = metadata
                .token_endpoint()
                .ok_or(SignInError::ProviderStepFailed("token endpoint"))?;
            request = request
                .add_extra_param("client_assertion_type", JWT_BEARER)
                .add_extra_param(
                    "client_assertion",
                    key.assertion(&client.client_id, token_endpoint.as_str())?,
                );
        }
        let response = request
            .request_async(&self.http)
            .await
            .map_err(|e| token_error(e, &client.client_id))?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or_else(|| invalid_id_token("the provider sent no ID token"))?;
        check_algorithm(&id_token.to_string())?;
        let claims = match verify(&oidc, id_token, nonce) {
            Err(error) if is_key_problem(&error) => {
                let kid = key_id(&id_token.to_string());
                let changed = self.refresh_jwks().await;
                tracing::warn!(
                    kid = %kid,
                    keys_changed = changed,
                    "a VNeID ID token did not verify with the cached JWKS; refetched the JWKS \
                     (at most every {} s)",
                    JWKS_REFETCH_INTERVAL.as_secs()
                );
                if changed {
                    let metadata = self.metadata().await?;
                    let oidc = Self::client(&metadata, client, redirect_uri)?;
                    verify(&oidc, id_token, nonce)
                } else {
                    Err(error)
                }
            }
            other => other,
        }
        .map_err(|e| invalid_id_token(&describe(&e)))?;
        let mut citizen = VerifiedCitizen {
            id_token: id_token.to_string(),
            subject: claims.subject().to_string(),
            personal_id: claims
                .additional_claims()
                .personal_id
                .clone()
                .unwrap_or_default(),
            full_name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string())
                .unwrap_or_default(),
            birthdate: claims.birthdate().map(|b| b.to_string()),
            gender: claims.gender().map(|g| g.to_string()),
            phone_number: claims.phone_number().map(|p| p.to_string()),
            email: claims.email().map(|e| e.to_string()),
        };
        if metadata.userinfo_endpoint().is_some() {
            let filled = self
                .fill_from_userinfo(&oidc, response.access_token().clone(), claims, &mut citizen)
                .await;
            // Without the number or the name the sign-in cannot go on: then
            // the userinfo failure is the reason to report.
            if let Err(error) = filled {
                if citizen.personal_id.is_empty() || citizen.full_name.is_empty() {
                    return Err(error);
                }
            }
        }
        if citizen.personal_id.is_empty() {
            return Err(invalid_id_token(
                "the provider did not send the personal identification number (claim \
                 `personal_id`); it must release it under one of the scopes this service asks for",
            ));
        }
        if citizen.full_name.is_empty() {
            return Err(invalid_id_token(
                "the provider did not send the citizen's name (claim `name`)",
            ));
        }
        Ok(citizen)
    }

    /// Fills what the ID token lacks from userinfo; an error when userinfo
    /// cannot be read (the caller decides whether that matters).
    async fn fill_from_userinfo(
        &self,
        oidc: &VneidClient,
        access_token: openidconnect::AccessToken,
        id_claims: &IdTokenClaims<VneidClaims, CoreGenderClaim>,
        citizen: &mut VerifiedCitizen,
    ) -> Result<(), SignInError> {
        let request = oidc
            .user_info(access_token, Some(id_claims.subject().clone()))
            .map_err(|_| SignInError::ProviderStepFailed("userinfo endpoint"))?;
        let info: UserInfoClaims<VneidClaims, CoreGenderClaim> =
            match request.request_async(&self.http).await {
                Ok(info) => info,
                Err(UserInfoError::Parse(error)) => {
                    // The path names the claim; the message may quote a value.
                    let claim = error.path().to_string();
                    tracing::warn!(%claim, "VNeID userinfo claims cannot be read");
                    return Err(invalid_id_token(&format!(
                        "the provider's userinfo claims cannot be read (at `{claim}`)"
                    )));
                }
                Err(UserInfoError::ClaimsVerification(error)) => {
                    tracing::warn!(%error, "VNeID userinfo refused");
                    return Err(invalid_id_token(&format!(
                        "the provider's userinfo answer is not valid: {error}"
                    )));
                }
                Err(error) => {
                    tracing::warn!(%error, "VNeID userinfo failed");
                    return Err(SignInError::ProviderStepFailed("userinfo endpoint"));
                }
            };
        let fill = |slot: &mut Option<String>, value: Option<String>| {
            if slot.is_none() {
                *slot = value;
            }
        };
        fill(
            &mut citizen.phone_number,
            info.phone_number().map(|p| p.to_string()),
        );
        fill(&mut citizen.email, info.email().map(|e| e.to_string()));
        fill(
            &mut citizen.birthdate,
            info.birthdate().map(|b| b.to_string()),
        );
        fill(&mut citizen.gender, info.gender().map(|g| g.to_string()));
        if citizen.personal_id.is_empty() {
            citizen.personal_id = info
                .additional_claims()
                .personal_id
                .clone()
                .unwrap_or_default();
        }
        if citizen.full_name.is_empty() {
            if let Some(name) = info.name().and_then(|n| n.get(None)) {
                citizen.full_name = name.to_string();
            }
        }
        Ok(())
    }
}

/// How a client authenticates at the token endpoint.
enum TokenAuth<'k> {
    /// A client assertion signed with the configured key.
    PrivateKeyJwt(&'k ClientKey),
    /// The secret (or, for a public client, nothing) by HTTP Basic or in
    /// the form.
    Secret(AuthType),
}

/// `private_key_jwt` when the client has a key and discovery lists the
/// method; otherwise the secret by HTTP Basic when discovery lists
/// `client_secret_basic` or lists nothing (the specification's default),
/// in the form when it lists only `client_secret_post`.
fn token_auth<'k>(metadata: &VneidMetadata, client: &'k OidcClient) -> TokenAuth<'k> {
    let methods = metadata.token_endpoint_auth_methods_supported();
    let listed = |method: &CoreClientAuthMethod| methods.is_some_and(|m| m.contains(method));
    match &client.assertion_key {
        Some(key) if listed(&CoreClientAuthMethod::PrivateKeyJwt) => TokenAuth::PrivateKeyJwt(key),
        _ if !listed(&CoreClientAuthMethod::ClientSecretBasic)
            && listed(&CoreClientAuthMethod::ClientSecretPost) =>
        {
            TokenAuth::Secret(AuthType::RequestBody)
        }
        _ => TokenAuth::Secret(AuthType::BasicAuth),
    }
}

type TokenRequestError = RequestTokenError<
    openidconnect::HttpClientError<reqwest::Error>,
    StandardErrorResponse<CoreErrorResponseType>,
>;

/// A failed code exchange. Refusals of the gateway's own client are
/// configuration faults, logged for the operators; a refused code is the
/// citizen's (or app's) to retry; an unreadable claim is named.
fn token_error(error: TokenRequestError, client_id: &str) -> SignInError {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let error = response.error();
            // The provider's own words, never the code or a secret.
            tracing::warn!(
                client_id,
                error = %error,
                description = response.error_description().map(String::as_str).unwrap_or(""),
                "VNeID refused the token request"
            );
            match error {
                CoreErrorResponseType::InvalidClient
                | CoreErrorResponseType::UnauthorizedClient
                | CoreErrorResponseType::UnsupportedGrantType
                | CoreErrorResponseType::InvalidScope => SignInError::SignInMisconfigured,
                other => SignInError::SignIn {
                    code: "INVALID_GRANT",
                    message: format!("the identity provider refused the code: {other}"),
                },
            }
        }
        RequestTokenError::Parse(error, body) => match unreadable_id_token_claim(&body) {
            Some(claim) => {
                tracing::warn!(%claim, "a VNeID ID token claim cannot be read");
                invalid_id_token(&format!(
                    "the ID token's claim `{claim}` cannot be read as the specification types it"
                ))
            }
            None => {
                tracing::warn!(at = %error.path(), "VNeID token response cannot be read");
                SignInError::ProviderStepFailed("token endpoint")
            }
        },
        other => {
            tracing::warn!(error = %other, "VNeID token request failed");
            SignInError::ProviderUnavailable
        }
    }
}

/// The first claim of the token response's ID token that no lenient
/// reading accepts. Only to name it in the refusal: the token is refused
/// either way, unverified.
fn unreadable_id_token_claim(body: &[u8]) -> Option<String> {
    use base64::Engine;
    let response: Value = serde_json::from_slice(body).ok()?;
    let payload = response.get("id_token")?.as_str()?.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Map<String, Value> = serde_json::from_slice(&bytes).ok()?;
    claims
        .iter()
        .find(|(name, value)| !claim_readable(name, value))
        .map(|(name, _)| name.clone())
}

/// Whether a claim has a type the client library (with its lenient
/// features) and `personal_id` reading accept.
fn claim_readable(name: &str, value: &Value) -> bool {
    let strings = |v: &Value| v.as_array().is_some_and(|a| a.iter().all(Value::is_string));
    // Localized claims: `name#vi`.
    match name.split('#').next().unwrap_or(name) {
        "iss" | "sub" | "azp" | "nonce" | "at_hash" | "c_hash" | "acr" | "name" | "given_name"
        | "family_name" | "middle_name" | "nickname" | "preferred_username" | "profile"
        | "picture" | "website" | "email" | "gender" | "birthdate" | "zoneinfo" | "locale"
        | "phone_number" => value.is_string() || value.is_null(),
        "aud" => value.is_string() || strings(value),
        "amr" => strings(value) || value.is_null(),
        "exp" | "iat" | "auth_time" => value.is_number(),
        "updated_at" => value.is_number() || value.is_string() || value.is_null(),
        "email_verified" | "phone_number_verified" => {
            value.is_boolean()
                || value.is_null()
                || matches!(value.as_str(), Some("true" | "false"))
        }
        "address" => value.is_object() || value.is_null(),
        "personal_id" => value.is_null() || personal_id_of(value).is_some(),
        _ => true,
    }
}

/// The `kid` a JWT's header names ("" when none), for logs.
fn key_id(token: &str) -> String {
    use base64::Engine;
    token
        .split('.')
        .next()
        .and_then(|h| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .and_then(|header| header.get("kid")?.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn verify<'t>(
    oidc: &VneidClient,
    id_token: &'t openidconnect::IdToken<
        VneidClaims,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    nonce: Option<&str>,
) -> Result<&'t IdTokenClaims<VneidClaims, CoreGenderClaim>, openidconnect::ClaimsVerificationError>
{
    let now = Utc::now();
    let verifier = oidc
        .id_token_verifier()
        .set_allowed_algs([
            CoreJwsSigningAlgorithm::EdDsa,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        ])
        .set_time_fn(move || now - LEEWAY)
        .set_issue_time_verifier_fn(move |iat| {
            if iat > now + LEEWAY {
                Err("issued in the future".to_string())
            } else {
                Ok(())
            }
        });
    let expected = nonce.map(str::to_string);
    id_token.claims(&verifier, move |claimed: Option<&Nonce>| {
        match (expected.as_deref(), claimed.map(|n| n.secret().as_str())) {
            (Some(expected), Some(claimed)) if constant_time_eq(expected, claimed) => Ok(()),
            (None, None) => Ok(()),
            (Some(_), None) => Err("the ID token has no nonce".to_string()),
            _ => Err("the nonce does not match".to_string()),
        }
    })
}

/// Refuses unsigned tokens (`alg: none`) and algorithms outside the list
/// by name, before any signature work.
fn check_algorithm(token: &str) -> Result<(), SignInError> {
    use base64::Engine;
    let header = token
        .split('.')
        .next()
        .and_then(|h| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .ok_or_else(|| invalid_id_token("the ID token is not a JWT"))?;
    match header.get("alg").and_then(|a| a.as_str()) {
        Some("EdDSA" | "RS256" | "ES256") => Ok(()),
        Some(alg) => Err(invalid_id_token(&format!(
            "the ID token's signing algorithm `{alg}` is not accepted"
        ))),
        None => Err(invalid_id_token("the ID token names no signing algorithm")),
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signature failure the provider's current keys may cure: an unknown
/// `kid`, or a known `kid` whose key material has been replaced.
fn is_key_problem(error: &openidconnect::ClaimsVerificationError) -> bool {
    use openidconnect::SignatureVerificationError as S;
    matches!(
        error,
        openidconnect::ClaimsVerificationError::SignatureVerification(
            S::NoMatchingKey | S::AmbiguousKeyId(_) | S::CryptoError(_)
        )
    )
}

fn describe(error: &openidconnect::ClaimsVerificationError) -> String {
    use openidconnect::ClaimsVerificationError as E;
    match error {
        E::SignatureVerification(openidconnect::SignatureVerificationError::NoMatchingKey) => {
            "the ID token is signed by a key the provider does not publish".into()
        }
        E::SignatureVerification(openidconnect::SignatureVerificationError::DisallowedAlg(_))
        | E::SignatureVerification(openidconnect::SignatureVerificationError::UnsupportedAlg(_)) => {
            "the ID token's signing algorithm is not accepted".into()
        }
        E::SignatureVerification(_) => "the ID token's signature does not verify".into(),
        E::Expired(_) => "the ID token has expired".into(),
        E::InvalidAudience(_) => "the ID token was issued for another client".into(),
        E::InvalidIssuer(_) => "the ID token was issued by another provider".into(),
        E::InvalidNonce(why) => format!("nonce: {why}"),
        other => format!("the ID token is not valid: {other}"),
    }
}

fn invalid_id_token(message: &str) -> SignInError {
    SignInError::SignIn {
        code: "INVALID_ID_TOKEN",
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_ids_as_strings_or_numbers() {
        assert_eq!(
            personal_id_of(&json!("079090001234")).as_deref(),
            Some("079090001234")
        );
        assert_eq!(
            personal_id_of(&json!(79090001234u64)).as_deref(),
            Some("079090001234")
        );
        assert_eq!(personal_id_of(&json!(1234567890123u64)), None, "13 digits");
        assert_eq!(personal_id_of(&json!(-1)), None);
        assert_eq!(personal_id_of(&json!(1.5)), None);
        assert_eq!(personal_id_of(&json!({ "n": 1 })), None);
        let claims: VneidClaims = serde_json::from_value(json!({ "personal_id": 1234 })).unwrap();
        assert_eq!(claims.personal_id.as_deref(), Some("000000001234"));
        let claims: VneidClaims = serde_json::from_value(json!({})).unwrap();
        assert_eq!(claims.personal_id, None);
        assert!(serde_json::from_value::<VneidClaims>(json!({ "personal_id": [] })).is_err());
    }

    #[test]
    fn the_unreadable_claim_is_named() {
        use base64::Engine;
        let token = |claims: Value| {
            let b64 =
                |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
            let id_token = format!("{}.{}.sig", b64(&json!({ "alg": "EdDSA" })), b64(&claims));
            json!({ "access_token": "a", "id_token": id_token })
                .to_string()
                .into_bytes()
        };
        let fine = json!({ "iss": "x", "aud": ["c"], "exp": 1, "email_verified": "true",
            "personal_id": 79090001234u64, "updated_at": "2024-01-01T00:00:00Z", "name#vi": "A" });
        assert_eq!(unreadable_id_token_claim(&token(fine)), None);
        for (claim, value) in [
            ("email_verified", json!("maybe")),
            ("phone_number_verified", json!(1)),
            ("birthdate", json!(19900514)),
            ("name#vi", json!(["A"])),
            ("personal_id", json!({})),
            ("exp", json!("soon")),
        ] {
            let named = unreadable_id_token_claim(&token(json!({ "sub": "s", claim: value })));
            assert_eq!(named.as_deref(), Some(claim));
        }
        assert_eq!(unreadable_id_token_claim(b"not json"), None);
    }

    #[test]
    fn the_kid_of_a_token_header() {
        use base64::Engine;
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(json!({ "alg": "EdDSA", "kid": "k1" }).to_string());
        assert_eq!(key_id(&format!("{header}.e30.sig")), "k1");
        assert_eq!(key_id("garbage"), "");
    }
}
