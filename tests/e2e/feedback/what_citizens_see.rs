//! What a citizen sees, through the gateway (issue 14, part 3): agency ids
//! checked against the directory's read model, an unresolvable entity null
//! with NOT_FOUND, every category routed to an agency that exists, one
//! visibility rule for a report's words, officers' notes kept from the
//! citizen, and published outbox rows deleted after their retention.

use crate::feedback::support as feedback_support;

use congdan_common::outbox;
use congdan_tests::Session;
use entity::{feedback, outbox_event};
use feedback_support::*;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};

const ASSIGN: &str = "mutation($input: AssignReportInput!) { assignReport(input: $input) { report { id agencyId } userErrors { field code } } }";

#[tokio::test]
async fn an_unknown_agency_is_refused_and_one_that_cannot_be_resolved_is_not_found() {
    let w = World::start().await;
    let id = submit(
        &w.app,
        Some(&w.reporter),
        report_input("agency-check-01", "street_lights", POINT),
    )
    .await;
    let body = w
        .admin
        .graphql(
            ASSIGN,
            json!({ "input": { "reportId": id, "agencyId": "no-such-agency" } }),
        )
        .await
        .ok();
    assert_eq!(
        body["data"]["assignReport"],
        json!({ "report": null, "userErrors": [{ "field": ["input", "agencyId"], "code": "UNKNOWN_AGENCY" }] }),
        "{body}"
    );

    // A report whose agency left the directory: the agency is null with
    // NOT_FOUND from directories, the rest of the report is there.
    let row = feedback::report::Entity::find_by_id(id.clone())
        .one(&w.app.database.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: feedback::report::ActiveModel = row.into();
    row.agency_id = Set(Some("agency-gone".into()));
    row.update(&w.app.database.db).await.unwrap();
    let body = w
        .reporter
        .graphql(
            "query($id: ID!) { report(id: $id) { id status agency { id name } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(body["data"]["report"]["id"], id.as_str(), "{body}");
    assert_eq!(body["data"]["report"]["agency"], Value::Null, "{body}");
    let errors = body["errors"].as_array().expect("an error");
    assert_eq!(errors.len(), 1, "{body}");
    assert_eq!(errors[0]["extensions"]["code"], "NOT_FOUND", "{body}");
    assert_eq!(errors[0]["path"], json!(["report", "agency"]), "{body}");
    // Asking only for fields that may be null, the agency is null too, not
    // a stub of its key.
    let body = w
        .reporter
        .graphql(
            "query($id: ID!) { report(id: $id) { id agency { hotline address } } }",
            json!({ "id": id }),
        )
        .await
        .ok();
    assert_eq!(body["data"]["report"]["agency"], Value::Null, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["report", "agency"]),
        "{body}"
    );
    w.stop().await;
}

#[tokio::test]
async fn every_category_routes_to_an_agency_of_its_kind_that_exists() {
    let w = World::start().await;
    let body = w
        .app
        .graphql(
            "{ reportCategories(first: 50) { edges { node { key agencyKind } } } }",
            json!({}),
        )
        .await
        .ok();
    let categories: Vec<(String, String)> = body["data"]["reportCategories"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let node = &e["node"];
            (
                node["key"].as_str().unwrap().to_string(),
                node["agencyKind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(categories.len(), 15, "{body}");
    for (i, (category, kind)) in categories.iter().enumerate() {
        let id = submit(
            &w.app,
            Some(&w.reporter),
            report_input(&format!("route-{i:02}-{category}"), category, POINT),
        )
        .await;
        // No agency given: the routing table chooses.
        let body = w
            .admin
            .graphql(ASSIGN, json!({ "input": { "reportId": id } }))
            .await
            .ok();
        assert_eq!(
            body["data"]["assignReport"]["userErrors"],
            json!([]),
            "{category}: {body}"
        );
        let body = w
            .reporter
            .graphql(
                "query($id: ID!) { report(id: $id) { status agency { id name kind } } }",
                json!({ "id": id }),
            )
            .await
            .ok();
        assert!(body.get("errors").is_none(), "{category}: {body}");
        let agency = &body["data"]["report"]["agency"];
        assert_eq!(agency["kind"], kind.as_str(), "{category}: {body}");
        assert!(agency["name"].as_str().is_some(), "{category}: {body}");
        if kind == "commune_committee" {
            // The committee of the report's own ward.
            assert_eq!(agency["id"], AGENCY, "{category}: {body}");
        }
    }
    w.stop().await;
}

const WORDS: &str = "title description address officialAnswer";

/// The report as `who` finds it in the public list.
async fn listed(w: &World, who: Option<&Session>, id: &str) -> Value {
    let query = format!("{{ reports(first: 100) {{ edges {{ node {{ id status {WORDS} }} }} }} }}");
    let body = w.app.graphql(&query, json!({})).signed_in(who).await.ok();
    body["data"]["reports"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["node"].clone())
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("{id} not listed: {body}"))
}

async fn open311_description(w: &World, id: &str) -> Value {
    let url = format!(
        "http://{}/open311/v2/requests/{id}.json",
        w.app.system.gateway_addr
    );
    let body: Value = reqwest::get(url).await.unwrap().json().await.unwrap();
    body[0]["description"].clone()
}

#[tokio::test]
async fn a_report_s_words_are_public_only_once_an_agency_handles_it() {
    let w = World::start().await;
    let id = submit(
        &w.app,
        Some(&w.reporter),
        report_input("visibility-01", "street_lights", POINT),
    )
    .await;
    // Received: the public (anonymous, another citizen) see no words; the
    // reporter does.
    for who in [None, Some(&w.other)] {
        let node = listed(&w, who, &id).await;
        assert_eq!(
            node,
            json!({ "id": id, "status": "RECEIVED", "title": null, "description": null, "address": null, "officialAnswer": null })
        );
    }
    assert_eq!(
        listed(&w, Some(&w.reporter), &id).await["title"],
        "Đèn đường không sáng"
    );
    assert_eq!(open311_description(&w, &id).await, Value::Null);
    // Assigned: still unchecked by the agency.
    step(&w.admin, "assignReport", &id).await;
    assert_eq!(listed(&w, None, &id).await["title"], Value::Null);
    // In progress: public, on every path.
    step(&w.officer, "startReportProgress", &id).await;
    let node = listed(&w, None, &id).await;
    assert_eq!(node["title"], "Đèn đường không sáng");
    assert_eq!(node["address"], "Chợ Bến Thành");
    assert!(open311_description(&w, &id).await.is_string());
    let (s, n) = (POINT.0 - 0.01, POINT.0 + 0.01);
    let (west, east) = (POINT.1 - 0.01, POINT.1 + 0.01);
    let body = w.app.graphql(&format!("query($s: Float!, $w: Float!, $n: Float!, $e: Float!) {{ reportsInArea(south: $s, west: $w, north: $n, east: $e, first: 100) {{ edges {{ node {{ id {WORDS} }} }} }} }}"), json!({ "s": s, "w": west, "n": n, "e": east })).await.ok();
    let on_map = body["data"]["reportsInArea"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["node"]["id"] == id.as_str() && e["node"]["title"] == "Đèn đường không sáng");
    assert!(on_map, "{body}");
    w.stop().await;
}

#[tokio::test]
async fn an_officer_s_internal_note_never_reaches_the_citizen() {
    let w = World::start().await;
    let id = submit(
        &w.app,
        Some(&w.reporter),
        report_input("notes-00001", "street_lights", POINT),
    )
    .await;
    let internal = "Gọi anh Tư đội điện, số 0909 000 111";
    let told = "Phản ánh đã được chuyển đến UBND phường Bến Thành.";
    let body = w.admin.graphql(ASSIGN, json!({ "input": { "reportId": id, "agencyId": AGENCY, "note": internal, "message": told } })).await.ok();
    assert_eq!(
        body["data"]["assignReport"]["userErrors"],
        json!([]),
        "{body}"
    );
    // A start with a note only: the citizen is told the status.
    let body = w
        .officer
        .graphql(
            &step_mutation("startReportProgress", "ReportStepInput"),
            json!({ "input": { "reportId": id, "note": internal } }),
        )
        .await
        .ok();
    assert_eq!(
        body["data"]["startReportProgress"]["userErrors"],
        json!([]),
        "{body}"
    );

    let timeline = |who: &Session| {
        let who = who.clone();
        let id = id.clone();
        async move {
            let body = who
                .graphql(
                    "query($id: ID!) { report(id: $id) { timeline { action note message } } }",
                    json!({ "id": id }),
                )
                .await
                .ok();
            body["data"]["report"]["timeline"].clone()
        }
    };
    assert_eq!(
        timeline(&w.reporter).await,
        json!([
            { "action": "SUBMITTED", "note": null, "message": null },
            { "action": "ASSIGNED", "note": null, "message": told },
            { "action": "STARTED", "note": null, "message": null },
        ])
    );
    assert_eq!(timeline(&w.officer).await[1]["note"], internal);

    let inbox = || async {
        let body = w.reporter.graphql("{ me { notifications(first: 20) { edges { node { body bodyEn: body(language: EN) subject { ... on Report { id } } } } } } }", json!({})).await.ok();
        body["data"]["me"]["notifications"]["edges"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e["node"].clone())
            .filter(|n| n["subject"]["id"] == id.as_str())
            .collect::<Vec<Value>>()
    };
    congdan_tests::eventually("three notifications", || async { inbox().await.len() == 3 }).await;
    let notifications = inbox().await;
    assert!(notifications.iter().any(|n| n["body"] == told));
    for n in &notifications {
        for text in [&n["body"], &n["bodyEn"]] {
            assert!(!text.as_str().unwrap().contains("0909"), "{n}");
        }
    }
    // Nor does the outbox carry it.
    for (_, payload) in events(&w.app, &id).await {
        assert!(!payload.to_string().contains("0909"), "{payload}");
    }
    w.stop().await;
}

#[tokio::test]
async fn published_outbox_rows_are_deleted_after_their_retention() {
    let w = World::start().await;
    let id = submit(
        &w.app,
        Some(&w.reporter),
        report_input("retention-01", "street_lights", POINT),
    )
    .await;
    let db = &w.app.database.db;
    let published = || async {
        outbox_event::Entity::find()
            .filter(outbox_event::Column::PublishedAt.is_not_null())
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .find(|e| e.payload.contains(&id))
    };
    congdan_tests::eventually("the report's event published", || async {
        published().await.is_some()
    })
    .await;
    let published_at = published().await.unwrap().published_at.unwrap();
    // A row the bus has not taken yet, much older: never deleted.
    outbox_event::ActiveModel {
        id: Set(uuid::Uuid::now_v7().to_string()),
        topic: Set("test.pending".into()),
        version: Set(1),
        payload: Set("{}".into()),
        occurred_at: Set(published_at - chrono::Duration::days(365)),
        published_at: Set(None),
    }
    .insert(db)
    .await
    .unwrap();
    let keep = chrono::Duration::hours(168);
    // Within the retention: kept.
    outbox::delete_published(db, published_at + keep - chrono::Duration::minutes(1), keep)
        .await
        .unwrap();
    assert!(published().await.is_some());
    // Past it: the published rows go, the pending one stays.
    let deleted =
        outbox::delete_published(db, published_at + keep + chrono::Duration::minutes(1), keep)
            .await
            .unwrap();
    assert!(deleted >= 1);
    assert!(published().await.is_none());
    let pending = outbox_event::Entity::find()
        .filter(outbox_event::Column::Topic.eq("test.pending"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(pending, 1);
    w.stop().await;
}
