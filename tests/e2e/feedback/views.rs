//! What people see of reports through the gateway besides the workflow:
//! signed-in submission with its idempotency key and its ward, points
//! outside the city, similar reports and "me too", the public map without
//! personal data, statistics, and the officers' search.

use crate::feedback::support as feedback_support;

use feedback_support::*;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

#[tokio::test]
async fn signed_in_submissions_are_idempotent_per_citizen_and_placed_in_a_ward() {
    let w = World::start().await;
    let app = &w.app;
    // "ideas" needs a signed-in citizen: An may.
    let input = report_input("an-idea-000001", "ideas", POINT);
    let first = w
        .reporter
        .graphql(SUBMIT, json!({ "input": input }))
        .await
        .ok();
    let report = &first["data"]["submitReport"]["report"];
    assert_eq!(report["ward"], json!({ "id": WARD }), "{first}");
    let retry = w
        .reporter
        .graphql(SUBMIT, json!({ "input": input }))
        .await
        .ok();
    assert_eq!(
        retry["data"]["submitReport"]["report"]["id"], report["id"],
        "the retry returns the first report"
    );
    // The same key from someone else does not reveal An's report.
    let other = w
        .other
        .graphql(SUBMIT, json!({ "input": input }))
        .await
        .ok();
    assert_eq!(
        other["data"]["submitReport"],
        json!({ "report": null, "similarReports": [], "userErrors": [{
            "field": ["input", "idempotencyKey"],
            "code": "IDEMPOTENCY_KEY_REUSED",
            "message": "this idempotency key was used for another report"
        }] })
    );
    let body = w
        .reporter
        .graphql("{ myReports { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(body["data"]["myReports"]["totalCount"], 1);
    assert_eq!(
        events(app, report["id"].as_str().unwrap()).await.len(),
        1,
        "one created event"
    );

    // Inside the city's bounding box but out at sea: refused with a code.
    let mut at_sea = report_input("an-sea-0000001", "roads", (9.5, 107.5));
    at_sea["title"] = json!("Dầu loang trên biển");
    let body = w
        .reporter
        .graphql(SUBMIT, json!({ "input": at_sea }))
        .await
        .ok();
    assert_eq!(
        body["data"]["submitReport"]["userErrors"],
        json!([{ "field": ["input", "latitude"], "code": "OUTSIDE_CITY",
                 "message": "the point is not in any ward or commune of Ho Chi Minh City" }])
    );
    // Côn Đảo is in the city.
    let con_dao = report_input("an-condao-00001", "roads", (8.6833, 106.6085));
    let body = w
        .reporter
        .graphql(SUBMIT, json!({ "input": con_dao }))
        .await
        .ok();
    assert_eq!(
        body["data"]["submitReport"]["userErrors"],
        json!([]),
        "{body}"
    );
    assert!(body["data"]["submitReport"]["report"]["ward"]["id"].is_string());
    w.stop().await;
}

#[tokio::test]
async fn similar_reports_are_open_same_category_within_50_m_and_followed_once() {
    let w = World::start().await;
    let app = &w.app;
    let id = submit(
        app,
        Some(&w.reporter),
        report_input("similar-base-01", "trees", POINT),
    )
    .await;
    let similar = |category: &'static str, point: (f64, f64)| async move {
        let body = app.graphql("query($c: String!, $lat: Float!, $lng: Float!) { similarReports(category: $c, latitude: $lat, longitude: $lng) { id } }", json!({ "c": category, "lat": point.0, "lng": point.1 })).await.ok();
        body["data"]["similarReports"].clone()
    };
    // 40 m north: similar; 60 m north: not; another category: not.
    assert_eq!(
        similar("trees", (POINT.0 + 0.00036, POINT.1)).await,
        json!([{ "id": id }])
    );
    assert_eq!(
        similar("trees", (POINT.0 + 0.00054, POINT.1)).await,
        json!([])
    );
    assert_eq!(similar("roads", POINT).await, json!([]));

    // "Me too": not on your own report; counted once per citizen.
    let follow = "mutation($id: ID!) { followReport(id: $id) { report { followerCount viewerFollows } userErrors { code } } }";
    let body = w.reporter.graphql(follow, json!({ "id": id })).await.ok();
    assert_eq!(
        body["data"]["followReport"]["userErrors"],
        json!([{ "code": "OWN_REPORT" }])
    );
    for who in [&w.other, &w.other, &w.admin] {
        who.graphql(follow, json!({ "id": id })).await.ok();
    }
    let body = track(app, Some(&w.other), &id).await;
    assert_eq!(body["data"]["report"]["followerCount"], 2, "{body}");
    let body = app.graphql(follow, json!({ "id": id })).await.ok();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let body = w.admin.graphql("mutation($id: ID!) { unfollowReport(id: $id) { report { followerCount viewerFollows } } }", json!({ "id": id })).await.ok();
    assert_eq!(
        body["data"]["unfollowReport"]["report"],
        json!({ "followerCount": 1, "viewerFollows": false })
    );

    // Once resolved it is no longer similar, nor followable.
    step(&w.admin, "assignReport", &id).await;
    step(&w.officer, "startReportProgress", &id).await;
    step(&w.officer, "resolveReport", &id).await;
    assert_eq!(similar("trees", POINT).await, json!([]));
    let body = w.admin.graphql(follow, json!({ "id": id })).await.ok();
    assert_eq!(
        body["data"]["followReport"]["userErrors"],
        json!([{ "code": "NOT_OPEN" }])
    );
    w.stop().await;
}

#[tokio::test]
async fn the_public_map_and_statistics_show_no_personal_data() {
    map_and_statistics(World::start().await).await;
}

#[tokio::test]
async fn the_public_map_and_statistics_show_no_personal_data_on_postgres() {
    if let Some(w) = World::start_postgres().await {
        map_and_statistics(w).await;
    }
}

async fn map_and_statistics(w: World) {
    let app = &w.app;
    let mine = submit(
        app,
        Some(&w.reporter),
        report_input("map-report-0001", "roads", POINT),
    )
    .await;
    step(&w.admin, "assignReport", &mine).await;
    step(&w.officer, "startReportProgress", &mine).await;

    // The city centre: the demo reports in progress and resolved, and An's.
    let body = app
        .graphql(
            r#"{ reportsInArea(south: 10.76, west: 106.68, north: 10.80, east: 106.71) {
            totalCount edges { node { id status category { key } location { latitude longitude } } }
        } }"#,
            json!({}),
        )
        .await
        .ok();
    let area = &body["data"]["reportsInArea"];
    let found: Vec<(&str, &str)> = area["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["node"]["id"].as_str().unwrap(),
                e["node"]["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (mine.as_str(), "IN_PROGRESS"),
            ("5f0c1a8e-0001-4000-8000-000000000003", "IN_PROGRESS"),
            ("5f0c1a8e-0001-4000-8000-000000000004", "RESOLVED"),
        ],
        "{body}"
    );
    let text = body.to_string();
    assert!(
        !text.contains(&w.reporter.citizen_id),
        "no reporter id on the map: {text}"
    );
    // Nothing in the schema names a reporter.
    let (status, body) = app
        .graphql(
            &format!("{{ report(id: \"{mine}\") {{ reporterId }} }}"),
            json!({}),
        )
        .await
        .pair();
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED",
        "{body}"
    );
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("reporterId")),
        "refused because the field does not exist: {body}"
    );
    // A box elsewhere shows none of them; a reversed box is refused.
    let body = app
        .graphql(
            "{ reportsInArea(south: 10.9, west: 106.6, north: 11.0, east: 106.7) { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(body["data"]["reportsInArea"]["totalCount"], 0);
    let body = app
        .graphql(
            "{ reportsInArea(south: 11.0, west: 106.6, north: 10.9, east: 106.7) { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    // Statistics: by status over everything; by ward and category.
    let body = app
        .graphql(
            "{ reportStatistics(groupBy: [STATUS]) { ward { id } category status count } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body["data"]["reportStatistics"],
        json!([
            { "ward": null, "category": null, "status": "ASSIGNED", "count": 1 },
            { "ward": null, "category": null, "status": "IN_PROGRESS", "count": 2 },
            { "ward": null, "category": null, "status": "RECEIVED", "count": 1 },
            { "ward": null, "category": null, "status": "RESOLVED", "count": 1 },
        ]),
        "{body}"
    );
    let body = app
        .graphql(
            "{ reportStatistics(groupBy: [WARD, CATEGORY]) { ward { id name } category count } }",
            json!({}),
        )
        .await
        .ok();
    let rows = body["data"]["reportStatistics"].as_array().unwrap().clone();
    assert!(
        rows.contains(
            &json!({ "ward": { "id": WARD, "name": "Bến Thành" }, "category": "roads", "count": 1 })
        ),
        "joined with geo: {body}"
    );
    let total: i64 = rows.iter().map(|r| r["count"].as_i64().unwrap()).sum();
    assert_eq!(total, 5);
    w.stop().await;
}

#[tokio::test]
async fn officers_search_reports_by_folded_text_and_filters() {
    search(World::start().await).await;
}

#[tokio::test]
async fn officers_search_reports_by_folded_text_and_filters_on_postgres() {
    if let Some(w) = World::start_postgres().await {
        search(w).await;
    }
}

async fn search(w: World) {
    let app = &w.app;
    let mut input = report_input("search-flood-01", "drainage_flooding", POINT);
    input["title"] = json!("Đường Lê Thánh Tôn ngập sâu");
    input["description"] = json!("Nước ngập đến đầu gối sau cơn mưa chiều.");
    let flood = submit(app, Some(&w.reporter), input).await;
    step(&w.admin, "assignReport", &flood).await;

    let search = |filter: Value| {
        let officer = w.officer.clone();
        async move {
            let body = officer.graphql("query($f: ReportSearchFilter) { searchReports(filter: $f) { totalCount edges { node { id } } } }", json!({ "f": filter })).await.ok();
            let ids: Vec<String> = body["data"]["searchReports"]["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{body}"))
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_string())
                .collect();
            ids
        }
    };
    // Without diacritics, any case, "đ" as "d", word order free.
    assert_eq!(
        search(json!({ "text": "DUONG le thanh ton" })).await,
        vec![flood.clone()]
    );
    // The demo report "Ngập nước sau mưa" ("Đoạn đường ngập sâu") too.
    assert_eq!(
        search(json!({ "text": "ngap duong" })).await,
        [
            flood.clone(),
            "5f0c1a8e-0001-4000-8000-000000000003".to_string()
        ]
    );
    assert_eq!(
        search(json!({ "text": "ngap" })).await,
        [
            flood.clone(),
            "5f0c1a8e-0001-4000-8000-000000000003".to_string()
        ]
    );
    assert_eq!(
        search(json!({ "text": "ngap", "statuses": ["ASSIGNED"], "agencyId": AGENCY, "wardId": WARD, "category": "drainage_flooding" })).await,
        vec![flood.clone()]
    );
    // Up to an hour after the demo report was received (30 hours before
    // installation): it, and not the test's own report of just now.
    let demo = entity::feedback::report::Entity::find_by_id("5f0c1a8e-0001-4000-8000-000000000003")
        .one(&app.database.db)
        .await
        .unwrap()
        .expect("the demo report");
    let created_to = (demo.created_at + chrono::Duration::hours(1)).to_rfc3339();
    assert_eq!(
        search(json!({ "text": "ngap", "createdTo": created_to })).await,
        ["5f0c1a8e-0001-4000-8000-000000000003".to_string()]
    );
    // The demo report is with the Tân Định committee.
    assert_eq!(
        search(json!({ "text": "ngap", "agencyId": OTHER_AGENCY })).await,
        ["5f0c1a8e-0001-4000-8000-000000000003".to_string()]
    );

    // Citizens may not search; the gateway refuses before the subgraph.
    let body = w
        .reporter
        .graphql("{ searchReports { totalCount } }", json!({}))
        .await
        .ok();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    w.stop().await;
}
