//! W1's signed-in citizen: signed in through our gateway (the mobile flow
//! at the development VNeID provider), given a home ward, My Services, a pin
//! of each kind and a few notifications; and the credentials each target
//! gets for it:
//!
//! - our gateway: `Authorization: Bearer <access token>` (15 minutes; the
//!   citizen signs in again before a run that would outlive it);
//! - Hive Router and the baseline: `x-congdan-identity: <identity token>`,
//!   the token our gateway signs for the subgraphs (EdDSA, 60 s), which
//!   Hive Router forwards to every subgraph (header propagation) and the
//!   baseline sends to them itself. The benchmark signs it with the
//!   gateway's current key, read from the database (as another gateway
//!   replica would), with the claims the gateway puts there for this
//!   citizen (those of the access token), fresh before each run and again
//!   every 20 s during it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, ensure, Context};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{TimeZone, Utc};
use ed25519_dalek::{Signer, SigningKey};
use reqwest::header::{HeaderName, HeaderValue, AUTHORIZATION};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde::Serialize;
use serde_json::{json, Value};

use crate::load::Credential;
use crate::report::Target;
use crate::sign_in::{self, Token};

/// The test citizen of the development provider: Nguyễn Văn An, a plain
/// citizen (as in tests/tests/citizen_my_services.rs).
pub const CITIZEN_SUB: &str = "vneid-test-0001";
/// The header subgraphs read the caller's identity from.
pub const IDENTITY_HEADER: &str = "x-congdan-identity";
/// `iss`, `aud` and the longest life of an identity token
/// (subgraphs/common/src/identity).
const GATEWAY_ISSUER: &str = "congdan-gateway";
const SUBGRAPH_AUDIENCE: &str = "congdan-subgraphs";
const IDENTITY_TOKEN_SECS: i64 = 60;
/// How often the identity token is signed again during a run.
const REMINT_EVERY: Duration = Duration::from_secs(20);
/// The access token must outlive a run by this much.
const ACCESS_MARGIN: Duration = Duration::from_secs(60);

/// Signs identity tokens for one identity with the gateway's key.
#[derive(Clone)]
pub struct Minter {
    kid: String,
    key: SigningKey,
    /// `sub`, `roles` and `agencies`, as in the gateway's access token.
    sub: String,
    roles: Value,
    agencies: Value,
}

/// The claims of an identity token, in the order the gateway writes them
/// (`IdentityClaims`: the time claims, then the identity).
#[derive(Serialize)]
struct IdentityClaims<'a> {
    iss: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    sub: &'a str,
    roles: &'a Value,
    agencies: &'a Value,
}

impl Minter {
    /// A compact JWS, `{"alg":"EdDSA","kid":…,"typ":"JWT"}`, valid 60 s
    /// from now.
    pub fn token(&self) -> anyhow::Result<String> {
        let now = Utc::now().timestamp();
        let header = json!({ "alg": "EdDSA", "typ": "JWT", "kid": self.kid });
        let claims = IdentityClaims {
            iss: GATEWAY_ISSUER,
            aud: SUBGRAPH_AUDIENCE,
            iat: now,
            exp: now + IDENTITY_TOKEN_SECS,
            sub: &self.sub,
            roles: &self.roles,
            agencies: &self.agencies,
        };
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims)?)
        );
        let signature = self.key.sign(signing_input.as_bytes());
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature.to_bytes())
        ))
    }

    pub fn header(&self) -> anyhow::Result<HeaderValue> {
        Ok(HeaderValue::from_str(&self.token()?)?)
    }
}

/// The gateway's signing key: the newest of `gateway_signing_keys` (the
/// one it signs with), its kid checked against the public half as the
/// gateway derives it (the first 12 bytes, base64url).
async fn signing_key(database_url: &str) -> anyhow::Result<(String, SigningKey)> {
    let db = Database::connect(database_url)
        .await
        .with_context(|| format!("connecting to {database_url}"))?;
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT kid, secret FROM gateway_signing_keys ORDER BY created_at DESC LIMIT 1",
        ))
        .await
        .context("reading the gateway's signing key")?
        .context("the gateway has no signing key in the database yet")?;
    let kid: String = row.try_get("", "kid")?;
    let secret: String = row.try_get("", "secret")?;
    db.close().await?;
    let bytes: [u8; 32] = STANDARD
        .decode(secret.trim())
        .context("the signing key's secret is not base64")?
        .try_into()
        .map_err(|_| anyhow::anyhow!("the signing key's secret is not 32 bytes"))?;
    let key = SigningKey::from_bytes(&bytes);
    let derived = URL_SAFE_NO_PAD.encode(&key.verifying_key().as_bytes()[..12]);
    ensure!(
        derived == kid,
        "the signing key {kid} does not match its secret (derived kid {derived})"
    );
    Ok((kid, key))
}

/// The claims of one of the gateway's tokens, read without verifying (the
/// gateway just gave it to us).
fn claims_of(token: &str) -> anyhow::Result<Value> {
    let payload = token
        .split('.')
        .nth(1)
        .context("the access token is not a compact JWS")?;
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .context("the access token's payload is not base64url")?;
    serde_json::from_slice(&bytes).context("the access token's payload is not JSON")
}

/// The signed-in citizen and the credentials of each target.
pub struct SignedIn {
    client: reqwest::Client,
    provider: String,
    gateway: String,
    database_url: String,
    pub citizen_id: String,
    token: Token,
    /// `Authorization: Bearer …` for our gateway.
    pub bearer: Arc<Credential>,
    /// `x-congdan-identity: …` for Hive Router and the baseline.
    pub identity: Arc<Credential>,
    minter: Minter,
}

impl SignedIn {
    /// Signs the test citizen in through our gateway (at `gateway`, its
    /// base URL) and gives them what W1 shows.
    pub async fn start(
        client: &reqwest::Client,
        provider: &str,
        gateway: &str,
        database_url: &str,
    ) -> anyhow::Result<Self> {
        let token = sign_in::mobile(provider, gateway, CITIZEN_SUB).await?;
        let claims = claims_of(&token.access)?;
        let citizen_id = claims["sub"]
            .as_str()
            .context("the access token has no sub")?
            .to_string();
        let bearer = Credential::new(AUTHORIZATION, bearer_value(&token)?);
        let me = graphql(
            client,
            gateway,
            &bearer,
            "{ me { id fullName } }",
            json!({}),
        )
        .await?;
        ensure!(
            me["me"]["id"] == json!(citizen_id),
            "me.id is not the access token's sub: {me}"
        );
        let (kid, key) = signing_key(database_url).await?;
        let minter = Minter {
            kid,
            key,
            sub: citizen_id.clone(),
            roles: claims.get("roles").cloned().unwrap_or_else(|| json!([])),
            agencies: claims.get("agencies").cloned().unwrap_or_else(|| json!([])),
        };
        let identity = Credential::new(HeaderName::from_static(IDENTITY_HEADER), minter.header()?);
        let signed_in = Self {
            client: client.clone(),
            provider: provider.to_string(),
            gateway: gateway.to_string(),
            database_url: database_url.to_string(),
            citizen_id,
            token,
            bearer,
            identity,
            minter,
        };
        signed_in.fill().await?;
        Ok(signed_in)
    }

    /// What the test does before its one query: a home ward, a phone and
    /// English in the profile; My Services read once (which makes the
    /// default list); one item of every other subgraph pinned; and
    /// notifications about two reports.
    async fn fill(&self) -> anyhow::Result<()> {
        let ask = |query: &'static str, variables: Value| {
            graphql(&self.client, &self.gateway, &self.bearer, query, variables)
        };
        // Items of every domain, as a client finds them through the gateway.
        let mut ids = Vec::new();
        for (list, field, n) in [
            ("reports", "title", 2),
            ("agencies", "name", 1),
            ("procedures", "name", 1),
            ("articles", "title", 1),
            ("administrativeUnits", "fullName", 1),
        ] {
            let query = format!("{{ {list}(first: {n}) {{ edges {{ node {{ id {field} }} }} }} }}");
            let data =
                graphql(&self.client, &self.gateway, &self.bearer, &query, json!({})).await?;
            let found: Vec<String> = data[list]["edges"]
                .as_array()
                .with_context(|| format!("{list}: {data}"))?
                .iter()
                .filter_map(|e| e["node"]["id"].as_str().map(str::to_string))
                .collect();
            ensure!(found.len() == n, "{list}: fewer than {n} items: {data}");
            ids.push(found);
        }
        let [reports, agency, procedure, article, unit] = &ids[..] else {
            bail!("five lists expected");
        };
        let updated = ask(
            r#"mutation($ward: ID) { updateProfile(input: { homeWardId: $ward, phone: "091 234 5678", language: EN }) {
                profile { homeWard { id } } userErrors { field code message } } }"#,
            json!({ "ward": unit[0] }),
        )
        .await?;
        ensure!(
            updated["updateProfile"]["userErrors"] == json!([]),
            "updateProfile: {updated}"
        );
        ask("{ me { myServices { service { key } } } }", json!({})).await?;
        for (kind, id) in [
            ("ADMINISTRATIVE_UNIT", &unit[0]),
            ("ARTICLE", &article[0]),
            ("PROCEDURE", &procedure[0]),
            ("AGENCY", &agency[0]),
            ("REPORT", &reports[0]),
        ] {
            let pinned = ask(
                "mutation($input: PinItemInput!) { pin(input: $input) { pin { id } userErrors { field code message } } }",
                json!({ "input": { "type": kind, "id": id } }),
            )
            .await?;
            ensure!(
                pinned["pin"]["userErrors"] == json!([]),
                "pinning {kind} {id}: {pinned}"
            );
        }
        notify(
            &self.database_url,
            &self.citizen_id,
            &reports[0],
            &reports[1],
        )
        .await
    }

    /// Makes `target`'s credential good for a run of `span`; for the
    /// identity token, a task signing it again every 20 s until aborted.
    pub async fn ready_for(
        &mut self,
        target: Target,
        span: Duration,
    ) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
        if target.is_ours() {
            if self.token.left() < span + ACCESS_MARGIN {
                self.token = sign_in::mobile(&self.provider, &self.gateway, CITIZEN_SUB).await?;
                let sub = claims_of(&self.token.access)?["sub"].clone();
                ensure!(
                    sub == json!(self.citizen_id),
                    "signed in again as another citizen ({sub})"
                );
                self.bearer.set(bearer_value(&self.token)?);
            }
            return Ok(None);
        }
        let (kid, key) = signing_key(&self.database_url).await?;
        self.minter.kid = kid;
        self.minter.key = key;
        self.identity.set(self.minter.header()?);
        let minter = self.minter.clone();
        let credential = self.identity.clone();
        Ok(Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(REMINT_EVERY).await;
                if let Ok(value) = minter.header() {
                    credential.set(value);
                }
            }
        })))
    }

    /// A fresh identity token now (before the data check).
    pub fn mint_now(&self) -> anyhow::Result<()> {
        self.identity.set(self.minter.header()?);
        Ok(())
    }

    /// The credential `target` sends W1 with.
    pub fn credential(&self, target: Target) -> Arc<Credential> {
        match target {
            t if t.is_ours() => self.bearer.clone(),
            _ => self.identity.clone(),
        }
    }
}

/// Whether a run of `span` fits in one access token (15 minutes).
pub fn fits_access_token(span: Duration) -> bool {
    span + ACCESS_MARGIN < Duration::from_secs(15 * 60)
}

fn bearer_value(token: &Token) -> anyhow::Result<HeaderValue> {
    Ok(HeaderValue::from_str(&format!("Bearer {}", token.access))?)
}

/// POSTs a GraphQL operation to our gateway with `credential`; the `data`,
/// after checking the answer has no errors.
async fn graphql(
    client: &reqwest::Client,
    gateway: &str,
    credential: &Credential,
    query: &str,
    variables: Value,
) -> anyhow::Result<Value> {
    let header = (credential.name.clone(), credential.current());
    sign_in::graphql_data(client, gateway, header, query, variables).await
}

/// Five notifications about the citizen's two reports, one of them read,
/// written as the citizen subgraph's inbox consumer writes them for
/// `feedback.report.created` and `.updated` events (`subgraphs/citizen/src/
/// inbox.rs`). The benchmark's processes have no event bus between them
/// (no NATS), so the events themselves would not reach the citizen
/// subgraph; plain SQL, as the dataset.
async fn notify(
    database_url: &str,
    citizen_id: &str,
    first: &str,
    second: &str,
) -> anyhow::Result<()> {
    const RECEIVED: [&str; 4] = [
        "Đã nhận phản ánh của bạn",
        "Your report was received",
        "Phản ánh đã được gửi đến Tổng đài 1022 và sẽ được chuyển đến đơn vị phụ trách.",
        "Your report reached the 1022 hotline and will be forwarded to the unit in charge.",
    ];
    const ASSIGNED: [&str; 4] = [
        "Phản ánh của bạn: đã chuyển đơn vị xử lý",
        "Your report: assigned to an agency",
        "Trạng thái mới: đã chuyển đơn vị xử lý.",
        "New status: assigned to an agency.",
    ];
    const IN_PROGRESS: [&str; 4] = [
        "Phản ánh của bạn: đang xử lý",
        "Your report: in progress",
        "Trạng thái mới: đang xử lý.",
        "New status: in progress.",
    ];
    // Oldest first; the first one read.
    let notes = [
        (second, RECEIVED),
        (first, RECEIVED),
        (second, ASSIGNED),
        (first, ASSIGNED),
        (first, IN_PROGRESS),
    ];
    let base = Utc
        .with_ymd_and_hms(2026, 11, 28, 20, 0, 0)
        .single()
        .context("base date")?;
    let db = Database::connect(database_url)
        .await
        .with_context(|| format!("connecting to {database_url}"))?;
    for (i, (report, [title_vi, title_en, body_vi, body_en])) in notes.into_iter().enumerate() {
        let created_at = base + chrono::Duration::minutes(30 * i as i64);
        let read_at = (i == 0).then(|| created_at + chrono::Duration::minutes(5));
        let values: Vec<sea_orm::Value> = vec![
            format!("0b3c4e00-0000-7000-8000-{:012}", i + 1).into(),
            citizen_id.into(),
            format!("congdan-bench-w1-{}", i + 1).into(),
            title_vi.into(),
            title_en.into(),
            body_vi.into(),
            body_en.into(),
            report.into(),
            created_at.into(),
            read_at.into(),
        ];
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO citizen_notifications (id, citizen_id, event_id, topic, title_vi, \
             title_en, body_vi, body_en, subject_type, subject_key, created_at, read_at) \
             VALUES (?, ?, ?, 'feedback', ?, ?, ?, ?, 'report', ?, ?, ?)",
            values,
        ))
        .await
        .context("writing the citizen's notifications")?;
    }
    db.close().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_tokens_verify_with_the_public_key() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let minter = Minter {
            kid: URL_SAFE_NO_PAD.encode(&key.verifying_key().as_bytes()[..12]),
            key: key.clone(),
            sub: "c-1".into(),
            roles: json!(["citizen"]),
            agencies: json!([]),
        };
        let token = minter.token().unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
        assert_eq!(header["alg"], "EdDSA");
        assert_eq!(header["kid"], json!(minter.kid));
        let claims = claims_of(&token).unwrap();
        assert_eq!(claims["iss"], GATEWAY_ISSUER);
        assert_eq!(claims["aud"], SUBGRAPH_AUDIENCE);
        assert_eq!(claims["sub"], "c-1");
        assert_eq!(claims["roles"], json!(["citizen"]));
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            IDENTITY_TOKEN_SECS
        );
        let signature: [u8; 64] = URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap()
            .try_into()
            .unwrap();
        let input = format!("{}.{}", parts[0], parts[1]);
        key.verifying_key()
            .verify_strict(
                input.as_bytes(),
                &ed25519_dalek::Signature::from_bytes(&signature),
            )
            .unwrap();
    }
}
