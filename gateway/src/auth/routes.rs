//! The sign-in endpoints.
//! - Web: `GET /auth/login` redirects to VNeID; `GET /auth/callback` checks
//!   `state` against the browser's cookie, finishes the exchange and sets
//!   the session cookie.
//! - Mobile: the app runs PKCE in the system browser and posts `code`,
//!   `code_verifier` and `redirect_uri` to `POST /auth/token`.
//! - `POST /auth/refresh`, `POST /auth/logout` (with `?returnTo=` from a
//!   browser: on through the provider's `end_session_endpoint`),
//!   `GET /auth/logged-out`, `GET /.well-known/jwks.json`.
//! - Admins: `GET`/`POST /admin/api-keys`, `DELETE /admin/api-keys/{id}`.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use chrono::Utc;
use congdan_common::language::Language;
use congdan_contracts::identity::{Identity, Role};
use entity::gateway::auth_request;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::Deserialize;
use serde_json::json;

use super::api_keys::NewApiKey;
use super::citizen::CitizenClient;
use super::sessions::{sha256_hex, Sessions};
use super::{bearer_token, cookie, Auth, SESSION_COOKIE, STATE_COOKIE};
use crate::error::SignInError;

/// How long a web sign-in may take at the provider.
const SIGN_IN_WINDOW: Duration = Duration::from_secs(600);

#[derive(Clone)]
pub struct AuthState {
    pub auth: Arc<Auth>,
    pub citizen: CitizenClient,
}

pub fn router(state: AuthState) -> Router {
    Router::new()
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/token", post(token))
        .route("/auth/refresh", post(refresh))
        .route("/auth/logout", post(logout))
        .route("/auth/logged-out", get(logged_out))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/admin/api-keys", get(list_api_keys).post(create_api_key))
        .route("/admin/api-keys/{id}", delete(revoke_api_key))
        .with_state(state)
}

/// An error of these endpoints: status, `WWW-Authenticate` for 401s, and
/// `{"error": {"code", "message"}}`, the message in the language the
/// request's `Accept-Language` prefers (Vietnamese by default).
pub fn error_response(error: SignInError, headers: &HeaderMap) -> Response {
    let status = error.status();
    let language = Language::from_accept_language(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let mut response = (
        status,
        Json(json!({ "error": { "code": error.code(), "message": error.message(language) } })),
    )
        .into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer error=\"invalid_token\""),
        );
    }
    if let SignInError::RateLimited {
        retry_after_secs, ..
    } = error
    {
        if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
    }
    response
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn set_cookie(
    response: &mut Response,
    auth: &Auth,
    name: &str,
    value: &str,
    path: &str,
    max_age: Duration,
) {
    let secure = if auth.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let text = format!(
        "{name}={value}; Path={path}; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        max_age.as_secs()
    );
    if let Ok(value) = HeaderValue::from_str(&text) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LoginParams {
    return_to: Option<String>,
}

/// Only paths on this site: never an open redirect. The text is read as a
/// browser reads a `Location` (tabs and newlines dropped, backslashes taken
/// for slashes, dot segments resolved) against a stand-in origin; anything
/// that leaves that origin, or whose path would start with `//`, gives `/`.
fn safe_return_to(text: Option<String>) -> String {
    const ORIGIN: &str = "https://gateway.invalid/";
    let Some(text) = text.filter(|t| t.len() <= 512 && t.starts_with('/')) else {
        return "/".into();
    };
    let Ok(base) = openidconnect::url::Url::parse(ORIGIN) else {
        return "/".into();
    };
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .map(|c| if c == '\\' { '/' } else { c })
        .collect();
    match base.join(&cleaned) {
        Ok(url) if url.origin() == base.origin() => {
            let path = &url[openidconnect::url::Position::BeforePath..];
            if path.starts_with("//") || path.chars().any(|c| c.is_control()) {
                "/".into()
            } else {
                path.to_string()
            }
        }
        _ => "/".into(),
    }
}

async fn login(
    State(state): State<AuthState>,
    headers: HeaderMap,
    params: Result<Query<LoginParams>, QueryRejection>,
) -> Response {
    let auth = &state.auth;
    let return_to = safe_return_to(params.ok().and_then(|Query(p)| p.return_to));
    let result = async {
        let pending = auth
            .vneid
            .begin(&auth.config.web_client, &auth.config.web_redirect_uri)
            .await?;
        auth_request::ActiveModel {
            state_hash: Set(sha256_hex(&pending.state)),
            nonce: Set(pending.nonce.clone()),
            pkce_verifier: Set(pending.pkce_verifier.clone()),
            return_to: Set(return_to),
            expires_at: Set(
                Utc::now() + chrono::Duration::from_std(SIGN_IN_WINDOW).unwrap_or_default()
            ),
        }
        .insert(&auth.db)
        .await?;
        Ok::<_, SignInError>(pending)
    }
    .await;
    match result {
        Ok(pending) => {
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&pending.url) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            set_cookie(
                &mut response,
                auth,
                STATE_COOKIE,
                &pending.state,
                "/auth",
                SIGN_IN_WINDOW,
            );
            no_store(response)
        }
        Err(error) => error_response(error, &headers),
    }
}

#[derive(Deserialize)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `path` with `error=CODE` added to its query (before any fragment).
fn with_error(path: &str, code: &str) -> String {
    let (path, fragment) = match path.split_once('#') {
        Some((path, fragment)) => (path, format!("#{fragment}")),
        None => (path, String::new()),
    };
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}error={code}{fragment}")
}

/// The browser comes back from the provider. A callback that does not
/// belong to a sign-in this browser began gets a 400; once it does, every
/// outcome goes back to `returnTo` (with `error=CODE` when it failed) and
/// clears the state cookie.
async fn callback(
    State(state): State<AuthState>,
    headers: HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Response {
    let auth = &state.auth;
    let request = match begun_sign_in(auth, &headers, params).await {
        Ok(request) => request,
        Err(error) => return no_store(error_response(error, &headers)),
    };
    let (request, params) = request;
    let result = finish_sign_in(&state, &request, params).await;
    let location = match &result {
        Ok(_) => request.return_to.clone(),
        Err(error) => {
            tracing::info!(code = error.code(), "web sign-in ended without a session");
            with_error(&request.return_to, error.code())
        }
    };
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if let Ok((session, ttl)) = result {
        set_cookie(&mut response, auth, SESSION_COOKIE, &session, "/", ttl);
    }
    set_cookie(
        &mut response,
        auth,
        STATE_COOKIE,
        "",
        "/auth",
        Duration::ZERO,
    );
    no_store(response)
}

/// The sign-in this callback finishes, taken out (single use), with the
/// callback's parameters.
async fn begun_sign_in(
    auth: &Auth,
    headers: &HeaderMap,
    params: Result<Query<CallbackParams>, QueryRejection>,
) -> Result<(auth_request::Model, CallbackParams), SignInError> {
    let Ok(Query(params)) = params else {
        return Err(SignInError::SignIn {
            code: "INVALID_REQUEST",
            message: "the callback's query string is malformed".into(),
        });
    };
    let returned_state = params.state.clone().ok_or_else(|| SignInError::SignIn {
        code: "INVALID_STATE",
        message: "the callback has no state".into(),
    })?;
    // The browser that began this sign-in must be the one finishing it.
    let expected = cookie(headers, STATE_COOKIE).unwrap_or_default();
    if expected.is_empty() || sha256_hex(&expected) != sha256_hex(&returned_state) {
        return Err(SignInError::SignIn {
            code: "INVALID_STATE",
            message: "the sign-in state does not match this browser's; start again".into(),
        });
    }
    // Single use: taken out before anything else can fail.
    let request = auth_request::Entity::find_by_id(sha256_hex(&returned_state))
        .one(&auth.db)
        .await?;
    auth_request::Entity::delete_by_id(sha256_hex(&returned_state))
        .exec(&auth.db)
        .await?;
    let request = request
        .filter(|r| r.expires_at > Utc::now())
        .ok_or_else(|| SignInError::SignIn {
            code: "INVALID_STATE",
            message: "this sign-in is unknown, used or expired; start again".into(),
        })?;
    Ok((request, params))
}

/// The provider's answer to a sign-in this browser began: its refusal, or
/// the code exchanged for a session (cookie value, lifetime).
async fn finish_sign_in(
    state: &AuthState,
    request: &auth_request::Model,
    params: CallbackParams,
) -> Result<(String, Duration), SignInError> {
    let auth = &state.auth;
    if let Some(error) = params.error {
        return Err(provider_refusal(
            &error,
            params.error_description.as_deref(),
        ));
    }
    let code = params.code.ok_or_else(|| SignInError::SignIn {
        code: "INVALID_REQUEST",
        message: "the callback has no code".into(),
    })?;
    let verified = auth
        .vneid
        .complete(
            &auth.config.web_client,
            &auth.config.web_redirect_uri,
            &code,
            &request.pkce_verifier,
            Some(&request.nonce),
        )
        .await?;
    let access = state.citizen.sign_in(&auth.keys, &verified).await?;
    let (session, ttl) = auth
        .sessions
        .start_web(&access.citizen_id, &verified.id_token)
        .await?;
    tracing::info!("web sign-in completed");
    Ok((session, ttl))
}

/// An authorization error the provider sent back (RFC 6749 4.1.2.1,
/// OpenID Connect Core 3.1.2.6): the citizen's choice, the provider's
/// trouble, or a request the provider finds wrong (the gateway's settings).
fn provider_refusal(error: &str, description: Option<&str>) -> SignInError {
    let description = description.unwrap_or_default();
    match error {
        "access_denied"
        | "consent_required"
        | "login_required"
        | "interaction_required"
        | "account_selection_required" => {
            tracing::info!(error, "the citizen did not complete sign-in at VNeID");
            SignInError::SignIn {
                code: "ACCESS_DENIED",
                message: format!("the identity provider answered `{error}`"),
            }
        }
        "server_error" | "temporarily_unavailable" => {
            tracing::warn!(error, description, "VNeID could not serve a sign-in");
            SignInError::ProviderStepFailed("authorization endpoint")
        }
        _ => {
            tracing::warn!(error, description, "VNeID refused the sign-in request");
            SignInError::SignInMisconfigured
        }
    }
}

/// JSON or form-encoded body fields, as OAuth clients send either.
fn body_fields<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, SignInError> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let parsed = if form {
        serde_urlencoded::from_bytes(body).map_err(|e| e.to_string())
    } else {
        serde_json::from_slice(body).map_err(|e| e.to_string())
    };
    parsed.map_err(|e| SignInError::SignIn {
        code: "INVALID_REQUEST",
        message: format!("the request body is not valid: {e}"),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    #[serde(default)]
    grant_type: Option<String>,
    code: String,
    code_verifier: String,
    redirect_uri: String,
    #[serde(default)]
    nonce: Option<String>,
}

async fn token(State(state): State<AuthState>, headers: HeaderMap, body: Bytes) -> Response {
    let auth = &state.auth;
    let result = async {
        let request: TokenRequest = body_fields(&headers, &body)?;
        if request
            .grant_type
            .as_deref()
            .is_some_and(|g| g != "authorization_code")
        {
            return Err(SignInError::SignIn {
                code: "UNSUPPORTED_GRANT_TYPE",
                message: "only authorization_code is accepted here; refresh at /auth/refresh"
                    .into(),
            });
        }
        if !auth
            .config
            .mobile_redirect_uris
            .contains(&request.redirect_uri)
        {
            return Err(SignInError::SignIn {
                code: "INVALID_REQUEST",
                message: "redirect_uri is not one of the app's registered URIs".into(),
            });
        }
        let verifier_ok = (43..=128).contains(&request.code_verifier.len())
            && request
                .code_verifier
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
        if !verifier_ok {
            return Err(SignInError::SignIn {
                code: "INVALID_REQUEST",
                message: "code_verifier must be 43 to 128 unreserved characters (RFC 7636)".into(),
            });
        }
        let verified = auth
            .vneid
            .complete(
                &auth.config.mobile_client,
                &request.redirect_uri,
                &request.code,
                &request.code_verifier,
                request.nonce.as_deref(),
            )
            .await?;
        let access = state.citizen.sign_in(&auth.keys, &verified).await?;
        let tokens = auth.sessions.start_mobile(&auth.keys, &access).await?;
        tracing::info!("mobile sign-in completed");
        Ok(tokens)
    }
    .await;
    match result {
        Ok(tokens) => no_store(Json(tokens).into_response()),
        Err(error) => no_store(error_response(error, &headers)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefreshRequest {
    #[serde(default)]
    grant_type: Option<String>,
    refresh_token: String,
}

async fn refresh(State(state): State<AuthState>, headers: HeaderMap, body: Bytes) -> Response {
    let auth = &state.auth;
    let result = async {
        let request: RefreshRequest = body_fields(&headers, &body)?;
        if request
            .grant_type
            .as_deref()
            .is_some_and(|g| g != "refresh_token")
        {
            return Err(SignInError::SignIn {
                code: "UNSUPPORTED_GRANT_TYPE",
                message: "only refresh_token is accepted here".into(),
            });
        }
        let citizen = state.citizen.clone();
        let keys = auth.keys.clone();
        auth.sessions
            .refresh(
                &auth.keys,
                &request.refresh_token,
                |citizen_id| async move { citizen.access(&keys, &citizen_id).await },
            )
            .await
    }
    .await;
    match result {
        Ok(tokens) => no_store(Json(tokens).into_response()),
        Err(error) => no_store(error_response(error, &headers)),
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct LogoutRequest {
    #[serde(default)]
    refresh_token: Option<String>,
}

/// Ends the session of the bearer token, of the refresh token in the body,
/// or of the session cookie. With `?returnTo=/path` (a browser's logout
/// form) the answer is a redirect: through the provider's
/// `end_session_endpoint` when it publishes one (RP-initiated logout, so
/// the citizen is signed out there too, with the web session's ID token as
/// `id_token_hint`), straight to the path otherwise.
async fn logout(
    State(state): State<AuthState>,
    headers: HeaderMap,
    params: Result<Query<LoginParams>, QueryRejection>,
    body: Bytes,
) -> Response {
    let auth = &state.auth;
    let return_to = params
        .ok()
        .and_then(|Query(p)| p.return_to)
        .map(|path| safe_return_to(Some(path)));
    let result = async {
        let request: LogoutRequest = if body.is_empty() {
            LogoutRequest::default()
        } else {
            body_fields(&headers, &body)?
        };
        // (the session, the ID token a web session keeps for the provider)
        let (session, hint) = if let Some(value) = headers.get(header::AUTHORIZATION) {
            let claims = auth
                .sessions
                .verify_access(&auth.keys, bearer_token(value)?)
                .await?;
            (Some(claims.sid), None)
        } else if let Some(refresh) = request.refresh_token {
            (auth.sessions.session_of_refresh(&refresh).await?, None)
        } else if let Some(cookie) = cookie(&headers, SESSION_COOKIE) {
            match auth.sessions.from_cookie(&cookie).await? {
                Some(session) => {
                    let hint = Sessions::id_token_hint(&session, &cookie);
                    (Some(session.id), hint)
                }
                None => (None, None),
            }
        } else {
            (None, None)
        };
        let session =
            session.ok_or_else(|| SignInError::Unauthenticated("no session to end".into()))?;
        auth.sessions.revoke(&session, "logout").await?;
        Ok(hint)
    }
    .await;
    match (result, return_to) {
        (Ok(_), None) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            set_cookie(&mut response, auth, SESSION_COOKIE, "", "/", Duration::ZERO);
            response
        }
        (Ok(hint), Some(return_to)) => {
            let location = auth
                .vneid
                .end_session_url(
                    &auth.config.web_client,
                    &auth.config.post_logout_redirect_uri,
                    &return_to,
                    hint.as_deref(),
                )
                .await
                .unwrap_or(return_to);
            let mut response = StatusCode::SEE_OTHER.into_response();
            if let Ok(location) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, location);
            }
            set_cookie(&mut response, auth, SESSION_COOKIE, "", "/", Duration::ZERO);
            no_store(response)
        }
        (Err(error), _) => error_response(error, &headers),
    }
}

#[derive(Deserialize)]
struct LoggedOutParams {
    state: Option<String>,
}

/// Where the provider sends the browser after RP-initiated logout; `state`
/// carries the path to go back to (a path on this site only).
async fn logged_out(params: Result<Query<LoggedOutParams>, QueryRejection>) -> Response {
    let path = safe_return_to(params.ok().and_then(|Query(p)| p.state));
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(location) = HeaderValue::from_str(&path) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    no_store(response)
}

async fn jwks(State(state): State<AuthState>) -> Response {
    let mut response = Json(state.auth.keys.jwks()).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    response
}

/// The caller when it is an admin.
async fn admin(state: &AuthState, headers: &HeaderMap) -> Result<Identity, SignInError> {
    let caller = state.auth.caller(headers, &state.citizen).await?;
    let identity = caller
        .identity
        .ok_or_else(|| SignInError::Unauthenticated("sign in as an admin".into()))?;
    if !identity.has_role(Role::Admin) {
        return Err(SignInError::Forbidden("only admins manage API keys".into()));
    }
    Ok(identity)
}

async fn list_api_keys(State(state): State<AuthState>, headers: HeaderMap) -> Response {
    let result = async {
        admin(&state, &headers).await?;
        state.auth.api_keys.list().await
    }
    .await;
    match result {
        Ok(keys) => Json(json!({ "apiKeys": keys })).into_response(),
        Err(error) => error_response(error, &headers),
    }
}

async fn create_api_key(
    State(state): State<AuthState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = async {
        let admin = admin(&state, &headers).await?;
        let request: NewApiKey = serde_json::from_slice(&body).map_err(|e| {
            SignInError::BadUserInput(format!("the request body is not valid: {e}"))
        })?;
        state.auth.api_keys.create(request, &admin.sub).await
    }
    .await;
    match result {
        Ok((info, key)) => no_store(
            (
                StatusCode::CREATED,
                Json(json!({ "apiKey": info, "key": key })),
            )
                .into_response(),
        ),
        Err(error) => error_response(error, &headers),
    }
}

async fn revoke_api_key(
    State(state): State<AuthState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        admin(&state, &headers).await?;
        state.auth.api_keys.revoke(&id).await
    }
    .await;
    match result {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error_response(error, &headers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_go_into_the_query_of_return_to() {
        assert_eq!(with_error("/", "ACCESS_DENIED"), "/?error=ACCESS_DENIED");
        assert_eq!(with_error("/a?b=1", "X"), "/a?b=1&error=X");
        assert_eq!(with_error("/a#top", "X"), "/a?error=X#top");
        assert_eq!(with_error("/a?b=1#top", "X"), "/a?b=1&error=X#top");
    }
}
