//! Signing in as the mobile app does (the flow of `tests/src/sign_in.rs`):
//! PKCE at the development VNeID provider, a test citizen chosen on its
//! authorize page, then the code exchanged at the gateway's `/auth/token`.

use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::Url;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::dataset::Rng;

/// The development provider's client secret in every benchmark.
pub const DEV_VNEID_SECRET: &str = "congdan-bench-dev-secret";

/// Points a `congdan gateway` command at the development provider at
/// `provider` for sign-in, with access tokens of 15 minutes.
pub fn use_dev_vneid(command: &mut std::process::Command, provider: &str) {
    command
        .env("VNEID_ISSUER", provider)
        .env("VNEID_CLIENT_SECRET", DEV_VNEID_SECRET)
        .env("ACCESS_TOKEN_TTL_SECS", "900")
        .env_remove("VNEID_REDIRECT_URI")
        .env_remove("VNEID_CLIENT_ID")
        .env_remove("VNEID_MOBILE_CLIENT_ID")
        .env_remove("VNEID_MOBILE_REDIRECT_URIS");
}

/// The mobile client registered at the development provider.
const MOBILE_CLIENT: &str = "congdan-mobile";
const MOBILE_REDIRECT: &str = "congdan://auth/callback";

/// The gateway's access token and when it stops working.
pub struct Token {
    pub access: String,
    pub expires_at: Instant,
}

impl Token {
    pub fn left(&self) -> Duration {
        self.expires_at.saturating_duration_since(Instant::now())
    }
}

/// `n` bytes of URL-safe base64 from a generator seeded by the clock and the
/// pid: the verifier, nonce and state need only be unpredictable to
/// nobody here (a benchmark on loopback), not to an attacker.
fn random_text(rng: &mut Rng, n: usize) -> String {
    let bytes: Vec<u8> = (0..n).map(|_| rng.next_u64() as u8).collect();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Signs in as the provider's test citizen `sub` (the bootstrap admin for
/// the benchmark) and returns the gateway's access token.
pub async fn mobile(provider: &str, gateway: &str, sub: &str) -> anyhow::Result<Token> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
        ^ (u64::from(std::process::id()) << 32);
    let mut rng = Rng::new(seed);
    let verifier = random_text(&mut rng, 32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let nonce = random_text(&mut rng, 16);
    let state = random_text(&mut rng, 16);
    let params = [
        ("response_type", "code"),
        ("client_id", MOBILE_CLIENT),
        ("redirect_uri", MOBILE_REDIRECT),
        ("scope", "openid profile email phone"),
        ("state", state.as_str()),
        ("nonce", nonce.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let authorize = format!("{provider}/authorize");
    let page = http.get(&authorize).query(&params).send().await?;
    let status = page.status();
    let html = page.text().await?;
    ensure!(
        status == reqwest::StatusCode::OK,
        "the provider's authorize page: HTTP {status}: {html}"
    );
    ensure!(
        html.contains(&format!("value=\"{sub}\"")),
        "the provider's authorize page offers no test citizen {sub}"
    );
    let mut form: Vec<(&str, &str)> = params.to_vec();
    form.push(("citizen", sub));
    let chosen = http.post(&authorize).form(&form).send().await?;
    ensure!(
        chosen.status().is_redirection(),
        "choosing the citizen: HTTP {} (expected a redirect): {}",
        chosen.status(),
        chosen.text().await.unwrap_or_default()
    );
    let location = chosen
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .context("the provider's redirect has no Location")?
        .to_string();
    ensure!(
        location.starts_with(MOBILE_REDIRECT),
        "the provider sent the app to {location}"
    );
    let back = Url::parse(&location).with_context(|| format!("parsing {location}"))?;
    let param = |name: &str| {
        back.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if let Some(error) = param("error") {
        bail!(
            "the provider refused: {error} {:?}",
            param("error_description")
        );
    }
    ensure!(
        param("state").as_deref() == Some(state.as_str()),
        "the provider returned another state"
    );
    let code = param("code").context("the provider's redirect has no code")?;

    let asked = Instant::now();
    let response = http
        .post(format!("{gateway}/auth/token"))
        .json(&json!({
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": MOBILE_REDIRECT,
            "nonce": nonce,
        }))
        .send()
        .await?;
    let status = response.status();
    let body: Value = response.json().await.context("/auth/token: not JSON")?;
    ensure!(
        status == reqwest::StatusCode::OK,
        "/auth/token: HTTP {status}: {body}"
    );
    let access = body["access_token"]
        .as_str()
        .with_context(|| format!("/auth/token answered no access_token: {body}"))?
        .to_string();
    let lifetime = body["expires_in"].as_u64().unwrap_or(0);
    ensure!(lifetime > 0, "/auth/token answered no expires_in: {body}");
    Ok(Token {
        access,
        expires_at: asked + Duration::from_secs(lifetime),
    })
}

/// POSTs a GraphQL operation to our gateway with one credential header; the
/// answer's `data`, after checking it is a 200 without errors.
pub async fn graphql_data(
    client: &reqwest::Client,
    gateway: &str,
    credential: (reqwest::header::HeaderName, reqwest::header::HeaderValue),
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let response = client
        .post(format!("{gateway}/graphql"))
        .header(credential.0, credential.1)
        .header("accept", "application/json")
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .with_context(|| format!("POST {gateway}/graphql"))?;
    let status = response.status();
    let body: Value = response
        .json()
        .await
        .context("the gateway's answer is not JSON")?;
    ensure!(
        status == reqwest::StatusCode::OK && body.get("errors").is_none(),
        "{query}: HTTP {status}: {body}"
    );
    Ok(body["data"].clone())
}
