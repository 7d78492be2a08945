//! Signing in the way clients do, over HTTP: the web flow through the
//! browser redirects and cookies, the mobile flow with the app's own PKCE,
//! and a provider that tampers with its ID tokens for the refusal tests.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use congdan_contracts::identity::jws::KeyPair;
use congdan_dev_vneid::{Provider, ProviderOptions, TestCitizen, TEST_CITIZENS};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const MOBILE_REDIRECT: &str = "congdan://auth/callback";

/// POSTs JSON with extra headers; returns the status and the JSON answer
/// (null when the body is not JSON).
pub async fn post_json(url: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
    let mut request = browser().post(url).json(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.expect("the server answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A test citizen of the development provider by personal ID number.
pub fn citizen(personal_id: &str) -> &'static TestCitizen {
    TEST_CITIZENS
        .iter()
        .find(|c| c.personal_id == personal_id)
        .expect("a test citizen with that number")
}

/// An HTTP client that, like a test browser, follows no redirects itself.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("HTTP client")
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_string()
}

/// `name=value` of a Set-Cookie the response carries.
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<(String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| {
            let value = v.split(';').next().unwrap_or_default();
            (value[name.len() + 1..].to_string(), v.to_string())
        })
}

fn query_pairs(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    serde_urlencoded::from_str(query).expect("a query string")
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    query_pairs(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Picks `who` on the provider's authorize page for the request in
/// `authorize_url`; returns where the provider sends the browser.
pub async fn choose_citizen(
    http: &reqwest::Client,
    authorize_url: &str,
    who: &TestCitizen,
) -> String {
    let page = http
        .get(authorize_url)
        .send()
        .await
        .expect("authorize page");
    assert_eq!(page.status(), 200, "the authorize page shows");
    let html = page.text().await.unwrap();
    assert!(html.contains(who.name), "the page offers {}", who.name);
    let mut form = query_pairs(authorize_url);
    form.push(("citizen".into(), who.sub.into()));
    let base = authorize_url
        .split_once('?')
        .map(|(b, _)| b)
        .unwrap_or(authorize_url);
    let chosen = http
        .post(base)
        .form(&form)
        .send()
        .await
        .expect("choice posted");
    assert!(
        chosen.status().is_redirection(),
        "the provider redirects back"
    );
    location(&chosen)
}

/// The web flow up to the provider's redirect back to the gateway:
/// (callback URL with code and state, the state cookie's value).
pub async fn web_until_callback(
    http: &reqwest::Client,
    gateway: &str,
    who: &TestCitizen,
) -> (String, String) {
    let login = http
        .get(format!("{gateway}/auth/login?returnTo=/my-services"))
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 303, "login redirects to the provider");
    let (state_cookie, attributes) =
        set_cookie(&login, "congdan_auth_state").expect("a state cookie");
    assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Lax"));
    let authorize = location(&login);
    for required in ["state", "nonce", "code_challenge"] {
        assert!(
            query_param(&authorize, required).is_some(),
            "{required} is sent"
        );
    }
    assert_eq!(
        query_param(&authorize, "code_challenge_method").as_deref(),
        Some("S256")
    );
    let callback = choose_citizen(http, &authorize, who).await;
    (callback, state_cookie)
}

/// Where the gateway tells the provider to send browsers back in tests
/// with a provider of their own: the gateway's public address, which a
/// proxy would map to where it listens (tests do the mapping themselves,
/// see [`callback_at`]).
pub const PUBLIC_ORIGIN: &str = "http://127.0.0.1:9";

/// The provider's redirect to the gateway's public callback, sent to
/// where the gateway listens instead.
pub fn callback_at(callback: &str, gateway: &str) -> String {
    callback.replacen(PUBLIC_ORIGIN, gateway, 1)
}

/// GETs the gateway's callback with the browser's state cookie.
pub async fn finish_web(http: &reqwest::Client, callback: &str, state: &str) -> reqwest::Response {
    http.get(callback)
        .header("cookie", format!("congdan_auth_state={state}"))
        .send()
        .await
        .expect("callback")
}

pub fn location_of(response: &reqwest::Response) -> String {
    location(response)
}

/// A development provider configured like a third-party one, on its own
/// port; its web client's redirect is `{PUBLIC_ORIGIN}/auth/callback`.
pub struct ThirdPartyProvider {
    /// The issuer exactly as the provider publishes it.
    pub issuer: String,
    /// Where its endpoints are (the issuer without a trailing slash).
    pub base: String,
    pub provider: Arc<Provider>,
}

impl ThirdPartyProvider {
    pub async fn start(options: ProviderOptions, trailing_slash: bool) -> Self {
        Self::start_with(options, trailing_slash, None).await
    }

    /// A provider whose web client is registered with public keys (a JWK
    /// set) for `private_key_jwt`, and no secret.
    pub async fn with_web_client_keys(options: ProviderOptions, jwks: Value) -> Self {
        Self::start_with(options, false, Some(jwks)).await
    }

    async fn start_with(
        options: ProviderOptions,
        trailing_slash: bool,
        web_jwks: Option<Value>,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let issuer = if trailing_slash {
            format!("{base}/")
        } else {
            base.clone()
        };
        let mut config = congdan::config::ServeArgs::from_env()
            .dev_vneid
            .provider_config(issuer.clone());
        config.options = options;
        for client in &mut config.clients {
            if client.client_secret.is_some() {
                client.redirect_uris = vec![format!("{PUBLIC_ORIGIN}/auth/callback")];
                if web_jwks.is_some() {
                    client.client_secret = None;
                    client.jwks = web_jwks.clone();
                }
            }
        }
        let provider = Provider::new(config);
        let router = congdan_dev_vneid::router(provider.clone());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            issuer,
            base,
            provider,
        }
    }

    /// Test settings for a system signing in with this provider.
    pub fn serve_args(&self) -> congdan::config::ServeArgs {
        let mut args = crate::serve_args();
        args.auth.vneid_issuer = Some(self.issuer.clone());
        args.auth.vneid_client_secret =
            Some(congdan::config::DevVneidArgs::default_client_secret().into());
        args.auth.vneid_redirect_uri = Some(format!("{PUBLIC_ORIGIN}/auth/callback"));
        args
    }
}

/// The whole web flow; returns the session cookie's value.
pub async fn web_sign_in(gateway: &str, who: &TestCitizen) -> String {
    let http = browser();
    let (callback, state) = web_until_callback(&http, gateway, who).await;
    let done = http
        .get(&callback)
        .header("cookie", format!("congdan_auth_state={state}"))
        .send()
        .await
        .expect("callback");
    assert_eq!(
        done.status(),
        303,
        "the callback signs in: {:?}",
        done.text().await
    );
    assert_eq!(location(&done), "/my-services");
    let (session, attributes) = set_cookie(&done, "congdan_session").expect("a session cookie");
    assert!(attributes.contains("HttpOnly") && attributes.contains("SameSite=Lax"));
    assert!(
        !attributes.contains("Secure"),
        "development cookies work over http"
    );
    session
}

/// The mobile app's PKCE pair: (verifier, S256 challenge).
pub fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// What the app holds after the system browser comes back.
pub struct MobileCode {
    pub code: String,
    pub verifier: String,
    pub nonce: String,
}

/// The app's half of the mobile flow at the provider.
pub async fn mobile_code(provider: &str, who: &TestCitizen) -> MobileCode {
    let http = browser();
    let (verifier, challenge) = pkce();
    let nonce = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let state = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
    let authorize = format!(
        "{provider}/authorize?{}",
        serde_urlencoded::to_string([
            ("response_type", "code"),
            ("client_id", "congdan-mobile"),
            ("redirect_uri", MOBILE_REDIRECT),
            ("scope", "openid profile email phone"),
            ("state", state.as_str()),
            ("nonce", nonce.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .unwrap()
    );
    let back = choose_citizen(&http, &authorize, who).await;
    assert!(back.starts_with(MOBILE_REDIRECT));
    assert_eq!(query_param(&back, "state"), Some(state));
    MobileCode {
        code: query_param(&back, "code").expect("a code"),
        verifier,
        nonce,
    }
}

/// Posts the code to the gateway's `/auth/token`: (status, body).
pub async fn exchange(gateway: &str, code: &MobileCode) -> (u16, Value) {
    let response = browser()
        .post(format!("{gateway}/auth/token"))
        // Refusals are asserted on their English details.
        .header("accept-language", "en")
        .json(&json!({
            "code": code.code,
            "code_verifier": code.verifier,
            "redirect_uri": MOBILE_REDIRECT,
            "nonce": code.nonce,
        }))
        .send()
        .await
        .expect("token endpoint");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

/// The whole mobile flow; returns the token response.
pub async fn mobile_sign_in(gateway: &str, provider: &str, who: &TestCitizen) -> Value {
    let code = mobile_code(provider, who).await;
    let (status, body) = exchange(gateway, &code).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// How the tampering provider changes the ID tokens it issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tamper {
    None,
    UnknownKey,
    AlgNone,
    Payload,
    WrongAudience,
    Expired,
    /// `email_verified` a value no reading makes a boolean.
    UnreadableClaim,
    /// No `personal_id` in the ID token, and userinfo answers 503.
    UserinfoFails,
}

/// The development provider behind a layer that rewrites the `id_token` of
/// token responses: the gateway sees real OpenID messages with one defect.
pub struct TamperingProvider {
    pub url: String,
    pub mode: Arc<Mutex<Tamper>>,
}

fn decode_part(part: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn tamper(mode: Tamper, token: &str, provider: &Provider) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims = decode_part(parts[1]);
    let now = chrono::Utc::now().timestamp();
    match mode {
        Tamper::None => token.to_string(),
        Tamper::UnknownKey => KeyPair::generate().sign(&claims).unwrap(),
        Tamper::AlgNone => format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        ),
        Tamper::Payload => {
            claims["name"] = json!("Kẻ Giả Mạo");
            format!(
                "{}.{}.{}",
                parts[0],
                URL_SAFE_NO_PAD.encode(claims.to_string()),
                parts[2]
            )
        }
        Tamper::WrongAudience => {
            claims["aud"] = json!("another-client");
            provider.sign_claims(&claims)
        }
        Tamper::Expired => {
            claims["iat"] = json!(now - 7200);
            claims["exp"] = json!(now - 3600);
            provider.sign_claims(&claims)
        }
        Tamper::UnreadableClaim => {
            claims["email_verified"] = json!({ "perhaps": true });
            provider.sign_claims(&claims)
        }
        Tamper::UserinfoFails => {
            if let Some(object) = claims.as_object_mut() {
                object.remove("personal_id");
            }
            provider.sign_claims(&claims)
        }
    }
}

impl TamperingProvider {
    /// A provider whose web client's redirect is `web_redirect`.
    pub async fn start(listener: tokio::net::TcpListener, web_redirect: &str) -> Self {
        let addr: SocketAddr = listener.local_addr().unwrap();
        let url = format!("http://{addr}");
        let mut config = congdan::config::ServeArgs::from_env()
            .dev_vneid
            .provider_config(url.clone());
        for client in &mut config.clients {
            if client.client_secret.is_some() {
                client.redirect_uris = vec![web_redirect.to_string()];
            }
        }
        let provider = Provider::new(config);
        let mode = Arc::new(Mutex::new(Tamper::None));
        let layer_mode = mode.clone();
        let layer_provider = provider.clone();
        let router = congdan_dev_vneid::router(provider).layer(axum::middleware::map_response(
            move |response: axum::response::Response| {
                let mode = *layer_mode.lock().unwrap();
                let provider = layer_provider.clone();
                async move {
                    let (mut parts, body) = response.into_parts();
                    let bytes = axum::body::to_bytes(body, usize::MAX)
                        .await
                        .unwrap_or_default();
                    let bytes = match serde_json::from_slice::<Value>(&bytes) {
                        // Userinfo: claims without an issuer.
                        Ok(json)
                            if mode == Tamper::UserinfoFails
                                && json.get("sub").is_some()
                                && json.get("iss").is_none() =>
                        {
                            parts.status = axum::http::StatusCode::SERVICE_UNAVAILABLE;
                            axum::body::Bytes::new()
                        }
                        Ok(mut json) if json.get("id_token").is_some() => {
                            let token = json["id_token"].as_str().unwrap().to_string();
                            json["id_token"] = json!(tamper(mode, &token, &provider));
                            axum::body::Bytes::from(json.to_string())
                        }
                        _ => bytes,
                    };
                    let mut response =
                        axum::response::Response::from_parts(parts, axum::body::Body::from(bytes));
                    response.headers_mut().remove("content-length");
                    response
                }
            },
        ));
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self { url, mode }
    }

    pub fn set(&self, mode: Tamper) {
        *self.mode.lock().unwrap() = mode;
    }
}
