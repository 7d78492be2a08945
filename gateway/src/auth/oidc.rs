//! The OpenID Connect client for VNeID (`openidconnect`): discovery (cached),
//! the authorization URL with PKCE (S256), `state` and `nonce`, the code
//! exchange and every ID-token check: signature by the provider's JWKS
//! (refetched once when a token names an unknown key), issuer, audience,
//! expiry and issue time with a small leeway, nonce. Userinfo fills claims
//! the ID token lacks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenClaims,
    IdTokenFields, IssuerUrl, JsonWebKeySet, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, StandardErrorResponse,
    StandardTokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::error::GatewayError;

/// Claims VNeID adds to the standard ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VneidClaims {
    /// The 12-digit personal identification number.
    #[serde(default)]
    pub personal_id: Option<String>,
}

impl AdditionalClaims for VneidClaims {}

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
    pub client_secret: Option<String>,
}

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
    metadata: Mutex<Option<(Arc<CoreProviderMetadata>, Instant)>>,
    last_jwks_fetch: Mutex<Option<Instant>>,
}

impl Vneid {
    pub fn new(issuer: &str, scopes: Vec<String>) -> Result<Self, GatewayError> {
        let issuer = IssuerUrl::new(issuer.trim_end_matches('/').to_string())
            .map_err(|e| GatewayError::Config(format!("VNEID_ISSUER is not a URL: {e}")))?;
        // No redirects: a provider endpoint that redirects is refused rather
        // than followed (SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| GatewayError::Config(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            issuer,
            http,
            scopes,
            metadata: Mutex::new(None),
            last_jwks_fetch: Mutex::new(None),
        })
    }

    async fn metadata(&self) -> Result<Arc<CoreProviderMetadata>, GatewayError> {
        let mut cached = self.metadata.lock().await;
        if let Some((metadata, at)) = cached.as_ref() {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(metadata.clone());
            }
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "VNeID discovery failed");
                GatewayError::ProviderUnavailable
            })?;
        let metadata = Arc::new(metadata);
        *cached = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    /// Fetches the JWKS again after a token named an unknown key; true when
    /// the keys changed.
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
        metadata: &CoreProviderMetadata,
        client: &OidcClient,
        redirect_uri: &str,
    ) -> Result<VneidClient, GatewayError> {
        let redirect =
            RedirectUrl::new(redirect_uri.to_string()).map_err(|_| GatewayError::SignIn {
                code: "INVALID_REQUEST",
                message: "redirect_uri is not a URL".into(),
            })?;
        Ok(VneidClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(client.client_id.clone()),
            client.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// Where to send the browser, and what the callback must check.
    pub async fn begin(
        &self,
        client: &OidcClient,
        redirect_uri: &str,
    ) -> Result<PendingSignIn, GatewayError> {
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
    ) -> Result<VerifiedCitizen, GatewayError> {
        let metadata = self.metadata().await?;
        let oidc = Self::client(&metadata, client, redirect_uri)?;
        let response = oidc
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|_| GatewayError::ProviderUnavailable)?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(response) => GatewayError::SignIn {
                    code: "INVALID_GRANT",
                    message: format!(
                        "the identity provider refused the code: {}",
                        response.error()
                    ),
                },
                other => {
                    tracing::warn!(error = %other, "VNeID token request failed");
                    GatewayError::ProviderUnavailable
                }
            })?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or_else(|| invalid_id_token("the provider sent no ID token"))?;
        check_algorithm(&id_token.to_string())?;
        let claims = match verify(&oidc, id_token, nonce) {
            Err(error) if is_unknown_key(&error) && self.refresh_jwks().await => {
                let metadata = self.metadata().await?;
                let oidc = Self::client(&metadata, client, redirect_uri)?;
                verify(&oidc, id_token, nonce)
            }
            other => other,
        }
        .map_err(|e| invalid_id_token(&describe(&e)))?;
        let mut citizen = VerifiedCitizen {
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
            self.fill_from_userinfo(&oidc, response.access_token().clone(), claims, &mut citizen)
                .await;
        }
        if citizen.personal_id.is_empty() || citizen.full_name.is_empty() {
            return Err(invalid_id_token(
                "the provider did not send the personal identification number and name",
            ));
        }
        Ok(citizen)
    }

    async fn fill_from_userinfo(
        &self,
        oidc: &VneidClient,
        access_token: openidconnect::AccessToken,
        id_claims: &IdTokenClaims<VneidClaims, CoreGenderClaim>,
        citizen: &mut VerifiedCitizen,
    ) {
        let request = match oidc.user_info(access_token, Some(id_claims.subject().clone())) {
            Ok(request) => request,
            Err(_) => return,
        };
        let info: UserInfoClaims<VneidClaims, CoreGenderClaim> =
            match request.request_async(&self.http).await {
                Ok(info) => info,
                Err(error) => {
                    tracing::warn!(%error, "VNeID userinfo failed; using the ID token's claims");
                    return;
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
    }
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
fn check_algorithm(token: &str) -> Result<(), GatewayError> {
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

fn is_unknown_key(error: &openidconnect::ClaimsVerificationError) -> bool {
    matches!(
        error,
        openidconnect::ClaimsVerificationError::SignatureVerification(
            openidconnect::SignatureVerificationError::NoMatchingKey
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

fn invalid_id_token(message: &str) -> GatewayError {
    GatewayError::SignIn {
        code: "INVALID_ID_TOKEN",
        message: message.to_string(),
    }
}
