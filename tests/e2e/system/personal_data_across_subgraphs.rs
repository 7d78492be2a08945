//! Personal data across subgraphs (Decree 13/2023/ND-CP): one
//! `exportMyData` request through the gateway returns what the citizen and
//! the feedback subgraphs hold (the gateway joins them on the
//! `PersonalDataExport` entity), each part for its owner only; and deleting
//! the account reaches the feedback subgraph through the event bus, which
//! anonymises the citizen's reports, deletes their follows and removes
//! their authorship, once however often the event arrives.

use crate::feedback::support as feedback_support;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use congdan::subgraphs::SubgraphName;

use congdan_common::server::Deps;
use congdan_contracts::identity::jws::{KeyPair, TimeClaims};
use congdan_contracts::identity::{
    Identity, IdentityClaims, Role, GATEWAY_ISSUER, SUBGRAPH_AUDIENCE,
};
use congdan_tests::graphql::codes;
use congdan_tests::{Request, Session, TestApp, TestDatabase, BOOTSTRAP_ADMIN_PERSONAL_ID};
use entity::feedback::{follower, report, submission, timeline_entry};
use entity::gateway::signing_key;
use entity::outbox_event;
use feedback_support::{report_input, step, submit, AN, BINH, POINT};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

const EXPORT: &str = "{ exportMyData { citizenId generatedAt citizen feedback } }";
const FOLLOW: &str =
    "mutation($id: ID!) { followReport(id: $id) { report { followerCount } userErrors { code } } }";
const EXPORT_ENTITY: &str = r#"query($id: ID!) {
  _entities(representations: [{ __typename: "PersonalDataExport", citizenId: $id }]) {
    ... on PersonalDataExport { citizenId feedback }
  }
}"#;

/// An identity header for `who`, signed with the gateway's key as the
/// gateway would send it to a subgraph.
async fn gateway_identity(db: &DatabaseConnection, who: &str) -> String {
    let key = signing_key::Entity::find()
        .one(db)
        .await
        .unwrap()
        .expect("the gateway has a signing key");
    let secret: [u8; 32] = STANDARD.decode(key.secret).unwrap().try_into().unwrap();
    let now = chrono::Utc::now().timestamp();
    KeyPair::from_secret(&secret)
        .sign(&IdentityClaims {
            time: TimeClaims {
                iss: GATEWAY_ISSUER.into(),
                aud: SUBGRAPH_AUDIENCE.into(),
                iat: now,
                exp: now + 60,
            },
            identity: Identity {
                sub: who.into(),
                roles: vec![Role::Citizen],
                agencies: vec![],
            },
        })
        .unwrap()
}

/// A GraphQL request to the feedback subgraph itself.
fn feedback_subgraph(app: &TestApp, query: &str, id: &str) -> Request {
    Request::to(
        format!("{}/graphql", app.subgraph_url(SubgraphName::Feedback)),
        query,
        json!({ "id": id }),
    )
}

async fn export(who: &Session) -> Value {
    let body = who.graphql(EXPORT, json!({})).await.ok();
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["exportMyData"].clone()
}

async fn the_report(db: &DatabaseConnection, id: &str) -> report::Model {
    report::Entity::find_by_id(id.to_string())
        .one(db)
        .await
        .unwrap()
        .expect("the report stays")
}

/// What the deletion touches, to compare before and after a redelivery.
async fn snapshot(
    db: &DatabaseConnection,
) -> (
    Vec<report::Model>,
    Vec<follower::Model>,
    Vec<timeline_entry::Model>,
    Vec<submission::Model>,
) {
    (
        report::Entity::find()
            .order_by_asc(report::Column::Id)
            .all(db)
            .await
            .unwrap(),
        follower::Entity::find()
            .order_by_asc(follower::Column::ReportId)
            .order_by_asc(follower::Column::CitizenId)
            .all(db)
            .await
            .unwrap(),
        timeline_entry::Entity::find()
            .order_by_asc(timeline_entry::Column::Id)
            .all(db)
            .await
            .unwrap(),
        submission::Entity::find()
            .order_by_asc(submission::Column::IdempotencyKey)
            .all(db)
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn export_joins_subgraphs_and_deletion_anonymises_feedback() {
    export_and_delete(TestApp::spawn().await).await;
}

#[tokio::test]
async fn export_joins_subgraphs_and_deletion_anonymises_feedback_on_postgres() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    export_and_delete(TestApp::spawn_on(database).await).await;
}

async fn export_and_delete(app: TestApp) {
    let db = app.database.db.clone();
    // The feedback consumer of account deletions on the system's bus,
    // started before anything is deleted (the system wires it too once
    // `background_tasks` starts it; handling twice is harmless).
    let mut deps = Deps::anonymous(db.clone());
    deps.bus = app.system.bus.clone();
    let stop_consumer = CancellationToken::new();
    let consumer = congdan_feedback::spawn_account_deletions(&deps, stop_consumer.clone());

    let an = app.sign_in(AN).await;
    let binh = app.sign_in(BINH).await;
    let admin = app.sign_in(BOOTSTRAP_ADMIN_PERSONAL_ID).await;

    // An reports a broken street light and follows Bình's fallen tree;
    // Bình follows An's report. The admin handles An's report and An rates
    // it, which closes it: resolved, so on the public map.
    let mine = submit(
        &app,
        Some(&an),
        report_input("an-phone-7f3a-0001", "street_lights", POINT),
    )
    .await;
    let theirs = submit(
        &app,
        Some(&binh),
        report_input("binh-phone-0001", "trees", POINT),
    )
    .await;
    for (who, id) in [(&an, &theirs), (&binh, &mine)] {
        let body = who.graphql(FOLLOW, json!({ "id": id })).await.ok();
        assert_eq!(
            body["data"]["followReport"],
            json!({ "report": { "followerCount": 1 }, "userErrors": [] }),
            "{body}"
        );
    }
    for name in ["assignReport", "startReportProgress", "resolveReport"] {
        step(&admin, name, &mine).await;
    }
    let rated = step(&an, "rateReport", &mine).await;
    assert_eq!(rated["report"]["status"], "CLOSED");

    // One request, both subgraphs' parts.
    let exported = export(&an).await;
    assert_eq!(exported["citizenId"], json!(an.citizen_id));
    assert!(exported["generatedAt"].is_string());
    assert_eq!(exported["citizen"]["record"]["personalId"], AN);
    let feedback = &exported["feedback"];
    assert_eq!(feedback["citizenId"], json!(an.citizen_id));
    let reports = feedback["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "{feedback}");
    let sent = &reports[0];
    assert_eq!(sent["id"], json!(mine));
    assert_eq!(sent["status"], "closed");
    assert_eq!(sent["followerCount"], 1);
    assert_eq!(sent["rating"]["stars"], 5);
    assert_eq!(sent["rating"]["comment"], "Xử lý nhanh");
    assert_eq!(sent["submission"]["idempotencyKey"], "an-phone-7f3a-0001");
    let steps: Vec<(&str, bool)> = sent["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["action"].as_str().unwrap(), s["byYou"] == true))
        .collect();
    assert_eq!(
        steps,
        [
            ("submitted", true),
            ("assigned", false),
            ("started", false),
            ("resolved", false),
            ("rated", true),
        ]
    );
    assert_eq!(
        feedback["follows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["reportId"].clone(), f["status"].clone()))
            .collect::<Vec<_>>(),
        [(json!(theirs), json!("received"))]
    );
    assert_eq!(feedback["stepsOnOtherReports"], json!([]));
    let text = feedback.to_string();
    assert!(
        !text.contains(&binh.citizen_id) && !text.contains(&admin.citizen_id),
        "{text}"
    );
    assert!(!text.contains("binh-phone-0001"), "only An's submissions");
    // Bình's part holds his report and his follow of An's, none of An's.
    let binh_part = export(&binh).await["feedback"].clone();
    assert_eq!(binh_part["reports"][0]["id"], json!(theirs));
    assert_eq!(binh_part["follows"][0]["reportId"], json!(mine));
    assert!(!binh_part.to_string().contains("an-phone"), "{binh_part}");

    // Bình asking the feedback subgraph for An's part: FORBIDDEN; nobody
    // at all: UNAUTHENTICATED. Nothing of An's shows either way.
    let as_binh = gateway_identity(&db, &binh.citizen_id).await;
    let body = feedback_subgraph(&app, EXPORT_ENTITY, &an.citizen_id)
        .identity(Some(&as_binh))
        .await
        .ok();
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    assert_eq!(
        body["data"]["_entities"][0]["feedback"],
        Value::Null,
        "{body}"
    );
    assert!(!body.to_string().contains(&mine), "{body}");
    let body = feedback_subgraph(&app, EXPORT_ENTITY, &an.citizen_id)
        .identity(None)
        .await
        .ok();
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
    assert!(!body.to_string().contains(&mine), "{body}");
    // The same header for Bình's own part works: the refusal is about whose.
    let body = feedback_subgraph(&app, EXPORT_ENTITY, &binh.citizen_id)
        .identity(Some(&as_binh))
        .await
        .ok();
    assert_eq!(
        body["data"]["_entities"][0]["feedback"]["reports"][0]["id"],
        json!(theirs),
        "{body}"
    );

    // An deletes the account; the event reaches the feedback subgraph.
    let body = an
        .graphql(
            "mutation { deleteMyAccount { deletedCitizenId userErrors { code } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body["data"]["deleteMyAccount"],
        json!({ "deletedCitizenId": an.citizen_id, "userErrors": [] }),
        "{body}"
    );
    congdan_tests::eventually("An's report to lose its reporter", || async {
        the_report(&db, &mine).await.reporter_id.is_none()
    })
    .await;

    // The report stays, public, without a reporter or An's comment.
    let kept = the_report(&db, &mine).await;
    assert_eq!(kept.status, "closed");
    assert!(kept.resolved_at.is_some());
    assert_eq!(kept.rating_stars, Some(5));
    assert_eq!(kept.rating_comment, None);
    assert_eq!(kept.follower_count, 1, "Bình still follows it");
    let body = app
        .graphql(
            "query($id: ID!) { report(id: $id) { id status title } }",
            json!({ "id": mine }),
        )
        .await
        .ok();
    assert_eq!(body["data"]["report"]["status"], "CLOSED", "{body}");
    // An's follow is gone and its count with it; Bình's stays.
    let follows = follower::Entity::find().all(&db).await.unwrap();
    assert_eq!(
        follows
            .iter()
            .map(|f| (f.report_id.as_str(), f.citizen_id.as_str()))
            .collect::<Vec<_>>(),
        [(mine.as_str(), binh.citizen_id.as_str())]
    );
    assert_eq!(the_report(&db, &theirs).await.follower_count, 0);
    // No step names An; the admin's steps keep their author and notes.
    let timeline = timeline_entry::Entity::find()
        .filter(timeline_entry::Column::ReportId.eq(mine.as_str()))
        .order_by_asc(timeline_entry::Column::Id)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(timeline.len(), 5);
    assert!(timeline
        .iter()
        .all(|e| e.actor_id.as_deref() != Some(an.citizen_id.as_str())));
    let rated = timeline.iter().find(|e| e.action == "rated").unwrap();
    assert_eq!(
        (rated.actor_id.as_deref(), rated.message.as_deref()),
        (None, None)
    );
    assert_eq!(rated.actor_role, "reporter");
    let resolved = timeline.iter().find(|e| e.action == "resolved").unwrap();
    assert_eq!(
        resolved.actor_id.as_deref(),
        Some(admin.citizen_id.as_str())
    );
    assert!(resolved.message.is_some());
    // An's idempotency record is gone; Bình's stays.
    let keys: Vec<String> = submission::Entity::find()
        .all(&db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.idempotency_key)
        .collect();
    assert!(!keys.iter().any(|k| k.starts_with("an-phone")), "{keys:?}");
    assert!(keys.iter().any(|k| k == "binh-phone-0001"), "{keys:?}");

    // A second delivery of the same event changes nothing: through the
    // bus (the consumer has seen its id) and handled again directly (as a
    // replica that had not seen it would).
    let before = snapshot(&db).await;
    let row = outbox_event::Entity::find()
        .filter(outbox_event::Column::Topic.eq("citizen.account.deleted"))
        .one(&db)
        .await
        .unwrap()
        .expect("the deletion's event");
    let event = congdan_tests::events::from_outbox(row);
    app.system.bus.publish(&event).await.unwrap();
    let again = congdan_feedback::personal_data::handle(&db, &event)
        .await
        .unwrap()
        .expect("an account deletion");
    assert!(!again.changed_anything(), "{again:?}");
    stop_consumer.cancel();
    consumer.await.unwrap();
    assert_eq!(snapshot(&db).await, before);

    app.stop().await;
}
