//! The `congdan` binary as a user runs it: all-in-one start, the printed
//! URL answering, SIGTERM and SIGINT ending with exit code 0, a restart that
//! seeds nothing twice, and `compose` writing what is committed.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_congdan");

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The started process, killed if the test ends before it exits.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `congdan` (no arguments) on `db_url` with every port chosen by the
/// OS; returns the process and the GraphQL URL it printed.
fn start(db_url: &str) -> (Running, String, Option<String>) {
    let mut child = Command::new(BIN)
        .current_dir(repo_root())
        .env("DATABASE_URL", db_url)
        .env("GATEWAY_ADDR", "127.0.0.1:0")
        .env("SUBGRAPHS_BASE_PORT", "0")
        .env("DEV_VNEID_ADDR", "127.0.0.1:0")
        .env_remove("VNEID_ISSUER")
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let child = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut graphql, mut vneid) = (None, None);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.split("test citizens):").nth(1) {
                vneid = Some(url.trim().to_string());
            }
            if let Some(url) = line.split("GraphQL (clients):").nth(1) {
                graphql = Some(url.trim().to_string());
            }
            // The last line of the banner.
            if line.starts_with("Press Ctrl-C") {
                if let Some(url) = graphql.take() {
                    let _ = tx.send((url, vneid.take()));
                }
            }
        }
    });
    let (url, vneid) = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("congdan prints its GraphQL URL");
    (child, url, vneid)
}

fn signal(child: &Running, name: &str) {
    let status = Command::new("kill")
        .args([format!("-{name}"), child.0.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

fn wait_exit(child: &mut Running) -> std::process::ExitStatus {
    // Waits on the process itself, in a thread, so a hang fails the test
    // (after killing the process) instead of holding it.
    let pid = child.0.id().to_string();
    let process = &mut child.0;
    std::thread::scope(|scope| {
        let (sender, exited) = std::sync::mpsc::channel();
        scope.spawn(move || {
            let _ = sender.send(process.wait());
        });
        match exited.recv_timeout(Duration::from_secs(30)) {
            Ok(status) => status.expect("wait"),
            Err(_) => {
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
                panic!("congdan did not stop within 30 s of the signal");
            }
        }
    })
}

async fn report_count(url: &str) -> Value {
    let body: Value = reqwest::Client::new()
        .post(url)
        .json(&json!({ "query": "{ reports { totalCount } administrativeUnits { totalCount } }" }))
        .send()
        .await
        .expect("the printed URL answers")
        .json()
        .await
        .expect("JSON");
    body
}

#[tokio::test]
async fn all_in_one_starts_answers_stops_on_signals_and_seeds_once() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!(
        "sqlite://{}/nested/congdan.db?mode=rwc",
        dir.path().display()
    );

    let (mut child, url, vneid) = start(&db_url);
    let expected = json!({ "data": { "reports": { "totalCount": 4 }, "administrativeUnits": { "totalCount": 168 } } });
    assert_eq!(report_count(&url).await, expected);
    // The development VNeID provider runs beside it and answers discovery.
    let discovery: Value = reqwest::get(vneid.expect("the VNeID provider's URL is printed"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(discovery["authorization_endpoint"]
        .as_str()
        .unwrap()
        .ends_with("/authorize"));
    signal(&child, "TERM");
    assert!(
        wait_exit(&mut child).success(),
        "SIGTERM ends with exit code 0"
    );

    // Restart on the same database: the demo data is not inserted again.
    let (mut child, url, _) = start(&db_url);
    assert_eq!(report_count(&url).await, expected);
    signal(&child, "INT");
    assert!(
        wait_exit(&mut child).success(),
        "SIGINT ends with exit code 0"
    );
    assert!(Path::new(&format!("{}/nested/congdan.db", dir.path().display())).exists());
}

#[test]
fn compose_writes_the_committed_schema_files() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(BIN)
        .args(["compose", "--out"])
        .arg(out.path())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    for relative in [
        "supergraph.graphql",
        "subgraphs/citizen.graphql",
        "subgraphs/feedback.graphql",
        "subgraphs/dossiers.graphql",
        "subgraphs/directories.graphql",
        "subgraphs/geo.graphql",
        "subgraphs/content.graphql",
    ] {
        let written = std::fs::read_to_string(out.path().join(relative)).unwrap();
        let committed = std::fs::read_to_string(repo_root().join("schema").join(relative)).unwrap();
        assert_eq!(
            written, committed,
            "{relative}: refresh with `cargo run -- compose`"
        );
    }
}

#[test]
fn a_bad_database_url_is_a_clear_error_not_a_panic() {
    let output = Command::new(BIN)
        .arg("migrate")
        .env("DATABASE_URL", "mysql://nobody@127.0.0.1:1/none")
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DATABASE_URL"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Production never trusts the development provider: without VNEID_ISSUER
/// the all-in-one system and the gateway alone refuse to start, and say why.
#[test]
fn production_without_a_real_provider_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/congdan.db?mode=rwc", dir.path().display());
    for command in [&[][..], &["gateway"][..]] {
        let output = Command::new(BIN)
            .args(command)
            .current_dir(repo_root())
            .env("DATABASE_URL", &db_url)
            .env("ENVIRONMENT", "production")
            .env(
                "PERSONAL_DATA_KEY",
                "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
            )
            .env("GATEWAY_ADDR", "127.0.0.1:0")
            .env("SUBGRAPHS_BASE_PORT", "0")
            .env("DEV_VNEID_ADDR", "127.0.0.1:0")
            .env_remove("VNEID_ISSUER")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!output.status.success(), "{command:?} started");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("VNEID_ISSUER"), "{command:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// `congdan gateway` on a new database applies the migrations it needs
/// (sessions, signing keys, partner keys) and serves; SIGTERM stops it.
#[test]
fn the_gateway_alone_starts_on_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}/congdan.db?mode=rwc", dir.path().display());
    let mut child = Command::new(BIN)
        .arg("gateway")
        .current_dir(repo_root())
        .env("DATABASE_URL", &db_url)
        .env("GATEWAY_ADDR", "127.0.0.1:0")
        .env_remove("VNEID_ISSUER")
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut child = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.contains("gateway listening on") {
                let _ = tx.send(line);
                return;
            }
        }
    });
    if rx.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = child.0.kill();
        let mut stderr = String::new();
        if let Some(mut pipe) = child.0.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        panic!("the gateway did not start: {stderr}");
    }
    signal(&child, "TERM");
    assert!(wait_exit(&mut child).success());
}
