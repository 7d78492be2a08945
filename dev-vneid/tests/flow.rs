//! The development provider, driven over HTTP as an OpenID client would:
//! discovery, the authorize page, the code flow with PKCE, ID token
//! signature and claims, userinfo, and each way a token request is refused.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use congdan_dev_vneid::{Provider, ProviderConfig, RegisteredClient};
use ed25519_dalek::{Signature, Verifier, VerifyingKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const REDIRECT: &str = "http://127.0.0.1:9/auth/callback";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

struct Running {
    base: String,
    http: reqwest::Client,
    _provider: Arc<Provider>,
}

async fn start() -> Running {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let provider = Provider::new(ProviderConfig {
        issuer: base.clone(),
        clients: vec![
            RegisteredClient {
                client_id: "web".into(),
                client_secret: Some("s3cret".into()),
                redirect_uris: vec![REDIRECT.into()],
                jwks: None,
            },
            RegisteredClient {
                client_id: "mobile".into(),
                client_secret: None,
                redirect_uris: vec!["congdan://auth/callback".into()],
                jwks: None,
            },
        ],
        token_lifetime_secs: 300,
        options: Default::default(),
    });
    let router = congdan_dev_vneid::router(provider.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Running {
        base,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        _provider: provider,
    }
}

impl Running {
    /// GETs `path` from the provider and reads the JSON answer.
    async fn get_json(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Picks citizen `sub` on the authorize page; returns the redirect Location.
async fn authorize(
    app: &Running,
    client_id: &str,
    redirect: &str,
    extra: &[(&str, &str)],
) -> String {
    let challenge = challenge(VERIFIER);
    let mut form = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect),
        ("scope", "openid profile"),
        ("state", "st-123"),
        ("nonce", "n-456"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("citizen", "vneid-test-0001"),
    ];
    for (k, v) in extra {
        form.retain(|(key, _)| key != k);
        form.push((k, v));
    }
    let response = app
        .http
        .post(format!("{}/authorize", app.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    response.headers()["location"].to_str().unwrap().to_string()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url.split_once('?')?.1.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

async fn token(
    app: &Running,
    form: &[(&str, String)],
    basic: Option<(&str, &str)>,
) -> (u16, Value) {
    let mut request = app.http.post(format!("{}/token", app.base)).form(form);
    if let Some((user, password)) = basic {
        request = request.basic_auth(user, Some(password));
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn verify_jwt(jwt: &str, jwks: &Value) -> Value {
    let (signing_input, signature) = jwt.rsplit_once('.').unwrap();
    let (header, payload) = signing_input.split_once('.').unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header["alg"], "EdDSA");
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap();
    let x: [u8; 32] = URL_SAFE_NO_PAD
        .decode(key["x"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let signature = Signature::from_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap()).unwrap();
    VerifyingKey::from_bytes(&x)
        .unwrap()
        .verify(signing_input.as_bytes(), &signature)
        .expect("the ID token is signed by the published key");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn redeem(code: &str, verifier: &str, redirect: &str) -> Vec<(&'static str, String)> {
    vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.into()),
        ("redirect_uri", redirect.into()),
        ("code_verifier", verifier.into()),
    ]
}

#[tokio::test]
async fn the_code_flow_with_pkce_gives_a_signed_id_token_and_userinfo() {
    let app = start().await;
    let discovery = app.get_json("/.well-known/openid-configuration").await;
    assert_eq!(discovery["issuer"], app.base);
    assert_eq!(
        discovery["code_challenge_methods_supported"],
        json!(["S256"])
    );

    let page = app
        .http
        .get(format!("{}/authorize", app.base))
        .query(&[
            ("response_type", "code"),
            ("client_id", "web"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("state", "s"),
            ("code_challenge", &challenge(VERIFIER)),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Nguyễn Văn An") && html.contains("Trần Thị Bình"));

    let location = authorize(&app, "web", REDIRECT, &[]).await;
    assert!(location.starts_with(REDIRECT));
    assert_eq!(query_param(&location, "state").as_deref(), Some("st-123"));
    let code = query_param(&location, "code").unwrap();
    let (status, tokens) = token(
        &app,
        &redeem(&code, VERIFIER, REDIRECT),
        Some(("web", "s3cret")),
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    let jwks = app.get_json("/jwks").await;
    let claims = verify_jwt(tokens["id_token"].as_str().unwrap(), &jwks);
    assert_eq!(claims["iss"], app.base);
    assert_eq!(claims["aud"], "web");
    assert_eq!(claims["nonce"], "n-456");
    assert_eq!(claims["personal_id"], "079090001234");
    assert_eq!(claims["name"], "Nguyễn Văn An");
    assert!(claims["exp"].as_i64().unwrap() > claims["iat"].as_i64().unwrap());

    let info: Value = app
        .http
        .get(format!("{}/userinfo", app.base))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], "vneid-test-0001");
    assert_eq!(info["phone_number"], "+84901234567");

    // The same code again: refused.
    let (status, body) = token(
        &app,
        &redeem(&code, VERIFIER, REDIRECT),
        Some(("web", "s3cret")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[tokio::test]
async fn bad_token_requests_are_refused() {
    let app = start().await;
    // Wrong code_verifier.
    let code = query_param(&authorize(&app, "web", REDIRECT, &[]).await, "code").unwrap();
    let wrong_verifier = "a-completely-different-verifier-of-enough-length-000";
    let (status, body) = token(
        &app,
        &redeem(&code, wrong_verifier, REDIRECT),
        Some(("web", "s3cret")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );

    // Wrong client secret.
    let code = query_param(&authorize(&app, "web", REDIRECT, &[]).await, "code").unwrap();
    let (status, body) = token(
        &app,
        &redeem(&code, VERIFIER, REDIRECT),
        Some(("web", "wrong")),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );

    // A public client redeems with PKCE alone; not with another's redirect_uri.
    let location = authorize(&app, "mobile", "congdan://auth/callback", &[]).await;
    let code = query_param(&location, "code").unwrap();
    let mut form = redeem(&code, VERIFIER, REDIRECT);
    form.push(("client_id", "mobile".into()));
    let (status, body) = token(&app, &form, None).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    // With its own redirect_uri it works: a public client needs no secret.
    let location = authorize(&app, "mobile", "congdan://auth/callback", &[]).await;
    let code = query_param(&location, "code").unwrap();
    let mut form = redeem(&code, VERIFIER, "congdan://auth/callback");
    form.push(("client_id", "mobile".into()));
    let (status, body) = token(&app, &form, None).await;
    assert_eq!(status, 200, "{body}");

    // No PKCE: the error goes back to the client.
    let location = authorize(&app, "web", REDIRECT, &[("code_challenge_method", "plain")]).await;
    assert_eq!(
        query_param(&location, "error").as_deref(),
        Some("invalid_request")
    );

    // An unregistered redirect URI gets no redirect at all.
    let response = app
        .http
        .post(format!("{}/authorize", app.base))
        .form(&[
            ("client_id", "web"),
            ("redirect_uri", "https://evil.example/cb"),
            ("response_type", "code"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}
