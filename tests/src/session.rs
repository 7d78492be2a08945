//! A test citizen signed in through the gateway (the mobile flow against
//! the development provider), and GraphQL as them.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use crate::graphql::Request;
use crate::sign_in::{citizen, mobile_sign_in, post_json};
use crate::TestApp;

/// A signed-in citizen: their tokens, their id, and the gateway they use.
#[derive(Clone)]
pub struct Session {
    pub citizen_id: String,
    /// The access token.
    pub token: String,
    pub refresh_token: String,
    gateway: String,
    http: reqwest::Client,
}

impl Session {
    /// The session of a token response (`access_token`, `refresh_token`)
    /// from the gateway at `gateway` (`http://host:port`).
    pub fn from_tokens(gateway: &str, tokens: &Value) -> Self {
        let token = tokens["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("an access token: {tokens}"))
            .to_string();
        Self {
            citizen_id: claims_of(&token)["sub"]
                .as_str()
                .expect("a subject")
                .to_string(),
            refresh_token: tokens["refresh_token"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            token,
            gateway: gateway.to_string(),
            http: reqwest::Client::new(),
        }
    }

    /// A GraphQL request to the gateway as this citizen.
    pub fn graphql(&self, query: &str, variables: Value) -> Request {
        Request::with_client(
            self.http.clone(),
            format!("{}/graphql", self.gateway),
            query,
            variables,
        )
        .bearer(&self.token)
    }

    /// New tokens for the refresh token (panics unless the gateway gives
    /// them).
    pub async fn refresh(&self) -> Self {
        let (status, tokens) = post_json(
            &format!("{}/auth/refresh", self.gateway),
            &[],
            &json!({ "refresh_token": self.refresh_token }),
        )
        .await;
        assert_eq!(status, 200, "{tokens}");
        Self::from_tokens(&self.gateway, &tokens)
    }
}

impl TestApp {
    /// Signs the test citizen with `personal_id` in (the mobile flow).
    pub async fn sign_in(&self, personal_id: &str) -> Session {
        let gateway = format!("http://{}", self.system.gateway_addr);
        let provider = format!(
            "http://{}",
            self.system
                .dev_vneid_addr
                .expect("the development provider runs")
        );
        let tokens = mobile_sign_in(&gateway, &provider, citizen(personal_id)).await;
        Session::from_tokens(&gateway, &tokens)
    }
}

/// The claims of a JWT, unverified.
pub fn claims_of(token: &str) -> Value {
    let payload = token
        .trim_start_matches("Bearer ")
        .split('.')
        .nth(1)
        .expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url"))
        .expect("JSON claims")
}
