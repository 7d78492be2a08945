//! What the feedback tests share: the running system with signed-in
//! citizens (a reporter, an officer, another citizen, an admin), the
//! outbox events a report produced, and the feedback subgraph alone.

use congdan_tests::{claims_of, Session, TestApp, BOOTSTRAP_ADMIN_PERSONAL_ID};
use entity::outbox_event;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{json, Value};

/// Nguyễn Văn An: reports.
pub const AN: &str = "079090001234";
/// Trần Thị Bình: made an officer of the Bến Thành ward committee.
pub const BINH: &str = "079185004321";
/// Lê Hoàng Cường: another citizen (follows, or made an officer elsewhere).
pub const CUONG: &str = "001203007777";

/// The agency the officer acts for (a demo agency of directories).
pub const AGENCY: &str = "ubnd-ben-thanh";
pub const OTHER_AGENCY: &str = "ubnd-tan-dinh";

/// Near Chợ Bến Thành: ward Bến Thành (26743).
pub const POINT: (f64, f64) = (10.7725, 106.6980);
pub const WARD: &str = "26743";

pub struct World {
    pub app: TestApp,
    pub admin: Session,
    pub reporter: Session,
    pub officer: Session,
    pub other: Session,
}

impl World {
    /// The system, with An, Bình (officer of [`AGENCY`]), Cường and the
    /// admin signed in through the gateway.
    pub async fn start() -> Self {
        Self::start_on(congdan_tests::TestDatabase::sqlite().await).await
    }

    /// On PostgreSQL; None (the test is skipped) when it is not running,
    /// except under `CI=true`.
    pub async fn start_postgres() -> Option<Self> {
        Some(Self::start_on(congdan_tests::TestDatabase::postgres().await?).await)
    }

    pub async fn start_on(database: congdan_tests::TestDatabase) -> Self {
        let app = TestApp::spawn_on(database).await;
        let admin = app.sign_in(BOOTSTRAP_ADMIN_PERSONAL_ID).await;
        let reporter = app.sign_in(AN).await;
        let officer = app.sign_in(BINH).await;
        let other = app.sign_in(CUONG).await;
        let officer = make_officer(&admin, &officer, &[AGENCY]).await;
        Self {
            app,
            admin,
            reporter,
            officer,
            other,
        }
    }

    pub async fn stop(self) {
        self.app.stop().await;
    }
}

/// Grants OFFICER for `agencies` and refreshes `who`'s tokens once the
/// change has ended the old ones; the new ones carry the role and agencies.
pub async fn make_officer(admin: &Session, who: &Session, agencies: &[&str]) -> Session {
    let body = admin.graphql("mutation($id: ID!, $agencies: [ID!]) { grantRole(citizenId: $id, role: OFFICER, agencyIds: $agencies) { id } }", json!({ "id": who.citizen_id, "agencies": agencies })).await.ok();
    assert!(body.get("errors").is_none(), "{body}");
    // The role change ends the tokens issued before it; refresh after.
    congdan_tests::eventually("the pre-grant token to be refused", || async {
        who.graphql("{ me { id } }", json!({})).await.status == 401
    })
    .await;
    let refreshed = who.refresh().await;
    let claims = claims_of(&refreshed.token);
    assert!(claims["roles"]
        .as_array()
        .unwrap()
        .contains(&json!("officer")));
    refreshed
}

/// (topic, payload) of the outbox events about `report_id`, in order.
pub async fn events(app: &TestApp, report_id: &str) -> Vec<(String, Value)> {
    outbox_event::Entity::find()
        .order_by_asc(outbox_event::Column::Id)
        .all(&app.database.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.topic.starts_with("feedback."))
        .map(|e| (e.topic, serde_json::from_str::<Value>(&e.payload).unwrap()))
        .filter(|(_, p)| p["id"] == report_id)
        .collect()
}

pub const SUBMIT: &str = r#"mutation($input: SubmitReportInput!) {
    submitReport(input: $input) {
        report { id status ward { id } dueAt createdAt category { key } followerCount viewerIsReporter }
        similarReports { id }
        userErrors { field code message }
    }
}"#;

/// A submission at `point` in `category`.
pub fn report_input(key: &str, category: &str, point: (f64, f64)) -> Value {
    json!({
        "title": "Đèn đường không sáng",
        "description": "Hai trụ đèn trước chợ không sáng từ tối hôm qua.",
        "category": category,
        "latitude": point.0,
        "longitude": point.1,
        "address": "Chợ Bến Thành",
        "idempotencyKey": key,
    })
}

/// Submits as `who`; the new report's id.
pub async fn submit(app: &TestApp, who: Option<&Session>, input: Value) -> String {
    let body = app
        .graphql(SUBMIT, json!({ "input": input }))
        .signed_in(who)
        .await
        .ok();
    let payload = &body["data"]["submitReport"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    payload["report"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string()
}

pub const STEP_FIELDS: &str =
    "report { id status agencyId officialAnswer } timelineEntry { action fromStatus toStatus actorRole actorId agencyId note } userErrors { field code message }";

/// The mutation text of a workflow step.
pub fn step_mutation(name: &str, input_type: &str) -> String {
    format!("mutation($input: {input_type}!) {{ {name}(input: $input) {{ {STEP_FIELDS} }} }}")
}

/// The six steps as (mutation, input type, input for `report_id`).
pub fn steps(report_id: &str) -> Vec<(&'static str, String, Value)> {
    vec![
        (
            "assignReport",
            step_mutation("assignReport", "AssignReportInput"),
            json!({ "reportId": report_id, "agencyId": AGENCY, "note": "Chuyển phường xử lý" }),
        ),
        (
            "transferReport",
            step_mutation("transferReport", "AssignReportInput"),
            json!({ "reportId": report_id, "agencyId": OTHER_AGENCY, "note": "Thuộc phường khác" }),
        ),
        (
            "startReportProgress",
            step_mutation("startReportProgress", "ReportStepInput"),
            json!({ "reportId": report_id, "note": "Đã cử người kiểm tra" }),
        ),
        (
            "resolveReport",
            step_mutation("resolveReport", "ResolveReportInput"),
            json!({ "reportId": report_id, "answer": "Đã thay bóng đèn, đèn sáng lại." }),
        ),
        (
            "rejectReport",
            step_mutation("rejectReport", "RejectReportInput"),
            json!({ "reportId": report_id, "reason": "Trùng với phản ánh khác" }),
        ),
        (
            "rateReport",
            step_mutation("rateReport", "RateReportInput"),
            json!({ "reportId": report_id, "stars": 5, "comment": "Xử lý nhanh" }),
        ),
    ]
}

/// Takes step `name` on `report_id` as `who`; the payload (or panics with
/// the body if the step was refused).
pub async fn step(who: &Session, name: &str, report_id: &str) -> Value {
    let (name, query, input) = steps(report_id)
        .into_iter()
        .find(|(n, _, _)| *n == name)
        .expect("a step");
    let body = who.graphql(&query, json!({ "input": input })).await.ok();
    let payload = body["data"][name].clone();
    assert_eq!(payload["userErrors"], json!([]), "{name}: {body}");
    assert!(body.get("errors").is_none(), "{name}: {body}");
    payload
}

pub const TRACK: &str = r#"query($id: ID!) { report(id: $id) {
    status officialAnswer followerCount overdue agencyId
    timeline { action fromStatus toStatus actorRole actorId agencyId note }
    rating { stars comment }
} }"#;

/// What `who` sees of the report's tracking.
pub async fn track(app: &TestApp, who: Option<&Session>, id: &str) -> Value {
    app.graphql(TRACK, json!({ "id": id }))
        .signed_in(who)
        .await
        .ok()
}

/// The feedback subgraph alone on a free port, over its own migrated
/// database with the demo data, trusting identity tokens signed by a test
/// key, as the gateway would send them. For what the gateway does not
/// carry yet (multipart uploads) or serves elsewhere (Open311, photo links).
pub struct Direct {
    pub base: String,
    pub database: congdan_tests::TestDatabase,
    /// Where its photos go (its own folder, passed in its settings).
    pub photos: tempfile::TempDir,
    pair: congdan_contracts::identity::jws::KeyPair,
    task: tokio::task::JoinHandle<()>,
}

impl Direct {
    pub async fn start() -> Self {
        use congdan_common::server::{Deps, Secrets};
        let photos = tempfile::tempdir().expect("a temporary folder");
        let database = congdan_tests::TestDatabase::sqlite().await;
        congdan::db::migrate(&database.db)
            .await
            .expect("migrations");
        congdan::seed::demo(&database.db).await.expect("demo data");
        // The directories subgraph does not run here: feedback's read model
        // of its agencies gets the list its event would carry.
        let agencies = entity::directories::agency::Entity::find()
            .all(&database.db)
            .await
            .expect("the demo agencies")
            .into_iter()
            .map(|a| congdan_contracts::events::directories::ListedAgency {
                id: a.id,
                kind: a.kind,
                ward_id: a.ward_code,
            })
            .collect();
        congdan_feedback::store::agencies::replace(
            &database.db,
            &congdan_contracts::events::directories::AgenciesListed { agencies },
        )
        .await
        .expect("the agencies' read model");
        let pair = congdan_contracts::identity::jws::KeyPair::generate();
        let deps = Deps {
            db: database.db.clone(),
            identity: congdan_contracts::identity::IdentityVerifier::trusting([(
                pair.kid.clone(),
                pair.public(),
            )]),
            secrets: std::sync::Arc::new(Secrets {
                personal_data_key: rand::random(),
                bootstrap_admins: Vec::new(),
            }),
            bus: std::sync::Arc::new(congdan_contracts::bus::InProcessBus::new(16)),
        };
        let config = congdan_feedback::config::FeedbackConfig {
            photos_dir: photos.path().to_path_buf(),
            ..congdan_feedback::config::FeedbackConfig::default()
        };
        let router = congdan_feedback::Feedback::new(&deps, config).router(&deps);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            base,
            database,
            photos,
            pair,
            task,
        }
    }

    pub async fn stop(self) {
        self.task.abort();
        self.database.drop().await;
    }

    /// An identity token for `sub` with `roles` and `agencies`, valid 60 s.
    pub fn token(
        &self,
        sub: &str,
        roles: &[congdan_contracts::identity::Role],
        agencies: &[&str],
    ) -> String {
        use congdan_contracts::identity::{
            Identity, IdentityClaims, GATEWAY_ISSUER, SUBGRAPH_AUDIENCE,
        };
        let now = chrono::Utc::now().timestamp();
        self.pair
            .sign(&IdentityClaims {
                time: congdan_contracts::identity::jws::TimeClaims {
                    iss: GATEWAY_ISSUER.into(),
                    aud: SUBGRAPH_AUDIENCE.into(),
                    iat: now,
                    exp: now + 60,
                },
                identity: Identity {
                    sub: sub.into(),
                    roles: roles.to_vec(),
                    agencies: agencies.iter().map(|a| a.to_string()).collect(),
                },
            })
            .unwrap()
    }

    /// A GraphQL request to the subgraph (with `.identity(..)`, as a
    /// caller).
    pub fn graphql(&self, query: &str, variables: Value) -> congdan_tests::Request {
        congdan_tests::Request::to(format!("{}/graphql", self.base), query, variables)
    }

    /// A GraphQL multipart request (the multipart request specification):
    /// `files` are (variable path, file name, claimed type, bytes). The
    /// status and the body (JSON, or text when it is not JSON).
    pub async fn multipart(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
        files: &[(&str, &str, &str, Vec<u8>)],
    ) -> (u16, Value) {
        let boundary = "congdan-test-boundary-7f3a";
        let mut body: Vec<u8> = Vec::new();
        let mut part = |headers: String, content: &[u8]| {
            body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
            body.extend_from_slice(content);
            body.extend_from_slice(b"\r\n");
        };
        let operations = json!({ "query": query, "variables": variables }).to_string();
        part(
            "Content-Disposition: form-data; name=\"operations\"".into(),
            operations.as_bytes(),
        );
        let map: serde_json::Map<String, Value> = files
            .iter()
            .enumerate()
            .map(|(i, (path, ..))| (i.to_string(), json!([path])))
            .collect();
        part(
            "Content-Disposition: form-data; name=\"map\"".into(),
            Value::Object(map).to_string().as_bytes(),
        );
        for (i, (_, name, claimed, bytes)) in files.iter().enumerate() {
            part(
                format!("Content-Disposition: form-data; name=\"{i}\"; filename=\"{name}\"\r\nContent-Type: {claimed}"),
                bytes,
            );
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut request = reqwest::Client::new()
            .post(format!("{}/graphql", self.base))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if let Some(token) = token {
            request = request.header(congdan_contracts::identity::IDENTITY_HEADER, token);
        }
        let response = request.send().await.expect("the subgraph answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
}

/// The smallest files each type is recognised by (magic bytes) plus padding.
pub fn jpeg(size: usize) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.resize(size.max(4), 0x11);
    bytes
}

pub fn png(size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(size.max(8), 0x22);
    bytes
}

pub fn webp(size: usize) -> Vec<u8> {
    let mut bytes = b"RIFF\0\0\0\0WEBPVP8 ".to_vec();
    bytes.resize(size.max(16), 0x33);
    bytes
}
