//! What the citizen tests share: the test citizens, signing in again after
//! a role change, the gateway's metrics, and a consumer of the inbox on a
//! bus of the test's own.

use std::sync::Arc;

use congdan_common::server::{Deps, Secrets};
use congdan_contracts::bus::InProcessBus;
use congdan_tests::{Session, TestApp};
use serde_json::json;

/// Nguyễn Văn An (male, 1990, phone +84901234567, an.nguyen@example.vn).
pub const AN: &str = "079090001234";
/// Trần Thị Bình.
pub const BINH: &str = "079185004321";
/// Lê Hoàng Cường.
pub const CUONG: &str = "001203007777";
/// Phạm Ngọc Dung, the bootstrap admin of the test system.
pub const DUNG_ADMIN: &str = congdan_tests::BOOTSTRAP_ADMIN_PERSONAL_ID;

/// A role change ends the access tokens issued before it: waits until
/// `session`'s is refused, then signs `personal_id` in again.
pub async fn after_role_change(app: &TestApp, session: &Session, personal_id: &str) -> Session {
    congdan_tests::eventually(
        "the token from before the role change to be refused",
        || async {
            let body = session.graphql("{ me { id } }", json!({})).await.body;
            body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        },
    )
    .await;
    app.sign_in(personal_id).await
}

/// The gateway's `/metrics` text.
pub async fn metrics(app: &TestApp) -> String {
    app.http
        .get(format!("http://{}/metrics", app.system.gateway_addr))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text")
}

/// Requests the gateway has sent to each subgraph so far.
pub async fn subgraph_requests(app: &TestApp) -> std::collections::BTreeMap<String, u64> {
    let text = metrics(app).await;
    let prefix = "gateway_subgraph_request_duration_seconds_count{subgraph=\"";
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(prefix)?;
            let (name, value) = rest.split_once("\"}")?;
            Some((name.to_string(), value.trim().parse().ok()?))
        })
        .collect()
}

/// The requests of `after` minus those of `before`, subgraphs with none
/// left out.
pub fn requests_between(
    before: &std::collections::BTreeMap<String, u64>,
    after: &std::collections::BTreeMap<String, u64>,
) -> std::collections::BTreeMap<String, u64> {
    after
        .iter()
        .map(|(name, n)| (name.clone(), n - before.get(name).copied().unwrap_or(0)))
        .filter(|(_, n)| *n > 0)
        .collect()
}

/// Deps on the test system's database with a bus of the test's own: the
/// inbox consumer started on it sees what the test publishes.
pub fn own_bus_deps(app: &TestApp) -> (Deps, Arc<InProcessBus>) {
    let bus = Arc::new(InProcessBus::new(1024));
    let mut deps = Deps::anonymous(app.database.db.clone());
    deps.secrets = Arc::new(Secrets {
        personal_data_key: rand::random(),
        bootstrap_admins: Vec::new(),
    });
    deps.bus = bus.clone();
    (deps, bus)
}
