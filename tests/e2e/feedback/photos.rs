//! Photos with reports, sent with the GraphQL multipart request
//! specification straight to the feedback subgraph with the identity the
//! gateway would sign (the gateway does not forward multipart requests
//! yet): type by the file's bytes, size and count limits, storage under the
//! photo folder, and links that work only while signed and fresh.

use crate::feedback::support as feedback_support;

use congdan_contracts::identity::Role;
use entity::feedback::{photo, report};
use feedback_support::*;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

/// A file to upload: its name, the type the client claims, its bytes.
type Photo = (&'static str, &'static str, Vec<u8>);

const SUBMIT_WITH_PHOTOS: &str = r#"mutation($input: SubmitReportInput!) {
    submitReport(input: $input) {
        report { id photos { id contentType sizeBytes url } }
        userErrors { field code }
    }
}"#;

fn input_with(key: &str, photos: usize) -> Value {
    let mut input = report_input(key, "trees", POINT);
    input["photos"] = json!(vec![Value::Null; photos]);
    input
}

fn files(photos: Vec<Photo>) -> Vec<(String, &'static str, &'static str, Vec<u8>)> {
    photos
        .into_iter()
        .enumerate()
        .map(|(i, (name, claimed, bytes))| {
            (format!("variables.input.photos.{i}"), name, claimed, bytes)
        })
        .collect()
}

async fn send(
    d: &Direct,
    token: &str,
    query: &str,
    variables: Value,
    photos: Vec<Photo>,
) -> (u16, Value) {
    let files = files(photos);
    let refs: Vec<(&str, &str, &str, Vec<u8>)> = files
        .iter()
        .map(|(p, n, c, b)| (p.as_str(), *n, *c, b.clone()))
        .collect();
    d.multipart(Some(token), query, variables, &refs).await
}

async fn fetch(d: &Direct, url: &str) -> (u16, Option<String>, Vec<u8>) {
    let response = reqwest::get(format!("{}{url}", d.base)).await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, kind, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn photos_are_typed_by_their_bytes_stored_and_served_through_signed_links() {
    let d = Direct::start().await;
    let an = d.token("citizen-an", &[Role::Citizen], &[]);
    let jpeg_claiming_png = jpeg(2048);
    let (status, body) = send(
        &d,
        &an,
        SUBMIT_WITH_PHOTOS,
        json!({ "input": input_with("photo-report-001", 3) }),
        vec![
            ("cay-do.png", "image/png", jpeg_claiming_png.clone()),
            ("goc-khac.png", "application/octet-stream", png(1000)),
            ("gan.webp", "image/webp", webp(500)),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let payload = &body["data"]["submitReport"];
    assert_eq!(payload["userErrors"], json!([]), "{body}");
    let photos = payload["report"]["photos"].as_array().unwrap().clone();
    let kinds: Vec<(&str, i64)> = photos
        .iter()
        .map(|p| {
            (
                p["contentType"].as_str().unwrap(),
                p["sizeBytes"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("image/jpeg", 2048),
            ("image/png", 1000),
            ("image/webp", 500)
        ],
        "the type comes from the bytes, not the name or the claim"
    );
    let report_id = payload["report"]["id"].as_str().unwrap().to_string();

    // Stored under the photo folder, one file each.
    let dir = d.photos.path().join("reports").join(&report_id);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 3);

    // The link serves the bytes with their type...
    let url = photos[0]["url"].as_str().unwrap();
    assert!(url.starts_with(&format!(
        "/feedback/photos/{}?expires=",
        photos[0]["id"].as_str().unwrap()
    )));
    let (status, kind, bytes) = fetch(&d, url).await;
    assert_eq!(status, 200);
    assert_eq!(kind.as_deref(), Some("image/jpeg"));
    assert_eq!(bytes, jpeg_claiming_png);
    // ...and nothing once tampered with, extended or unsigned.
    let flipped = if url.ends_with('0') { '1' } else { '0' };
    let tampered = format!("{}{flipped}", &url[..url.len() - 1]);
    assert_eq!(fetch(&d, &tampered).await.0, 403);
    let (path, query) = url.split_once('?').unwrap();
    let extended: String = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some(("expires", v)) => format!("expires={}", v.parse::<i64>().unwrap() + 3600),
            _ => kv.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(fetch(&d, &format!("{path}?{extended}")).await.0, 403);
    assert_eq!(fetch(&d, path).await.0, 403);
    let other_photo = photos[1]["id"].as_str().unwrap();
    assert_eq!(
        fetch(&d, &format!("/feedback/photos/{other_photo}?{query}"))
            .await
            .0,
        403,
        "a link is for one photo"
    );

    // Who gets links: the reporter and staff; not others.
    let photos_of = |token: Option<String>| {
        let d = &d;
        let id = report_id.clone();
        async move {
            d.graphql(
                "query($id: ID!) { report(id: $id) { id photos { id } } }",
                json!({ "id": id }),
            )
            .identity(token.as_deref())
            .await
            .ok()
        }
    };
    let body = photos_of(None).await;
    assert_eq!(body["data"]["report"]["photos"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    let body = photos_of(Some(d.token("citizen-binh", &[Role::Citizen], &[]))).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    let body = photos_of(Some(d.token("admin-1", &[Role::Citizen, Role::Admin], &[]))).await;
    assert_eq!(
        body["data"]["report"]["photos"].as_array().unwrap().len(),
        3
    );

    // An officer attaches a photo of the fix to the resolution.
    let admin = d.token("admin-1", &[Role::Citizen, Role::Admin], &[]);
    let body = d
        .graphql("mutation($id: ID!) { assignReport(input: { reportId: $id, agencyId: \"ubnd-ben-thanh\" }) { userErrors { code } } }", json!({ "id": report_id })).identity(Some(&admin)).await.ok();
    assert_eq!(
        body["data"]["assignReport"]["userErrors"],
        json!([]),
        "{body}"
    );
    let officer = d.token(
        "officer-1",
        &[Role::Citizen, Role::Officer],
        &["ubnd-ben-thanh"],
    );
    let body = d
        .graphql("mutation($id: ID!) { startReportProgress(input: { reportId: $id }) { userErrors { code } } }", json!({ "id": report_id })).identity(Some(&officer)).await.ok();
    assert_eq!(
        body["data"]["startReportProgress"]["userErrors"],
        json!([]),
        "{body}"
    );
    let (status, body) = send(
        &d,
        &officer,
        "mutation($input: ResolveReportInput!) { resolveReport(input: $input) { timelineEntry { action photos { contentType url } } userErrors { code } } }",
        json!({ "input": { "reportId": report_id, "answer": "Đã dọn cây đổ.", "photos": [null] } }),
        vec![("da-don.jpg", "image/jpeg", jpeg(4096))],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let entry = &body["data"]["resolveReport"]["timelineEntry"];
    assert_eq!(entry["action"], "RESOLVED", "{body}");
    assert_eq!(entry["photos"][0]["contentType"], "image/jpeg");
    let (status, _, bytes) = fetch(&d, entry["photos"][0]["url"].as_str().unwrap()).await;
    assert_eq!((status, bytes.len()), (200, 4096));
    // The reporter sees it in the timeline; the report's own photos stay 3.
    let body = d
        .graphql("query($id: ID!) { report(id: $id) { photos { id } timeline { action photos { id } } } }", json!({ "id": report_id })).identity(Some(&an)).await.ok();
    assert_eq!(
        body["data"]["report"]["photos"].as_array().unwrap().len(),
        3
    );
    let timeline = body["data"]["report"]["timeline"].as_array().unwrap();
    assert_eq!(
        timeline.last().unwrap()["photos"].as_array().unwrap().len(),
        1
    );
    d.stop().await;
}

#[tokio::test]
async fn wrong_type_oversized_and_too_many_photos_create_nothing() {
    let d = Direct::start().await;
    let an = d.token("citizen-an", &[Role::Citizen], &[]);
    let reports_before = report::Entity::find().count(&d.database.db).await.unwrap();
    let five_mib = 5 * 1024 * 1024;
    let cases: Vec<(&str, Vec<Photo>, Value)> = vec![
        (
            "a GIF",
            vec![
                ("ok.jpg", "image/jpeg", jpeg(100)),
                ("anh.gif", "image/gif", b"GIF89a\x01\x00\x01\x00".to_vec()),
            ],
            json!([{ "field": ["input", "photos", "1"], "code": "PHOTO_TYPE_NOT_ALLOWED" }]),
        ),
        (
            "an SVG claiming to be a JPEG",
            vec![(
                "x.jpg",
                "image/jpeg",
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
            )],
            json!([{ "field": ["input", "photos", "0"], "code": "PHOTO_TYPE_NOT_ALLOWED" }]),
        ),
        (
            "one byte over 5 MiB",
            vec![("big.jpg", "image/jpeg", jpeg(five_mib + 1))],
            json!([{ "field": ["input", "photos", "0"], "code": "PHOTO_TOO_LARGE" }]),
        ),
        (
            "six photos",
            (0..6).map(|_| ("p.jpg", "image/jpeg", jpeg(100))).collect(),
            json!([{ "field": ["input", "photos"], "code": "TOO_MANY_PHOTOS" }]),
        ),
    ];
    for (i, (what, photos, expected)) in cases.into_iter().enumerate() {
        let count = photos.len();
        let (status, body) = send(
            &d,
            &an,
            SUBMIT_WITH_PHOTOS,
            json!({ "input": input_with(&format!("bad-photo-{i:04}"), count) }),
            photos,
        )
        .await;
        assert_eq!(status, 200, "{what}: {body}");
        assert_eq!(
            body["data"]["submitReport"]["report"],
            Value::Null,
            "{what}"
        );
        assert_eq!(
            body["data"]["submitReport"]["userErrors"], expected,
            "{what}: {body}"
        );
    }
    // Exactly 5 MiB is fine.
    let (_, body) = send(
        &d,
        &an,
        SUBMIT_WITH_PHOTOS,
        json!({ "input": input_with("max-photo-0001", 1) }),
        vec![("max.jpg", "image/jpeg", jpeg(five_mib))],
    )
    .await;
    assert_eq!(
        body["data"]["submitReport"]["userErrors"],
        json!([]),
        "{body}"
    );
    // A body larger than five photos can be is cut off before it is read.
    let (status, _) = send(
        &d,
        &an,
        SUBMIT_WITH_PHOTOS,
        json!({ "input": input_with("huge-body-00001", 1) }),
        vec![("huge.jpg", "image/jpeg", jpeg(27 * 1024 * 1024))],
    )
    .await;
    assert_eq!(status, 413);

    assert_eq!(
        report::Entity::find().count(&d.database.db).await.unwrap(),
        reports_before + 1,
        "only the valid submission made a report"
    );
    assert_eq!(
        photo::Entity::find().count(&d.database.db).await.unwrap(),
        1
    );
    d.stop().await;
}
