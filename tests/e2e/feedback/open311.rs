//! The Open311 GeoReport v2 facade of the feedback subgraph, called as an
//! Open311 client would: services, one service's definition, requests
//! with the standard filters, one request, and a partner posting a request
//! with its API key. Errors come as `[{"code", "description"}]`.

use crate::feedback::support as feedback_support;

use congdan_contracts::identity::Role;
use entity::feedback::report;
use entity::outbox_event;
use feedback_support::*;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

async fn get(d: &Direct, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("{}/open311/v2{path}", d.base))
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn post(d: &Direct, form: &[(&str, &str)]) -> (u16, Value) {
    let body = serde_urlencoded::to_string(form).unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/open311/v2/requests.json", d.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn assert_error(answer: (u16, Value), status: u16) {
    assert_eq!(answer.0, status, "{}", answer.1);
    let errors = answer.1.as_array().expect("an array of errors");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["code"], status);
    assert!(errors[0]["description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
}

#[tokio::test]
async fn services_and_requests_read_as_the_standard_says() {
    let d = Direct::start().await;
    let (status, services) = get(&d, "/services.json").await;
    assert_eq!(status, 200);
    let services = services.as_array().unwrap();
    assert_eq!(services.len(), 15);
    assert_eq!(
        services[2],
        json!({
            "service_code": "drainage_flooding",
            "service_name": "Thoát nước, ngập nước",
            "description": "Thoát nước, ngập nước / Drainage and flooding",
            "metadata": false,
            "type": "realtime",
            "keywords": "technical_infrastructure,urban_infrastructure",
            "group": "technical_infrastructure",
        })
    );
    let (_, english) = get(&d, "/services.json?lang=en").await;
    assert_eq!(english[2]["service_name"], "Drainage and flooding");
    assert_eq!(
        get(&d, "/services/trees.json").await,
        (200, json!({ "service_code": "trees", "attributes": [] }))
    );
    assert_error(get(&d, "/services/potholes.json").await, 404);
    assert_error(get(&d, "/services.xml").await, 404);

    // The demo reports, dated back from when they were installed (this
    // test's start): open and closed as the standard counts them.
    let resolved_row = report::Entity::find_by_id("5f0c1a8e-0001-4000-8000-000000000004")
        .one(&d.database.db)
        .await
        .unwrap()
        .expect("the demo report");
    let at = |time: chrono::DateTime<chrono::Utc>| {
        time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let start = at(resolved_row.created_at - chrono::Duration::days(10));
    let (status, requests) = get(&d, &format!("/requests.json?start_date={start}")).await;
    assert_eq!(status, 200);
    let ids: Vec<(&str, &str)> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["service_code"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ids,
        [
            ("roads", "open"),
            ("street_lights", "open"),
            ("drainage_flooding", "open"),
            ("sidewalk_encroachment", "closed"),
        ]
    );
    let resolved = &requests[3];
    assert_eq!(
        resolved["service_request_id"],
        "5f0c1a8e-0001-4000-8000-000000000004"
    );
    assert_eq!(
        resolved["status_notes"],
        "Đã yêu cầu hộ kinh doanh thu dọn, trả lại vỉa hè cho người đi bộ."
    );
    assert_eq!(resolved["agency_responsible"], "ubnd-ben-thanh");
    assert_eq!(
        resolved["requested_datetime"],
        resolved_row.created_at.to_rfc3339()
    );
    // Received, plus its category's 120 hours.
    assert_eq!(
        resolved["expected_datetime"],
        (resolved_row.created_at + chrono::Duration::hours(120)).to_rfc3339()
    );
    assert_eq!(resolved["lat"], 10.769);
    assert_eq!(resolved["long"], 106.692);
    assert_eq!(resolved["media_url"], Value::Null);
    for field in [
        "service_name",
        "description",
        "address",
        "updated_datetime",
        "service_notice",
    ] {
        assert!(resolved.get(field).is_some(), "{field}");
    }

    // Filters: status, service code, dates, ids; paging.
    let (_, closed) = get(
        &d,
        &format!("/requests.json?status=closed&start_date={start}"),
    )
    .await;
    assert_eq!(closed.as_array().unwrap().len(), 1);
    let (_, lights) = get(
        &d,
        &format!("/requests.json?service_code=street_lights,roads&status=open&start_date={start}"),
    )
    .await;
    assert_eq!(lights.as_array().unwrap().len(), 2);
    // The two received more than a day before installation.
    let end = at(resolved_row.created_at + chrono::Duration::hours(72 - 24));
    let (_, before) = get(
        &d,
        &format!("/requests.json?start_date={start}&end_date={end}"),
    )
    .await;
    assert_eq!(before.as_array().unwrap().len(), 2);
    let (_, page2) = get(
        &d,
        &format!("/requests.json?start_date={start}&page_size=3&page=2"),
    )
    .await;
    assert_eq!(page2.as_array().unwrap().len(), 1);
    // Pages past the deepest offset are refused, not overflowed.
    for page in ["100000000000000000", "18446744073709551615", "1000001"] {
        assert_error(
            get(&d, &format!("/requests.json?page_size=1000&page={page}")).await,
            400,
        );
    }
    let (_, by_id) = get(
        &d,
        "/requests.json?service_request_id=5f0c1a8e-0001-4000-8000-000000000001,5f0c1a8e-0001-4000-8000-000000000002",
    )
    .await;
    assert_eq!(by_id.as_array().unwrap().len(), 2);
    let (status, one) = get(&d, "/requests/5f0c1a8e-0001-4000-8000-000000000004.json").await;
    assert_eq!(status, 200);
    assert_eq!(one, json!([resolved]));
    assert_error(get(&d, "/requests/no-such-request.json").await, 404);
    assert_error(get(&d, "/requests.json?status=pending").await, 400);
    assert_error(get(&d, "/requests.json?start_date=yesterday").await, 400);
    d.stop().await;
}

#[tokio::test]
async fn a_partner_posts_requests_with_its_api_key() {
    let d = Direct::start().await;
    let admin = d.token("admin-1", &[Role::Citizen, Role::Admin], &[]);
    let citizen = d.token("citizen-1", &[Role::Citizen], &[]);
    let create = "mutation { createOpen311ApiKey(name: \"Đối tác giao thông\") { id name key } }";
    let body = d
        .graphql(create, json!({}))
        .identity(Some(&citizen))
        .await
        .ok();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let body = d
        .graphql(create, json!({}))
        .identity(Some(&admin))
        .await
        .ok();
    let key = body["data"]["createOpen311ApiKey"]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let key_id = body["data"]["createOpen311ApiKey"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let good = [
        ("api_key", key.as_str()),
        ("service_code", "drainage_flooding"),
        ("lat", "10.7725"),
        ("long", "106.6980"),
        ("address_string", "Chợ Bến Thành"),
        ("description", "Nước ngập sâu trước cửa chợ sau mưa lớn."),
        ("email", "nguoi.dan@example.vn"),
        ("first_name", "Văn"),
    ];
    let with = |name: &'static str, value: &'static str| {
        let mut form: Vec<(&str, &str)> = good.to_vec();
        form.retain(|(k, _)| *k != name);
        if !value.is_empty() {
            form.push((name, value));
        }
        form
    };
    assert_error(post(&d, &with("api_key", "")).await, 403);
    assert_error(post(&d, &with("api_key", "o311_not-a-key")).await, 403);
    assert_error(post(&d, &with("service_code", "potholes")).await, 400);
    assert_error(post(&d, &with("lat", "")).await, 400);
    assert_error(post(&d, &with("lat", "21.0278")).await, 400);
    assert_error(post(&d, &with("description", "ngập")).await, 400);
    let reports = report::Entity::find()
        .all(&d.database.db)
        .await
        .unwrap()
        .len();
    assert_eq!(reports, 4, "nothing created by refused requests");

    let (status, answer) = post(&d, &good).await;
    assert_eq!(status, 201, "{answer}");
    let id = answer[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(answer[0].get("service_notice").is_some());
    let (_, read) = get(&d, &format!("/requests/{id}.json")).await;
    assert_eq!(read[0]["status"], "open");
    assert_eq!(read[0]["service_code"], "drainage_flooding");
    // Just received: its words are not public yet (the visibility rule of
    // every public path).
    assert_eq!(read[0]["address"], Value::Null);
    assert_eq!(read[0]["description"], Value::Null);

    // Stored as the partner's, placed in its ward, no personal data kept.
    let row = report::Entity::find_by_id(id.clone())
        .one(&d.database.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.source.as_deref(),
        Some(format!("open311:{key_id}").as_str())
    );
    assert_eq!(row.reporter_id, None);
    assert_eq!(row.ward_code.as_deref(), Some(WARD));
    let stored = format!("{row:?}");
    assert!(!stored.contains("example.vn"), "the email is not kept");
    let events = outbox_event::Entity::find()
        .all(&d.database.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].topic, "feedback.report.created");
    let payload: Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(payload["id"], id.as_str());
    assert_eq!(payload["reporterId"], Value::Null);

    // Revoked, the key no longer posts.
    let body = d
        .graphql(
            "mutation($id: ID!) { revokeOpen311ApiKey(id: $id) }",
            json!({ "id": key_id }),
        )
        .identity(Some(&admin))
        .await
        .ok();
    assert_eq!(body["data"]["revokeOpen311ApiKey"], true);
    assert_error(post(&d, &good).await, 403);
    d.stop().await;
}
