//! The third-party audit of the GraphQL-over-HTTP specification
//! (`serverAudits` from the `graphql-http` npm package, installed by
//! `.ci/run` into `tests/audit`) against the running gateway: every MUST
//! passes, and every SHOULD that does not is listed in the README.

use std::path::PathBuf;
use std::process::Command;

use congdan_tests::{require_service_in_ci, TestApp};
use serde_json::Value;

#[tokio::test]
async fn the_gateway_passes_every_must_of_the_graphql_http_audit() {
    let audit_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("audit");
    if !audit_dir.join("node_modules/graphql-http").exists() {
        require_service_in_ci(
            "the graphql-http npm package",
            "run `npm ci --prefix tests/audit` (as .ci/run does)",
        );
        return;
    }
    let app = TestApp::spawn().await;
    let url = app.gateway_url();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("audit.mjs")
            .arg(url)
            .current_dir(&audit_dir)
            .output()
    })
    .await
    .unwrap()
    .expect("node runs");
    assert!(
        output.status.success(),
        "the audit script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert!(results.len() > 20, "the audit ran: {results:?}");

    let failed_musts: Vec<&Value> = results
        .iter()
        .filter(|r| r["name"].as_str().is_some_and(|n| n.starts_with("MUST")))
        .filter(|r| r["status"] != "ok")
        .collect();
    assert!(
        failed_musts.is_empty(),
        "MUST audits failing: {failed_musts:#?}"
    );

    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let unlisted: Vec<&Value> = results
        .iter()
        .filter(|r| r["name"].as_str().is_some_and(|n| n.starts_with("SHOULD")))
        .filter(|r| r["status"] != "ok")
        .filter(|r| !readme.contains(&format!("`{}`", r["id"].as_str().unwrap_or_default())))
        .collect();
    assert!(
        unlisted.is_empty(),
        "audits that fail without a reason in README.md (list each id with why): {unlisted:#?}"
    );
    app.stop().await;
}
