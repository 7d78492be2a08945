//! The authorization code flow with PKCE: discovery, the authorize page,
//! the token endpoint (client secrets, or `private_key_jwt` client
//! assertions), userinfo and (as an option) RP-initiated logout.

use std::sync::Arc;

use axum::extract::{Form, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::Utc;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::citizens::{TestCitizen, TEST_CITIZENS};
use crate::{Provider, RegisteredClient};

/// How long an authorization code may wait for the token request.
const CODE_LIFETIME_SECS: i64 = 60;

pub struct PendingCode {
    client_id: String,
    redirect_uri: String,
    nonce: Option<String>,
    code_challenge: String,
    citizen: &'static TestCitizen,
    expires_at: i64,
}

pub struct IssuedAccess {
    citizen: &'static TestCitizen,
    expires_at: i64,
}

pub async fn discovery(State(provider): State<Arc<Provider>>) -> Json<Value> {
    let base = provider.base_url();
    let options = &provider.config.options;
    let mut document = json!({
        "issuer": provider.issuer(),
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [provider.signer.read().unwrap_or_else(|e| e.into_inner()).alg().name()],
        "scopes_supported": ["openid", "profile", "email", "phone"],
        "token_endpoint_auth_methods_supported": options.token_auth_methods(),
        "code_challenge_methods_supported": ["S256"],
        "grant_types_supported": ["authorization_code"],
        "claims_supported": ["sub", "name", "birthdate", "gender", "personal_id", "phone_number", "email"],
    });
    if options
        .token_auth_methods()
        .iter()
        .any(|m| m == PRIVATE_KEY_JWT)
    {
        document["token_endpoint_auth_signing_alg_values_supported"] =
            json!(["EdDSA", "RS256", "ES256"]);
    }
    if options.end_session {
        document["end_session_endpoint"] = json!(format!("{base}/logout"));
    }
    Json(document)
}

pub async fn jwks(State(provider): State<Arc<Provider>>) -> Json<Value> {
    Json(provider.jwks())
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeParams {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    /// Only on the form post: the chosen test citizen's `sub`.
    citizen: Option<String>,
    /// Only on the form post: the citizen refused consent.
    deny: Option<String>,
}

/// Checked before anything is sent back to the client's redirect URI.
fn client_and_redirect<'p>(
    provider: &'p Provider,
    params: &AuthorizeParams,
) -> Result<(&'p RegisteredClient, String), &'static str> {
    let client_id = params.client_id.as_deref().ok_or("client_id is missing")?;
    let client = provider
        .config
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
        .ok_or("unknown client_id")?;
    let redirect_uri = params
        .redirect_uri
        .clone()
        .ok_or("redirect_uri is missing")?;
    if !client.redirect_uris.contains(&redirect_uri) {
        return Err("redirect_uri is not registered for this client");
    }
    Ok((client, redirect_uri))
}

/// Without a known client and redirect URI there is nowhere safe to send
/// the user back: the error is shown here.
fn bad_request(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!("<h1>Bad request</h1><p>{}</p>", html_escape(why))),
    )
        .into_response()
}

/// The rest of the request; errors go back to the client's redirect URI.
fn check_request(params: &AuthorizeParams) -> Result<(), (&'static str, &'static str)> {
    if params.response_type.as_deref() != Some("code") {
        return Err((
            "unsupported_response_type",
            "only response_type=code is supported",
        ));
    }
    if !params
        .scope
        .as_deref()
        .unwrap_or_default()
        .split(' ')
        .any(|s| s == "openid")
    {
        return Err(("invalid_scope", "the openid scope is required"));
    }
    if params.code_challenge.as_deref().is_none_or(str::is_empty)
        || params.code_challenge_method.as_deref() != Some("S256")
    {
        return Err((
            "invalid_request",
            "PKCE with code_challenge_method=S256 is required",
        ));
    }
    Ok(())
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let query: String = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{redirect_uri}{separator}{query}")).into_response()
}

fn error_redirect(
    redirect_uri: &str,
    state: Option<&str>,
    error: &str,
    description: &str,
) -> Response {
    let mut pairs = vec![("error", error), ("error_description", description)];
    if let Some(state) = state {
        pairs.push(("state", state));
    }
    redirect_with(redirect_uri, &pairs)
}

pub async fn authorize_page(
    State(provider): State<Arc<Provider>>,
    Query(params): Query<AuthorizeParams>,
) -> Response {
    let (_, redirect_uri) = match client_and_redirect(&provider, &params) {
        Ok(ok) => ok,
        Err(why) => return bad_request(why),
    };
    if let Err((error, description)) = check_request(&params) {
        return error_redirect(&redirect_uri, params.state.as_deref(), error, description);
    }
    let hidden: String = [
        ("response_type", &params.response_type),
        ("client_id", &params.client_id),
        ("redirect_uri", &params.redirect_uri),
        ("scope", &params.scope),
        ("state", &params.state),
        ("nonce", &params.nonce),
        ("code_challenge", &params.code_challenge),
        ("code_challenge_method", &params.code_challenge_method),
    ]
    .iter()
    .filter_map(|(name, value)| {
        value.as_deref().map(|v| {
            format!(
                r#"<input type="hidden" name="{name}" value="{}">"#,
                html_escape(v)
            )
        })
    })
    .collect();
    let choices: String = TEST_CITIZENS
        .iter()
        .map(|c| {
            format!(
                r#"<li><button name="citizen" value="{}">{} — sinh {}</button></li>"#,
                c.sub,
                html_escape(c.name),
                c.birthdate
            )
        })
        .collect();
    Html(format!(
        r#"<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>VNeID (phát triển)</title></head>
<body><h1>Đăng nhập VNeID — môi trường phát triển</h1>
<p>Chọn một công dân thử nghiệm:</p>
<form method="post" action="/authorize">{hidden}<ul>{choices}</ul>
<p><button name="deny" value="1">Từ chối chia sẻ thông tin</button></p></form></body></html>"#
    ))
    .into_response()
}

pub async fn authorize_choice(
    State(provider): State<Arc<Provider>>,
    Form(params): Form<AuthorizeParams>,
) -> Response {
    let (client, redirect_uri) = match client_and_redirect(&provider, &params) {
        Ok(ok) => ok,
        Err(why) => return bad_request(why),
    };
    if let Err((error, description)) = check_request(&params) {
        return error_redirect(&redirect_uri, params.state.as_deref(), error, description);
    }
    if params.deny.is_some() {
        return error_redirect(
            &redirect_uri,
            params.state.as_deref(),
            "access_denied",
            "the citizen refused consent",
        );
    }
    let Some(citizen) = params
        .citizen
        .as_deref()
        .and_then(|sub| TEST_CITIZENS.iter().find(|c| c.sub == sub))
    else {
        return error_redirect(
            &redirect_uri,
            params.state.as_deref(),
            "access_denied",
            "no citizen was chosen",
        );
    };
    let code = random_token();
    let pending = PendingCode {
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        nonce: params.nonce.clone(),
        code_challenge: params.code_challenge.clone().unwrap_or_default(),
        citizen,
        expires_at: Utc::now().timestamp() + CODE_LIFETIME_SECS,
    };
    provider
        .codes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(code.clone(), pending);
    let mut pairs = vec![("code", code.as_str())];
    if let Some(state) = params.state.as_deref() {
        pairs.push(("state", state));
    }
    redirect_with(&redirect_uri, &pairs)
}

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
}

const PRIVATE_KEY_JWT: &str = "private_key_jwt";
/// RFC 7523 2.2: a JWT as client authentication.
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How a client proves who it is at the token endpoint.
enum Proof {
    /// A secret (None: a public client, PKCE alone).
    Secret(Option<String>),
    /// A client assertion JWT, to verify with the client's registered keys.
    Assertion(String),
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

/// Client credentials from HTTP Basic, a client assertion or the form, and
/// the authentication method they came by.
fn client_credentials(
    headers: &HeaderMap,
    form: &TokenRequest,
) -> Option<(String, Proof, &'static str)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| STANDARD.decode(b64).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            Some((
                urldecode(id),
                Proof::Secret(Some(urldecode(secret))),
                "client_secret_basic",
            ))
        });
    let assertion = || {
        if form.client_assertion_type.as_deref() != Some(JWT_BEARER) {
            return None;
        }
        let assertion = form.client_assertion.clone()?;
        // The client is the assertion's issuer (client_id is optional).
        let client_id = form.client_id.clone().or_else(|| {
            let payload = assertion.split('.').nth(1)?;
            let claims: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
            claims["iss"].as_str().map(str::to_string)
        })?;
        Some((client_id, Proof::Assertion(assertion), PRIVATE_KEY_JWT))
    };
    basic.or_else(assertion).or_else(|| {
        form.client_id.clone().map(|id| match &form.client_secret {
            Some(secret) => (
                id,
                Proof::Secret(Some(secret.clone())),
                "client_secret_post",
            ),
            None => (id, Proof::Secret(None), "none"),
        })
    })
}

/// The client proved who it is the way it is registered: its secret, a
/// client assertion signed by one of its keys, or nothing for a public
/// client. The error is the `error_description` of an `invalid_client`.
fn authenticate(
    provider: &Provider,
    client: &RegisteredClient,
    proof: Proof,
) -> Result<(), String> {
    match (proof, &client.client_secret, &client.jwks) {
        (Proof::Assertion(assertion), _, Some(jwks)) => {
            check_assertion(provider, client, &assertion, jwks)
        }
        (Proof::Assertion(_), _, None) => {
            Err("this client has no registered keys for private_key_jwt".into())
        }
        (Proof::Secret(given), Some(expected), _) => {
            let given = given.unwrap_or_default();
            if constant_time_eq(given.as_bytes(), expected.as_bytes()) {
                Ok(())
            } else {
                Err("wrong client secret".into())
            }
        }
        (Proof::Secret(_), None, Some(_)) => {
            Err("this client authenticates with private_key_jwt".into())
        }
        (Proof::Secret(_), None, None) => Ok(()),
    }
}

/// RFC 7523 3 and OpenID Connect Core 9: signed by a key the client
/// registered, `iss` and `sub` the client, `aud` the token endpoint, not
/// expired, and its `jti` never seen before.
fn check_assertion(
    provider: &Provider,
    client: &RegisteredClient,
    assertion: &str,
    jwks: &Value,
) -> Result<(), String> {
    let claims =
        crate::jws::verify(assertion, jwks).map_err(|why| format!("client assertion: {why}"))?;
    let client_id = client.client_id.as_str();
    if claims["iss"] != client_id || claims["sub"] != client_id {
        return Err("client assertion: iss and sub must be the client_id".into());
    }
    let token_endpoint = format!("{}/token", provider.base_url());
    let audience_ok = match &claims["aud"] {
        Value::String(aud) => *aud == token_endpoint,
        Value::Array(auds) => auds.iter().any(|aud| *aud == token_endpoint.as_str()),
        _ => false,
    };
    if !audience_ok {
        return Err("client assertion: aud must be the token endpoint".into());
    }
    let now = Utc::now().timestamp();
    let Some(exp) = claims["exp"].as_i64().filter(|exp| *exp >= now) else {
        return Err("client assertion: expired or without exp".into());
    };
    let Some(jti) = claims["jti"].as_str().filter(|jti| !jti.is_empty()) else {
        return Err("client assertion: jti is missing".into());
    };
    let mut used = provider
        .used_assertions
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    used.retain(|_, expires| *expires >= now);
    if used.insert(format!("{client_id} {jti}"), exp).is_some() {
        return Err("client assertion: this jti was already used".into());
    }
    Ok(())
}

pub async fn token(
    State(provider): State<Arc<Provider>>,
    headers: HeaderMap,
    Form(form): Form<TokenRequest>,
) -> Response {
    if form.grant_type.as_deref() != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only authorization_code is supported",
        );
    }
    let Some((client_id, proof, method)) = client_credentials(&headers, &form) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "no client credentials",
        );
    };
    if !provider
        .config
        .options
        .token_auth_methods()
        .iter()
        .any(|m| m == method)
    {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            &format!("client authentication by {method} is not supported"),
        );
    }
    let Some(client) = provider
        .config
        .clients
        .iter()
        .find(|c| c.client_id == client_id)
    else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client");
    };
    if let Err(why) = authenticate(&provider, client, proof) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &why);
    }
    // A code is used once, whatever happens next.
    let pending = form.code.as_deref().and_then(|code| {
        provider
            .codes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(code)
    });
    let Some(pending) = pending else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code is unknown or was already used",
        );
    };
    let now = Utc::now().timestamp();
    if pending.client_id != client.client_id
        || form.redirect_uri.as_deref() != Some(pending.redirect_uri.as_str())
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code was issued to another client or redirect_uri",
        );
    }
    if now > pending.expires_at {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code has expired",
        );
    }
    let verifier = form.code_verifier.unwrap_or_default();
    if !(43..=128).contains(&verifier.len())
        || URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != pending.code_challenge
    {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code_verifier does not match the code_challenge",
        );
    }

    let lifetime = provider.config.token_lifetime_secs;
    let access_token = random_token();
    provider
        .access_tokens
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(
            access_token.clone(),
            IssuedAccess {
                citizen: pending.citizen,
                expires_at: now + lifetime,
            },
        );
    let at_hash = provider.at_hash(&access_token);
    let mut claims = citizen_claims(pending.citizen, provider.config.options.loose_claims);
    claims.insert("iss".into(), json!(provider.issuer()));
    claims.insert("aud".into(), json!(client.client_id));
    claims.insert("iat".into(), json!(now));
    claims.insert("auth_time".into(), json!(now));
    claims.insert("exp".into(), json!(now + lifetime));
    claims.insert("at_hash".into(), json!(at_hash));
    if let Some(nonce) = pending.nonce {
        claims.insert("nonce".into(), json!(nonce));
    }
    let id_token = provider.sign_claims(&Value::Object(claims));
    tracing::info!(client = %client.client_id, "dev-vneid issued tokens");
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "id_token": id_token,
            "scope": "openid profile email phone",
        })),
    )
        .into_response()
}

pub async fn userinfo(State(provider): State<Arc<Provider>>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let now = Utc::now().timestamp();
    let citizen = token.and_then(|t| {
        let tokens = provider
            .access_tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        tokens
            .get(t)
            .filter(|issued| issued.expires_at >= now)
            .map(|issued| issued.citizen)
    });
    match citizen {
        Some(citizen) => Json(Value::Object(citizen_claims(
            citizen,
            provider.config.options.loose_claims,
        )))
        .into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, r#"Bearer error="invalid_token""#)],
        )
            .into_response(),
    }
}

/// The citizen's claims; `loose`: typed as some providers send them.
fn citizen_claims(citizen: &TestCitizen, loose: bool) -> Map<String, Value> {
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(citizen.sub));
    claims.insert("name".into(), json!(citizen.name));
    claims.insert("birthdate".into(), json!(citizen.birthdate));
    claims.insert("gender".into(), json!(citizen.gender));
    let personal_id = match citizen.personal_id.parse::<u64>() {
        Ok(number) if loose => json!(number),
        _ => json!(citizen.personal_id),
    };
    claims.insert("personal_id".into(), personal_id);
    if let Some(phone) = citizen.phone_number {
        claims.insert("phone_number".into(), json!(phone));
        if loose {
            claims.insert("phone_number_verified".into(), json!("true"));
        }
    }
    if let Some(email) = citizen.email {
        claims.insert("email".into(), json!(email));
        if loose {
            claims.insert("email_verified".into(), json!("true"));
        }
    }
    claims
}

#[derive(Debug, Deserialize)]
pub struct EndSessionParams {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

/// RP-initiated logout: the browser comes here after the client ended its
/// own session. It goes back to `post_logout_redirect_uri` when that is on
/// one of the client's registered redirect origins. An `id_token_hint` must be
/// one of this provider's ID tokens for that client (required if the option
/// says so).
pub async fn end_session(
    State(provider): State<Arc<Provider>>,
    Query(params): Query<EndSessionParams>,
) -> Response {
    if !provider.config.options.end_session {
        return StatusCode::NOT_FOUND.into_response();
    }
    let hinted = match params
        .id_token_hint
        .as_deref()
        .map(|hint| hinted_client(&provider, hint))
    {
        Some(Ok(client_id)) => Some(client_id),
        Some(Err(why)) => return bad_request(why),
        None if provider.config.options.end_session_requires_hint => {
            return bad_request("id_token_hint is required")
        }
        None => None,
    };
    if let (Some(hinted), Some(client_id)) = (&hinted, &params.client_id) {
        if hinted != client_id {
            return bad_request("id_token_hint was issued to another client");
        }
    }
    let client = params
        .client_id
        .or(hinted)
        .and_then(|id| provider.config.clients.iter().find(|c| c.client_id == id));
    let Some(client) = client else {
        return bad_request("unknown client_id");
    };
    match params.post_logout_redirect_uri {
        Some(uri)
            if client
                .redirect_uris
                .iter()
                .any(|r| origin(r) == origin(&uri)) =>
        {
            let mut pairs = Vec::new();
            if let Some(state) = params.state.as_deref() {
                pairs.push(("state", state));
            }
            if pairs.is_empty() {
                Redirect::to(&uri).into_response()
            } else {
                redirect_with(&uri, &pairs)
            }
        }
        Some(_) => bad_request("post_logout_redirect_uri is not registered for this client"),
        None => Html("<h1>Đã đăng xuất khỏi VNeID</h1>".to_string()).into_response(),
    }
}

/// The client an `id_token_hint` was issued to, when it is an ID token of
/// this provider (signed by its key, its `iss`); it may have expired.
fn hinted_client(provider: &Provider, hint: &str) -> Result<String, &'static str> {
    let claims = crate::jws::verify(hint, &provider.jwks())
        .map_err(|_| "id_token_hint is not an ID token of this provider")?;
    if claims["iss"] != provider.issuer() {
        return Err("id_token_hint was issued by another provider");
    }
    claims["aud"]
        .as_str()
        .map(str::to_string)
        .ok_or("id_token_hint names no client")
}

/// `scheme://host:port` of a URL.
fn origin(url: &str) -> &str {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Percent-decoding for the user and password of HTTP Basic credentials
/// (RFC 6749 2.3.1 form-encodes them).
fn urldecode(text: &str) -> String {
    let hex = |b: Option<&u8>| b.and_then(|b| (*b as char).to_digit(16)).map(|d| d as u8);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 3;
                }
                _ => {
                    out.push(b'%');
                    i += 1;
                }
            },
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
