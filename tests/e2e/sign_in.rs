//! Sign-in with VNeID end to end, as clients do it over HTTP against the
//! development provider: the web flow (redirects, state cookie, session
//! cookie) and the mobile flow (the app's PKCE, access and refresh tokens),
//! then `me` through the gateway; and every refusal the issue lists, each
//! leaving no session behind.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use congdan::subgraphs::SubgraphName;
use congdan_contracts::identity::jws::{self, KeyPair, TimeClaims};
use congdan_contracts::identity::{Identity, IdentityClaims, Role};
use congdan_dev_vneid::{ProviderOptions, SigningAlg};
use congdan_gateway::auth::client_key::ClientKey;
use congdan_tests::sign_in::{
    browser, callback_at, citizen, exchange, finish_web, location_of, mobile_code, mobile_sign_in,
    post_json, query_param, set_cookie, web_sign_in, web_until_callback, Tamper, TamperingProvider,
    ThirdPartyProvider, PUBLIC_ORIGIN,
};
use congdan_tests::{
    claims_of, serve_args, Request, TestApp, TestDatabase, BOOTSTRAP_ADMIN_PERSONAL_ID,
};
use entity::gateway::{api_key, refresh_token, session, signing_key};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

const AN: &str = "079090001234";
const BINH: &str = "079185004321";

fn gateway_base(app: &TestApp) -> String {
    format!("http://{}", app.system.gateway_addr)
}

fn provider_base(app: &TestApp) -> String {
    format!(
        "http://{}",
        app.system
            .dev_vneid_addr
            .expect("the development provider runs")
    )
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn sessions(app: &TestApp) -> u64 {
    session::Entity::find()
        .count(&app.database.db)
        .await
        .unwrap()
}

async fn citizen_records(app: &TestApp) -> i64 {
    let row = app
        .database
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.database.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM citizen_citizens",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .or_else(|| body["errors"][0]["extensions"]["code"].as_str())
        .unwrap_or_default()
}

#[tokio::test]
async fn web_flow_ends_in_a_session_cookie_and_me_answers() {
    let app = TestApp::spawn().await;
    let an = citizen(AN);
    let cookie = web_sign_in(&gateway_base(&app), an).await;

    let session_header = format!("congdan_session={cookie}");
    let (status, body) = app
        .graphql("{ me { fullName maskedPersonalId } }", json!({}))
        .header("cookie", &session_header)
        .await
        .pair();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["fullName"], an.name);
    assert!(body["data"]["me"]["maskedPersonalId"]
        .as_str()
        .unwrap()
        .ends_with("1234"));

    // One web session, stored by the cookie's hash, not the cookie.
    let rows = session::Entity::find().all(&app.database.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].client, "web");
    assert_ne!(rows[0].cookie_hash.as_deref(), Some(cookie.as_str()));

    // Logout ends it: the same cookie is refused afterwards.
    let logout = browser()
        .post(format!("{}/auth/logout", gateway_base(&app)))
        .header("cookie", &session_header)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let (status, body) = app
        .graphql("{ me { fullName } }", json!({}))
        .header("cookie", &session_header)
        .await
        .pair();
    assert_eq!(status, 401, "{body}");
    assert_eq!(error_code(&body), "UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn mobile_flow_tokens_rotate_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let binh = citizen(BINH);
    let tokens = mobile_sign_in(&gateway_base(&app), &provider_base(&app), binh).await;
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let first_refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    assert_eq!(tokens["token_type"], "Bearer");

    // A signed EdDSA JWT of at most 15 minutes, verifiable with the JWKS.
    let claims = claims_of(&access);
    assert!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap() <= 900);
    let jwks: Value = browser()
        .get(format!("{}/.well-known/jwks.json", gateway_base(&app)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kid = jws::kid(&access).unwrap();
    let key = jws::keys_from_jwks(&jwks)
        .into_iter()
        .find(|(k, _)| *k == kid)
        .expect("the token's key is published")
        .1;
    jws::verify::<Value>(&access, &key).expect("the signature verifies");

    let (status, body) = app
        .graphql("{ me { fullName } }", json!({}))
        .header("authorization", bearer(&access))
        .await
        .pair();
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["fullName"], binh.name);

    // Refresh tokens are stored hashed.
    let stored = refresh_token::Entity::find()
        .all(&app.database.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, first_refresh);

    // Using the refresh token rotates it.
    let refresh_url = format!("{}/auth/refresh", gateway_base(&app));
    let refresh = |token: String| {
        let url = refresh_url.clone();
        async move { post_json(&url, &[], &json!({ "refresh_token": token })).await }
    };
    let (status, second) = refresh(first_refresh.clone()).await;
    assert_eq!(status, 200, "{second}");
    let second_access = second["access_token"].as_str().unwrap().to_string();
    let second_refresh = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(second_refresh, first_refresh);
    let (status, body) = app
        .graphql("{ me { fullName } }", json!({}))
        .header("authorization", bearer(&second_access))
        .await
        .pair();
    assert_eq!(status, 200);
    assert_eq!(body["data"]["me"]["fullName"], binh.name);

    // Presenting the used one again revokes the whole family.
    let (status, body) = refresh(first_refresh).await;
    assert_eq!(status, 401);
    assert_eq!(error_code(&body), "INVALID_REFRESH_TOKEN");
    let (status, _) = refresh(second_refresh).await;
    assert_eq!(status, 401, "the newer token of the family is revoked too");
    let (status, body) = app
        .graphql("{ me { fullName } }", json!({}))
        .header("authorization", bearer(&second_access))
        .await
        .pair();
    assert_eq!(status, 401, "{body}");
    let revoked = session::Entity::find()
        .one(&app.database.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        revoked.revoked_reason.as_deref(),
        Some("refresh_token_reuse")
    );
    app.stop().await;
}

#[tokio::test]
async fn mobile_flow_on_postgres_and_logout() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let app = TestApp::spawn_on(database).await;
    let an = citizen(AN);
    let tokens = mobile_sign_in(&gateway_base(&app), &provider_base(&app), an).await;
    let access = tokens["access_token"].as_str().unwrap();
    let (_, body) = app
        .graphql("{ me { fullName } }", json!({}))
        .header("authorization", bearer(access))
        .await
        .pair();
    assert_eq!(body["data"]["me"]["fullName"], an.name);

    // A second sign-in is the same citizen.
    let again = mobile_sign_in(&gateway_base(&app), &provider_base(&app), an).await;
    assert_eq!(
        claims_of(access)["sub"],
        claims_of(again["access_token"].as_str().unwrap())["sub"]
    );
    assert_eq!(citizen_records(&app).await, 1);

    let logout = browser()
        .post(format!("{}/auth/logout", gateway_base(&app)))
        .header("authorization", bearer(access))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    let (status, _) = app
        .graphql("{ me { fullName } }", json!({}))
        .header("authorization", bearer(access))
        .await
        .pair();
    assert_eq!(
        status, 401,
        "a logged-out session's access token is refused"
    );
    app.stop().await;
}

#[tokio::test]
async fn wrong_state_and_replayed_callback_create_no_session() {
    let app = TestApp::spawn().await;
    let http = browser();
    let (callback, state) = web_until_callback(&http, &gateway_base(&app), citizen(AN)).await;

    for cookie in [
        None,
        Some("congdan_auth_state=someone-elses-state".to_string()),
    ] {
        let mut request = http.get(&callback);
        if let Some(cookie) = cookie {
            request = request.header("cookie", &cookie);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 400);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "INVALID_STATE", "{body}");
    }
    assert_eq!(sessions(&app).await, 0);

    let cookie = format!("congdan_auth_state={state}");
    let first = http
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 303);
    let replay = http
        .get(&callback)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400, "a callback is used once");
    assert_eq!(error_code(&replay.json().await.unwrap()), "INVALID_STATE");
    assert_eq!(sessions(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn replayed_code_and_wrong_verifier_are_refused() {
    let app = TestApp::spawn().await;
    let (gateway, provider) = (gateway_base(&app), provider_base(&app));
    let an = citizen(AN);

    let mut code = mobile_code(&provider, an).await;
    code.verifier = congdan_tests::sign_in::pkce().0;
    let (status, body) = exchange(&gateway, &code).await;
    assert_eq!(status, 400);
    assert_eq!(error_code(&body), "INVALID_GRANT", "{body}");

    let code = mobile_code(&provider, an).await;
    let (status, _) = exchange(&gateway, &code).await;
    assert_eq!(status, 200);
    let (status, body) = exchange(&gateway, &code).await;
    assert_eq!(status, 400, "a code is exchanged once");
    assert_eq!(error_code(&body), "INVALID_GRANT");
    assert_eq!(sessions(&app).await, 1);

    // A redirect URI the app did not register, and a malformed body.
    let response = browser()
        .post(format!("{gateway}/auth/token"))
        .json(&json!({ "code": "x", "code_verifier": "y".repeat(43), "redirect_uri": "https://evil.example/cb" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = browser()
        .post(format!("{gateway}/auth/token"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        error_code(&response.json().await.unwrap()),
        "INVALID_REQUEST"
    );
    assert_eq!(sessions(&app).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn id_tokens_with_a_defect_are_refused() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let provider = TamperingProvider::start(listener, "http://127.0.0.1:9/auth/callback").await;
    let mut args = serve_args();
    args.auth.vneid_issuer = Some(provider.url.clone());
    args.auth.vneid_client_secret =
        Some(congdan::config::DevVneidArgs::default_client_secret().into());
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, args).await;
    let gateway = gateway_base(&app);
    let an = citizen(AN);

    for (defect, expected) in [
        (Tamper::UnknownKey, "does not publish"),
        (Tamper::AlgNone, "not accepted"),
        (Tamper::Payload, "signature"),
        (Tamper::WrongAudience, "another client"),
        (Tamper::Expired, "expired"),
    ] {
        provider.set(defect);
        let code = mobile_code(&provider.url, an).await;
        let (status, body) = exchange(&gateway, &code).await;
        assert_eq!(status, 400, "{defect:?}: {body}");
        assert_eq!(error_code(&body), "INVALID_ID_TOKEN", "{defect:?}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{defect:?}: {message}");
    }
    assert_eq!(sessions(&app).await, 0);
    assert_eq!(citizen_records(&app).await, 0);

    // The same provider without the defect signs in: the refusals were the defects.
    provider.set(Tamper::None);
    let code = mobile_code(&provider.url, an).await;
    let (status, body) = exchange(&gateway, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sessions(&app).await, 1);
    app.stop().await;
}

/// An access token for `sub` signed with the gateway's own current key.
async fn gateway_signed(app: &TestApp, time: TimeClaims, sub: &str) -> String {
    let key = signing_key::Entity::find()
        .one(&app.database.db)
        .await
        .unwrap()
        .unwrap();
    let secret: [u8; 32] = STANDARD.decode(key.secret).unwrap().try_into().unwrap();
    KeyPair::from_secret(&secret)
        .sign(&json!({
            "iss": time.iss, "aud": time.aud, "iat": time.iat, "exp": time.exp,
            "sub": sub, "sid": "no-such-session", "roles": ["citizen"],
        }))
        .unwrap()
}

#[tokio::test]
async fn malformed_forged_and_expired_credentials_get_401() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();
    let forged = KeyPair::generate()
        .sign(&json!({ "iss": "congdan-gateway", "aud": "congdan-api", "iat": now, "exp": now + 600, "sub": "x", "sid": "y" }))
        .unwrap();
    let time = |iat, exp, aud: &str| TimeClaims {
        iss: "congdan-gateway".into(),
        aud: aud.into(),
        iat,
        exp,
    };
    let expired = gateway_signed(&app, time(now - 3600, now - 1800, "congdan-api"), "x").await;
    let wrong_audience = gateway_signed(&app, time(now, now + 600, "congdan-subgraphs"), "x").await;
    let too_long = gateway_signed(&app, time(now, now + 86_400, "congdan-api"), "x").await;
    let cases = [
        "Basic dXNlcjpwYXNz".to_string(),
        "Bearer".into(),
        "Bearer two tokens".into(),
        "Token abc".into(),
        bearer("not-a-jwt"),
        bearer(&forged),
        bearer(&expired),
        bearer(&wrong_audience),
        bearer(&too_long),
    ];
    for header in &cases {
        let (status, body) = app
            .graphql("{ me { fullName } }", json!({}))
            .header("authorization", header)
            .await
            .pair();
        assert_eq!(status, 401, "{header}: {body}");
        assert_eq!(error_code(&body), "UNAUTHENTICATED", "{header}");
        assert!(
            body.get("data").is_none(),
            "no data for a refused credential"
        );
    }

    // No credentials at all: anonymous, and `me` is not for anonymous callers.
    let (status, body) = app.graphql("{ me { fullName } }", json!({})).await.pair();
    assert_eq!(status, 200);
    assert!(body["data"]["me"].is_null(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    app.stop().await;
}

#[tokio::test]
async fn a_subgraph_called_directly_with_a_forged_identity_shows_nothing() {
    let app = TestApp::spawn().await;
    let an = citizen(AN);
    let tokens = mobile_sign_in(&gateway_base(&app), &provider_base(&app), an).await;
    let access = tokens["access_token"].as_str().unwrap();
    let sub = claims_of(access)["sub"].as_str().unwrap().to_string();
    let now = chrono::Utc::now().timestamp();
    let identity = Identity {
        sub: sub.clone(),
        roles: vec![Role::Citizen],
        agencies: vec![],
    };
    let claims = |iat, exp| IdentityClaims {
        time: TimeClaims {
            iss: "congdan-gateway".into(),
            aud: "congdan-subgraphs".into(),
            iat,
            exp,
        },
        identity: identity.clone(),
    };
    let key = signing_key::Entity::find()
        .one(&app.database.db)
        .await
        .unwrap()
        .unwrap();
    let secret: [u8; 32] = STANDARD.decode(key.secret).unwrap().try_into().unwrap();
    let gateway_key = KeyPair::from_secret(&secret);
    let cases = [
        ("the client's access token", access.to_string()),
        (
            "signed by an unknown key",
            KeyPair::generate().sign(&claims(now, now + 60)).unwrap(),
        ),
        (
            "expired",
            gateway_key.sign(&claims(now - 600, now - 540)).unwrap(),
        ),
    ];
    let url = format!("{}/graphql", app.subgraph_url(SubgraphName::Citizen));
    for (what, token) in cases {
        let (_, body) = Request::to(&url, "{ me { fullName personalId } }", json!({}))
            .identity(Some(&token))
            .await
            .pair();
        assert!(body["data"]["me"].is_null(), "{what}: {body}");
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{what}"
        );
        assert!(
            !body.to_string().contains(an.name),
            "{what}: no personal data"
        );
    }
    // The genuine article works, so the refusals above are about the tokens.
    let good = gateway_key.sign(&claims(now, now + 60)).unwrap();
    let (_, body) = Request::to(&url, "{ me { fullName } }", json!({}))
        .identity(Some(&good))
        .await
        .pair();
    assert_eq!(body["data"]["me"]["fullName"], an.name, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn admins_manage_partner_keys_with_their_own_limits() {
    let mut args = serve_args();
    args.gateway.introspection = Some(false);
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, args).await;
    let (gateway, provider) = (gateway_base(&app), provider_base(&app));
    let admin = mobile_sign_in(&gateway, &provider, citizen(BOOTSTRAP_ADMIN_PERSONAL_ID)).await;
    let admin_token = bearer(admin["access_token"].as_str().unwrap());
    let an = mobile_sign_in(&gateway, &provider, citizen(AN)).await;
    let an_token = bearer(an["access_token"].as_str().unwrap());
    let keys_url = format!("{gateway}/admin/api-keys");
    let new_key =
        json!({ "name": "Sở Giao thông Vận tải", "requestsPerMinute": 3, "introspection": true });

    let by_citizen = browser()
        .post(&keys_url)
        .header("authorization", &an_token)
        .json(&new_key)
        .send()
        .await
        .unwrap();
    assert_eq!(by_citizen.status(), 403);
    let anonymous = browser()
        .post(&keys_url)
        .json(&new_key)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let created = browser()
        .post(&keys_url)
        .header("authorization", &admin_token)
        .json(&new_key)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let key = created["key"].as_str().unwrap().to_string();
    let id = created["apiKey"]["id"].as_str().unwrap().to_string();
    let stored = api_key::Entity::find_by_id(id.clone())
        .one(&app.database.db)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(stored.key_hash, key, "stored hashed");
    let listed: Value = browser()
        .get(&keys_url)
        .header("authorization", &admin_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        !listed.to_string().contains(&key),
        "the key is shown once only"
    );

    let introspect = "{ __schema { queryType { name } } }";
    let (_, body) = app.graphql(introspect, json!({})).await.pair();
    assert_eq!(
        body["errors"][0]["extensions"]["code"],
        "INTROSPECTION_DISABLED"
    );
    for _ in 0..3 {
        let (status, body) = app
            .graphql(introspect, json!({}))
            .header("x-api-key", &key)
            .await
            .pair();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    }
    let limited = browser()
        .post(app.gateway_url())
        .header("x-api-key", &key)
        .json(&json!({ "query": introspect }))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get("retry-after").is_some());
    assert_eq!(error_code(&limited.json().await.unwrap()), "RATE_LIMITED");

    let (status, _) = app
        .graphql("{ __typename }", json!({}))
        .header("x-api-key", "cdk_not-a-real-key")
        .await
        .pair();
    assert_eq!(status, 401);
    let revoked = browser()
        .delete(format!("{keys_url}/{id}"))
        .header("authorization", &admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let (status, body) = app
        .graphql("{ __typename }", json!({}))
        .header("x-api-key", &key)
        .await
        .pair();
    assert_eq!(status, 401, "a revoked key is refused: {body}");
    app.stop().await;
}

#[tokio::test]
async fn an_admin_grants_a_staff_role_that_the_next_token_carries() {
    let app = TestApp::spawn().await;
    let (gateway, provider) = (gateway_base(&app), provider_base(&app));
    let admin = mobile_sign_in(&gateway, &provider, citizen(BOOTSTRAP_ADMIN_PERSONAL_ID)).await;
    let admin_token = bearer(admin["access_token"].as_str().unwrap());
    assert!(claims_of(admin["access_token"].as_str().unwrap())["roles"]
        .as_array()
        .unwrap()
        .contains(&json!("admin")));
    let an = mobile_sign_in(&gateway, &provider, citizen(AN)).await;
    let an_id = claims_of(an["access_token"].as_str().unwrap())["sub"]
        .as_str()
        .unwrap()
        .to_string();
    let grant = format!(
        r#"mutation {{ grantRole(citizenId: "{an_id}", role: OFFICER, agencyIds: ["so-gtvt"]) {{ id roles agencyIds }} }}"#
    );

    // A citizen may not grant roles: refused by the gateway before execution.
    let an_token = bearer(an["access_token"].as_str().unwrap());
    let (status, body) = app
        .graphql(&grant, json!({}))
        .header("authorization", &an_token)
        .await
        .pair();
    assert_eq!(status, 200);
    assert!(body["data"]["grantRole"].is_null(), "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");

    let (_, body) = app
        .graphql(&grant, json!({}))
        .header("authorization", &admin_token)
        .await
        .pair();
    assert!(
        body["data"]["grantRole"]["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("OFFICER")),
        "{body}"
    );

    // The next refresh carries the new role and its agency.
    let (_, refreshed) = post_json(
        &format!("{gateway}/auth/refresh"),
        &[],
        &json!({ "refresh_token": an["refresh_token"] }),
    )
    .await;
    let claims = claims_of(refreshed["access_token"].as_str().unwrap());
    assert!(
        claims["roles"]
            .as_array()
            .unwrap()
            .contains(&json!("officer")),
        "{claims}"
    );
    assert_eq!(claims["agencies"], json!(["so-gtvt"]));

    // A role change ends the access tokens issued before it, at once (as
    // logout does): the client refreshes and gets the roles as they are.
    let refused = |token: String| {
        let app = &app;
        async move {
            let (status, _) = app
                .graphql("{ me { id } }", json!({}))
                .header("authorization", &token)
                .await
                .pair();
            status == 401
        }
    };
    congdan_tests::eventually("An's pre-grant token to be refused", || {
        refused(an_token.clone())
    })
    .await;
    let refresh_url = format!("{gateway}/auth/refresh");
    let refresh = |token: Value| {
        let url = refresh_url.clone();
        async move {
            let (status, tokens) = post_json(&url, &[], &json!({ "refresh_token": token })).await;
            assert_eq!(status, 200, "{tokens}");
            tokens
        }
    };
    let officer = refresh(refreshed["refresh_token"].clone()).await;
    let officer_token = bearer(officer["access_token"].as_str().unwrap());
    let queue = "{ searchReports(first: 1) { totalCount } }";
    let (status, body) = app
        .graphql(queue, json!({}))
        .header("authorization", &officer_token)
        .await
        .pair();
    assert_eq!(status, 200, "{body}");
    assert!(
        body["data"]["searchReports"]["totalCount"].is_number(),
        "{body}"
    );

    let revoke =
        format!(r#"mutation {{ revokeRole(citizenId: "{an_id}", role: OFFICER) {{ roles }} }}"#);
    let (_, body) = app
        .graphql(&revoke, json!({}))
        .header("authorization", &admin_token)
        .await
        .pair();
    assert_eq!(
        body["data"]["revokeRole"]["roles"],
        json!(["CITIZEN"]),
        "{body}"
    );
    congdan_tests::eventually("the officer's token to be refused", || {
        refused(officer_token.clone())
    })
    .await;
    let citizen_again = refresh(officer["refresh_token"].clone()).await;
    let token = bearer(citizen_again["access_token"].as_str().unwrap());
    let (_, body) = app
        .graphql(queue, json!({}))
        .header("authorization", &token)
        .await
        .pair();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{body}"
    );
    app.stop().await;
}

#[tokio::test]
async fn signing_keys_rotate_and_old_tokens_still_verify() {
    use congdan_gateway::auth::keys::{Clock, KeyRing};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    let database = TestDatabase::sqlite().await;
    congdan::db::migrate(&database.db).await.unwrap();
    // The rings read a clock the test moves, shared as one database's
    // replicas share the time.
    let now = Arc::new(Mutex::new(
        chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
            .unwrap()
            .to_utc(),
    ));
    let clock: Clock = {
        let now = now.clone();
        Arc::new(move || *now.lock().unwrap())
    };
    let rotation = Duration::from_secs(3600);
    let overlap = Duration::from_secs(900);
    let ring = KeyRing::load_with_clock(database.db.clone(), rotation, overlap, clock.clone())
        .await
        .unwrap();
    let before = ring.sign(&json!({ "sub": "a" })).unwrap();
    // A second replica loading the same database signs with the same key.
    let replica = KeyRing::load_with_clock(database.db.clone(), rotation, overlap, clock)
        .await
        .unwrap();
    assert_eq!(
        jws::kid(&replica.sign(&json!({})).unwrap()).unwrap(),
        jws::kid(&before).unwrap()
    );

    // An hour and a second later, the key is due for rotation.
    *now.lock().unwrap() += chrono::Duration::seconds(3601);
    ring.refresh().await.unwrap();
    let after = ring.sign(&json!({ "sub": "b" })).unwrap();
    assert_ne!(
        jws::kid(&after).unwrap(),
        jws::kid(&before).unwrap(),
        "a new key signs"
    );
    assert_eq!(
        ring.jwks()["keys"].as_array().unwrap().len(),
        2,
        "both are published"
    );
    let old_key = ring
        .verifying_key(&before)
        .await
        .expect("the old key still verifies");
    jws::verify::<Value>(&before, &old_key).unwrap();
    // The other replica learns the new key when a token names it.
    let new_key = replica
        .verifying_key(&after)
        .await
        .expect("found in the database");
    jws::verify::<Value>(&after, &new_key).unwrap();
    database.drop().await;
}

#[tokio::test]
async fn deleting_an_account_revokes_its_sessions() {
    let app = TestApp::spawn().await;
    let tokens = mobile_sign_in(&gateway_base(&app), &provider_base(&app), citizen(BINH)).await;
    let access = tokens["access_token"].as_str().unwrap();
    let citizen_id = claims_of(access)["sub"].as_str().unwrap().to_string();
    let (status, _) = app
        .graphql("{ me { fullName } }", json!({}))
        .header("authorization", bearer(access))
        .await
        .pair();
    assert_eq!(status, 200);

    let event = congdan_tests::events::event(&congdan_contracts::events::citizen::AccountDeleted {
        citizen_id: citizen_id.clone(),
    });
    app.system.bus.publish(&event).await.unwrap();
    congdan_tests::eventually(
        "the deleted account's access token to be refused",
        || async {
            let (status, _) = app
                .graphql("{ me { fullName } }", json!({}))
                .header("authorization", bearer(access))
                .await
                .pair();
            status == 401
        },
    )
    .await;
    let revoked = session::Entity::find()
        .one(&app.database.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(revoked.revoked_reason.as_deref(), Some("account_deleted"));
    app.stop().await;
}

/// `returnTo` is read as a browser reads a `Location`: whatever would leave
/// the site (tabs, newlines, backslashes, dot segments, other schemes) ends
/// the sign-in at `/`; a path on the site is kept.
#[tokio::test]
async fn return_to_never_leaves_the_site() {
    let app = TestApp::spawn().await;
    let gateway = gateway_base(&app);
    let an = citizen(AN);
    for (asked, expected) in [
        ("/my-services?tab=pins", "/my-services?tab=pins"),
        ("/a/../my-services", "/my-services"),
        ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/\\/evil.example", "/"),
        ("//evil.example", "/"),
        ("/..//evil.example", "/"),
        ("https://evil.example/", "/"),
        (" /evil", "/"),
    ] {
        let http = browser();
        let login = http
            .get(format!("{gateway}/auth/login"))
            .query(&[("returnTo", asked)])
            .send()
            .await
            .unwrap();
        assert_eq!(login.status(), 303, "{asked:?}");
        let (state, _) =
            congdan_tests::sign_in::set_cookie(&login, "congdan_auth_state").expect("state");
        let authorize = login.headers()["location"].to_str().unwrap().to_string();
        let callback = congdan_tests::sign_in::choose_citizen(&http, &authorize, an).await;
        let done = http
            .get(&callback)
            .header("cookie", format!("congdan_auth_state={state}"))
            .send()
            .await
            .unwrap();
        assert_eq!(done.status(), 303, "{asked:?}");
        assert_eq!(done.headers()["location"], expected, "{asked:?}");
    }
    app.stop().await;
}

/// The web flow with a provider of the test's own (its callback goes to the
/// public origin); returns the session cookie.
async fn web_sign_in_with(app: &TestApp, who: &congdan_dev_vneid::TestCitizen) -> String {
    let http = browser();
    let gateway = gateway_base(app);
    let (callback, state) = web_until_callback(&http, &gateway, who).await;
    assert!(callback.starts_with(PUBLIC_ORIGIN), "{callback}");
    let done = finish_web(&http, &callback_at(&callback, &gateway), &state).await;
    assert_eq!(location_of(&done), "/my-services");
    set_cookie(&done, "congdan_session")
        .expect("a session cookie")
        .0
}

async fn me_with_cookie(app: &TestApp, cookie: &str) -> (u16, Value) {
    let header = format!("congdan_session={cookie}");
    app.graphql("{ me { fullName maskedPersonalId } }", json!({}))
        .header("cookie", &header)
        .await
        .pair()
}

/// Issue 13, item 10: an issuer published with a trailing slash is compared
/// exactly as published; it used to make `/auth/login` answer 502.
#[tokio::test]
async fn an_issuer_with_a_trailing_slash_signs_in() {
    let provider = ThirdPartyProvider::start(ProviderOptions::default(), true).await;
    assert!(provider.issuer.ends_with('/'));
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, provider.serve_args()).await;
    let an = citizen(AN);
    let cookie = web_sign_in_with(&app, an).await;
    let (status, body) = me_with_cookie(&app, &cookie).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["fullName"], an.name);
    let tokens = mobile_sign_in(&gateway_base(&app), &provider.base, an).await;
    assert!(tokens["access_token"].is_string());
    app.stop().await;
}

/// Item 10, the other way round: a configured issuer that differs from the
/// published one (here by the slash) is a configuration fault, logged with
/// both values, not a provider outage.
#[tokio::test]
async fn an_issuer_that_differs_from_the_published_one_is_a_named_misconfiguration() {
    congdan_tests::logs::capture();
    let provider = ThirdPartyProvider::start(ProviderOptions::default(), true).await;
    let mut args = provider.serve_args();
    args.auth.vneid_issuer = Some(provider.base.clone());
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, args).await;
    let response = browser()
        .get(format!("{}/auth/login", gateway_base(&app)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "SIGN_IN_MISCONFIGURED", "{body}");
    let logged = congdan_tests::logs::lines_with(&["VNEID_ISSUER", &provider.issuer]);
    assert!(
        !logged.is_empty(),
        "the mismatch is logged with both issuers"
    );
    app.stop().await;
}

/// Item 11: new key material under the same `kid` is noticed at the first
/// signature failure (the JWKS is refetched), and logged.
#[tokio::test]
async fn a_key_replaced_under_the_same_kid_is_refetched() {
    congdan_tests::logs::capture();
    let provider = ThirdPartyProvider::start(ProviderOptions::default(), false).await;
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, provider.serve_args()).await;
    let (gateway, an) = (gateway_base(&app), citizen(AN));
    // The gateway has the provider's keys cached after a first sign-in.
    mobile_sign_in(&gateway, &provider.base, an).await;
    let kid = provider.provider.jwks()["keys"][0]["kid"].clone();
    provider.provider.replace_key_keeping_kid();
    assert_eq!(provider.provider.jwks()["keys"][0]["kid"], kid);

    let code = mobile_code(&provider.base, an).await;
    let (status, body) = exchange(&gateway, &code).await;
    assert_eq!(status, 200, "the new key is fetched: {body}");
    assert!(
        !congdan_tests::logs::lines_with(&["JWKS", "refetch", kid.as_str().unwrap()]).is_empty(),
        "the refetch is logged with the kid"
    );
    assert_eq!(sessions(&app).await, 2);
    app.stop().await;
}

/// Item 12: claims typed loosely (`personal_id` a number, booleans as
/// strings) are read; the number keeps its leading zero.
#[tokio::test]
async fn loosely_typed_claims_are_read() {
    let provider = ThirdPartyProvider::start(
        ProviderOptions {
            loose_claims: true,
            ..Default::default()
        },
        false,
    )
    .await;
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, provider.serve_args()).await;
    let an = citizen(AN);
    assert!(
        AN.starts_with('0'),
        "the number loses its leading zero as JSON"
    );
    let cookie = web_sign_in_with(&app, an).await;
    let (status, body) = me_with_cookie(&app, &cookie).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["fullName"], an.name);
    let tokens = mobile_sign_in(&gateway_base(&app), &provider.base, an).await;
    let (_, me) = app
        .graphql("{ me { personalId } }", json!({}))
        .header(
            "authorization",
            bearer(tokens["access_token"].as_str().unwrap()),
        )
        .await
        .pair();
    assert_eq!(me["data"]["me"]["personalId"], AN, "{me}");
    assert_eq!(citizen_records(&app).await, 1, "one citizen, both flows");
    app.stop().await;
}

/// Item 12: a claim no lenient reading makes sense of is named in a 400; a
/// failed userinfo read is reported as such, not as a missing number.
#[tokio::test]
async fn an_unreadable_claim_is_named_and_a_failed_userinfo_is_not_a_missing_number() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let provider = TamperingProvider::start(listener, "http://127.0.0.1:9/auth/callback").await;
    let mut args = serve_args();
    args.auth.vneid_issuer = Some(provider.url.clone());
    args.auth.vneid_client_secret =
        Some(congdan::config::DevVneidArgs::default_client_secret().into());
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, args).await;
    let (gateway, an) = (gateway_base(&app), citizen(AN));

    provider.set(Tamper::UnreadableClaim);
    let code = mobile_code(&provider.url, an).await;
    let (status, body) = exchange(&gateway, &code).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_code(&body), "INVALID_ID_TOKEN", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("email_verified"), "{message}");

    provider.set(Tamper::UserinfoFails);
    let code = mobile_code(&provider.url, an).await;
    let (status, body) = exchange(&gateway, &code).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(error_code(&body), "PROVIDER_UNAVAILABLE", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("userinfo"), "{message}");
    assert!(!message.contains("did not send"), "{message}");
    assert_eq!(sessions(&app).await, 0);
    app.stop().await;
}

/// Item 13: the provider refusing the gateway's client (`invalid_client`)
/// is logged without secrets and answered as a configuration fault.
#[tokio::test]
async fn a_refused_client_is_logged_and_answered_as_a_misconfiguration() {
    congdan_tests::logs::capture();
    const WRONG_SECRET: &str = "wrong-secret-item-13-do-not-log";
    let mut args = serve_args();
    args.auth.vneid_client_secret = Some(WRONG_SECRET.into());
    args.auth.vneid_mobile_client_id = "unregistered-app-item-13".into();
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, args).await;
    let (gateway, provider, an) = (gateway_base(&app), provider_base(&app), citizen(AN));

    let code = mobile_code(&provider, an).await;
    let (status, body) = exchange(&gateway, &code).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(error_code(&body), "SIGN_IN_MISCONFIGURED", "{body}");

    let http = browser();
    let (callback, state) = web_until_callback(&http, &gateway, an).await;
    let done = finish_web(&http, &callback, &state).await;
    assert_eq!(done.status(), 303);
    assert_eq!(
        location_of(&done),
        "/my-services?error=SIGN_IN_MISCONFIGURED"
    );
    assert!(set_cookie(&done, "congdan_session").is_none());

    // Other tests of the process log refusals of the web client too; the
    // mobile client's id is this test's own.
    let logged = congdan_tests::logs::lines_with(&["invalid_client", "refused"]);
    assert!(logged.len() >= 2, "both refusals are logged: {logged:?}");
    assert!(
        !congdan_tests::logs::lines_with(&["invalid_client", "unregistered-app-item-13"])
            .is_empty(),
        "the mobile client's refusal is logged: {logged:?}"
    );
    assert!(
        congdan_tests::logs::lines_with(&[WRONG_SECRET]).is_empty(),
        "no secret in the log"
    );
    assert_eq!(sessions(&app).await, 0);
    app.stop().await;
}

/// Item 14: a provider that offers `client_secret_post` and not
/// `client_secret_basic` gets the secret in the form.
#[tokio::test]
async fn a_provider_offering_only_client_secret_post_signs_in() {
    let provider = ThirdPartyProvider::start(
        ProviderOptions {
            token_auth_methods: Some(vec!["client_secret_post".into(), "none".into()]),
            ..Default::default()
        },
        false,
    )
    .await;
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, provider.serve_args()).await;
    let an = citizen(AN);
    let cookie = web_sign_in_with(&app, an).await;
    let (status, body) = me_with_cookie(&app, &cookie).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["me"]["fullName"], an.name);
    app.stop().await;
}

/// `private_key_jwt`: with a provider that offers no other client
/// authentication, the gateway signs in with a client assertion signed by
/// its configured key, whichever of EdDSA, ES256 and RS256; a key the
/// provider does not have registered is a named misconfiguration.
#[tokio::test]
async fn a_provider_offering_only_private_key_jwt_signs_in() {
    let options = || ProviderOptions {
        token_auth_methods: Some(vec!["private_key_jwt".into(), "none".into()]),
        ..Default::default()
    };
    let fixture = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/fixtures/client-keys/{name}.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let public = |pem: &str| ClientKey::from_pem(pem).unwrap().public_jwk();
    let an = citizen(AN);
    for name in ["ed25519", "p256", "rsa"] {
        let pem = fixture(name);
        let provider =
            ThirdPartyProvider::with_web_client_keys(options(), json!({ "keys": [public(&pem)] }))
                .await;
        let mut args = provider.serve_args();
        args.auth.vneid_client_secret = None;
        args.auth.vneid_client_private_key = Some(pem.into());
        let app = TestApp::spawn_with(TestDatabase::sqlite().await, args).await;
        let cookie = web_sign_in_with(&app, an).await;
        let (status, body) = me_with_cookie(&app, &cookie).await;
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["data"]["me"]["fullName"], an.name);
        app.stop().await;
    }

    congdan_tests::logs::capture();
    let registered = json!({ "keys": [public(&fixture("ed25519"))] });
    let provider = ThirdPartyProvider::with_web_client_keys(options(), registered).await;
    let mut args = provider.serve_args();
    args.auth.vneid_client_private_key = Some(fixture("p256").into());
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, args).await;
    let http = browser();
    let gateway = gateway_base(&app);
    let (callback, state) = web_until_callback(&http, &gateway, an).await;
    let done = finish_web(&http, &callback_at(&callback, &gateway), &state).await;
    assert_eq!(
        location_of(&done),
        "/my-services?error=SIGN_IN_MISCONFIGURED"
    );
    assert!(set_cookie(&done, "congdan_session").is_none());
    assert!(
        !congdan_tests::logs::lines_with(&["invalid_client", "client assertion"]).is_empty(),
        "the provider's refusal is logged"
    );
    app.stop().await;
}

/// Item 14: RP-initiated logout through the provider's `end_session_endpoint`,
/// with the `id_token_hint` this provider requires: the web session keeps
/// the ID token sealed (not readable from the database alone) and drops it
/// at logout.
#[tokio::test]
async fn web_logout_goes_through_the_providers_end_session_endpoint() {
    let provider = ThirdPartyProvider::start(
        ProviderOptions {
            end_session: true,
            end_session_requires_hint: true,
            ..Default::default()
        },
        false,
    )
    .await;
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, provider.serve_args()).await;
    let cookie = web_sign_in_with(&app, citizen(AN)).await;
    let sealed = || async {
        session::Entity::find()
            .one(&app.database.db)
            .await
            .unwrap()
            .unwrap()
            .id_token_sealed
    };
    let stored = sealed().await.expect("the web session keeps the ID token");
    assert!(
        !stored.contains('.') && !stored.starts_with("ey"),
        "sealed, not a JWT"
    );
    let http = browser();
    let logout = http
        .post(format!(
            "{}/auth/logout?returnTo=/goodbye",
            gateway_base(&app)
        ))
        .header("cookie", format!("congdan_session={cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 303);
    let (_, cleared) = set_cookie(&logout, "congdan_session").expect("the cookie is cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    let end_session = location_of(&logout);
    assert!(
        end_session.starts_with(&format!("{}/logout?", provider.base)),
        "{end_session}"
    );
    assert_eq!(
        query_param(&end_session, "client_id").as_deref(),
        Some("congdan-web")
    );
    let hint = query_param(&end_session, "id_token_hint").expect("id_token_hint is sent");
    assert_eq!(claims_of(&hint)["aud"], "congdan-web");
    assert_eq!(sealed().await, None, "the ID token is deleted at logout");
    // Without the hint this provider refuses the logout.
    let without = end_session.replace(&format!("id_token_hint={}", hint), "");
    let refused = http.get(&without).send().await.unwrap();
    assert_eq!(refused.status(), 400);
    let back = http.get(&end_session).send().await.unwrap();
    assert_eq!(back.status(), 303, "the provider sends the browser back");
    let back = location_of(&back);
    assert!(back.starts_with(PUBLIC_ORIGIN), "{back}");
    assert!(back.contains("/auth/logged-out?"), "{back}");
    let home = http
        .get(callback_at(&back, &gateway_base(&app)))
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), 303);
    assert_eq!(location_of(&home), "/goodbye");
    let (status, _) = me_with_cookie(&app, &cookie).await;
    assert_eq!(status, 401, "the session has ended");
    app.stop().await;
}

/// ID tokens signed with RS256 (RSA) and ES256 (P-256), as certified
/// providers sign them, are verified with the provider's JWKS (EdDSA stays
/// the development provider's default), in both flows.
#[tokio::test]
async fn id_tokens_signed_with_rs256_and_es256_sign_in() {
    for (alg, kty) in [(SigningAlg::Rs256, "RSA"), (SigningAlg::Es256, "EC")] {
        let provider = ThirdPartyProvider::start(
            ProviderOptions {
                id_token_alg: alg,
                ..Default::default()
            },
            false,
        )
        .await;
        let key = &provider.provider.jwks()["keys"][0];
        assert_eq!(
            (key["kty"].as_str(), key["alg"].as_str()),
            (Some(kty), Some(alg.name()))
        );
        let app = TestApp::spawn_with(TestDatabase::sqlite().await, provider.serve_args()).await;
        let an = citizen(AN);
        let cookie = web_sign_in_with(&app, an).await;
        let (status, body) = me_with_cookie(&app, &cookie).await;
        assert_eq!(status, 200, "{alg:?}: {body}");
        assert_eq!(body["data"]["me"]["fullName"], an.name);
        mobile_sign_in(&gateway_base(&app), &provider.base, an).await;
        app.stop().await;
    }
}

/// Item 14: consent denied at the provider sends the browser back to
/// `returnTo` with the error, and the state cookie is cleared.
#[tokio::test]
async fn a_denied_consent_returns_to_the_app_with_an_error() {
    let app = TestApp::spawn().await;
    let http = browser();
    let gateway = gateway_base(&app);
    let login = http
        .get(format!("{gateway}/auth/login?returnTo=/my-services"))
        .send()
        .await
        .unwrap();
    let (state, _) = set_cookie(&login, "congdan_auth_state").unwrap();
    let authorize = location_of(&login);
    let mut form: Vec<(String, String)> =
        serde_urlencoded::from_str(authorize.split_once('?').unwrap().1).unwrap();
    form.push(("deny".into(), "1".into()));
    let denied = http
        .post(authorize.split_once('?').unwrap().0)
        .form(&form)
        .send()
        .await
        .unwrap();
    let callback = location_of(&denied);
    assert_eq!(
        query_param(&callback, "error").as_deref(),
        Some("access_denied")
    );
    assert!(query_param(&callback, "state").is_some());

    let done = finish_web(&http, &callback, &state).await;
    assert_eq!(done.status(), 303);
    assert_eq!(location_of(&done), "/my-services?error=ACCESS_DENIED");
    let (value, attributes) = set_cookie(&done, "congdan_auth_state").expect("cleared");
    assert!(
        value.is_empty() && attributes.contains("Max-Age=0"),
        "{attributes}"
    );
    assert!(set_cookie(&done, "congdan_session").is_none());
    assert_eq!(sessions(&app).await, 0);
    app.stop().await;
}

/// A changed `PERSONAL_DATA_KEY` stops the start with an error naming it
/// (it used to be noticed only at a returning citizen's sign-in), also for
/// a database whose records predate the stored check value; the original
/// key starts.
#[tokio::test]
async fn a_changed_personal_data_key_stops_the_start() {
    let database = TestDatabase::sqlite().await;
    let args = serve_args();
    let app = TestApp::spawn_with(database, args.clone()).await;
    let an = citizen(AN);
    mobile_sign_in(&gateway_base(&app), &provider_base(&app), an).await;
    let TestApp {
        system, database, ..
    } = app;
    system.shutdown().await.unwrap();

    let mut changed = args.clone();
    let other_key = STANDARD.encode([42u8; 32]);
    changed.personal_data.personal_data_key = Some(other_key.clone().into());
    let refused = |result: Result<congdan::serve::System, congdan::serve::ServeError>| {
        let message = result.err().expect("the start is refused").to_string();
        assert!(message.contains("PERSONAL_DATA_KEY"), "{message}");
        assert!(!message.contains(&other_key), "{message}");
    };
    refused(congdan::serve::start_system(&changed, database.db.clone()).await);

    // Records made before the check value existed are the check.
    database
        .db
        .execute_unprepared("DELETE FROM citizen_key_checks")
        .await
        .unwrap();
    refused(congdan::serve::start_system(&changed, database.db.clone()).await);

    let app = TestApp::spawn_with(database, args).await;
    mobile_sign_in(&gateway_base(&app), &provider_base(&app), an).await;
    assert_eq!(citizen_records(&app).await, 1, "the same citizen");
    app.stop().await;
}

/// A page of another site cannot open a WebSocket that signs in with the
/// citizen's session cookie; this site's pages (and clients that send no
/// `Origin`) can.
#[tokio::test]
async fn cookie_authenticated_websockets_take_only_this_sites_origin() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = TestApp::spawn().await;
    let gateway = gateway_base(&app);
    let cookie = format!(
        "congdan_session={}",
        web_sign_in(&gateway, citizen(AN)).await
    );
    let ws_url = format!("{}/graphql", gateway.replacen("http://", "ws://", 1));
    let upgrade = |origin: Option<String>| {
        let mut request = ws_url.clone().into_client_request().unwrap();
        let headers = request.headers_mut();
        headers.insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().unwrap(),
        );
        headers.insert("cookie", cookie.parse().unwrap());
        if let Some(origin) = origin {
            headers.insert("origin", origin.parse().unwrap());
        }
        tokio_tungstenite::connect_async(request)
    };
    for foreign in [
        "https://evil.example",
        "http://127.0.0.1.evil.example",
        "null",
    ] {
        match upgrade(Some(foreign.into())).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403, "{foreign}")
            }
            other => panic!(
                "{foreign}: the upgrade was not refused: {:?}",
                other.map(|_| ())
            ),
        }
    }
    for allowed in [Some(gateway.clone()), None] {
        let (mut socket, _) = upgrade(allowed.clone()).await.expect("upgrade");
        use futures::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        socket
            .send(Message::Text(
                json!({ "type": "connection_init" }).to_string().into(),
            ))
            .await
            .unwrap();
        socket
            .send(Message::Text(
                json!({ "id": "1", "type": "subscribe", "payload": { "query": "{ me { fullName } }" } })
                    .to_string()
                    .into(),
            ))
            .await
            .unwrap();
        let mut answer = None;
        while let Some(Ok(Message::Text(text))) = socket.next().await {
            let message: Value = serde_json::from_str(&text).unwrap();
            if message["type"] == "next" {
                answer = Some(message["payload"].clone());
                break;
            }
        }
        assert_eq!(
            answer.expect("an answer")["data"]["me"]["fullName"],
            citizen(AN).name,
            "{allowed:?}"
        );
    }
    app.stop().await;
}
