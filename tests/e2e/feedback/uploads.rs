//! Photos through the gateway by the GraphQL multipart request
//! specification: the gateway parses the upload, plans as usual and sends
//! the fetch that carries the files to the feedback subgraph as multipart.

use axum::body::Bytes;
use congdan_gateway::execute::uploads::{encode, UploadFile};
use congdan_tests::sign_in::browser;
use congdan_tests::{serve_args, TestApp, TestDatabase};
use serde_json::{json, Value};

const SUBMIT: &str = r#"mutation($input: SubmitReportInput!) {
    submitReport(input: $input) {
        report { id photos { contentType sizeBytes } }
        userErrors { field code }
    }
}"#;

fn file(name: &str, content_type: &str, bytes: Vec<u8>) -> UploadFile {
    UploadFile {
        filename: name.into(),
        content_type: Some(content_type.into()),
        bytes: Bytes::from(bytes),
    }
}

async fn upload(
    app: &TestApp,
    token: &str,
    key: &str,
    files: Vec<UploadFile>,
    preflight: bool,
) -> (u16, Value) {
    let count = files.len();
    let paths: Vec<(UploadFile, Vec<String>)> = files
        .into_iter()
        .enumerate()
        .map(|(i, f)| (f, vec![format!("variables.input.photos.{i}")]))
        .collect();
    upload_mapped(app, token, key, count, paths, preflight).await
}

/// A report with `photos` slots, the files mapped as given.
async fn upload_mapped(
    app: &TestApp,
    token: &str,
    key: &str,
    photos: usize,
    paths: Vec<(UploadFile, Vec<String>)>,
    preflight: bool,
) -> (u16, Value) {
    let variables = json!({ "input": {
        "title": "Cây đổ chắn đường", "description": "Một cây lớn đổ chắn ngang đường sau cơn mưa.",
        "category": "trees", "latitude": 10.7769, "longitude": 106.7009, "idempotencyKey": key,
        "photos": vec![Value::Null; photos],
    }});
    let (boundary, body) = encode(SUBMIT, variables.as_object().unwrap(), &paths);
    let mut request = browser()
        .post(app.gateway_url())
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body);
    if preflight {
        request = request.header("graphql-preflight", "1");
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn png(size: usize) -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(size, 0x22);
    bytes
}

#[tokio::test]
async fn photos_reach_the_feedback_subgraph_through_the_gateway() {
    // Photos go to a temporary folder of this test.
    let photos = tempfile::tempdir().unwrap();
    let mut args = serve_args();
    args.feedback.feedback_photos_dir = photos.path().to_path_buf();
    let app = TestApp::spawn_with(TestDatabase::sqlite().await, args).await;
    let session = app.sign_in("079090001234").await;
    let token = session.token.as_str();

    let (status, body) = upload(
        &app,
        token,
        "upload-0001",
        vec![file("pho.png", "image/png", png(2048))],
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["submitReport"]["userErrors"],
        json!([]),
        "{body}"
    );
    assert_eq!(
        body["data"]["submitReport"]["report"]["photos"],
        json!([{ "contentType": "image/png", "sizeBytes": 2048 }])
    );

    // A text file claiming to be an image is refused by its bytes.
    let (_, body) = upload(
        &app,
        token,
        "upload-0002",
        vec![file("note.png", "image/png", b"hello".to_vec())],
        true,
    )
    .await;
    assert_eq!(
        body["data"]["submitReport"]["userErrors"][0]["code"], "PHOTO_TYPE_NOT_ALLOWED",
        "{body}"
    );

    // Without a preflight header (a cross-site form could send it) the gateway refuses.
    let (status, body) = upload(
        &app,
        token,
        "upload-0003",
        vec![file("pho.png", "image/png", png(64))],
        false,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");

    // One file at three paths: held and sent once, stored at each.
    let (status, body) = upload_mapped(
        &app,
        token,
        "upload-0004",
        3,
        vec![(
            file("pho.png", "image/png", png(512)),
            (0..3)
                .map(|i| format!("variables.input.photos.{i}"))
                .collect(),
        )],
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["submitReport"]["report"]["photos"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "{body}"
    );

    // One small file at thousands of paths (the amplification attack) is
    // refused before any path is followed.
    let (status, body) = upload_mapped(
        &app,
        token,
        "upload-0005",
        3_000,
        vec![(
            file("pho.png", "image/png", png(512)),
            (0..3_000)
                .map(|i| format!("variables.input.photos.{i}"))
                .collect(),
        )],
        true,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_REQUEST");

    // A file where the schema takes a String is refused, and so is the
    // placeholder typed into a String by hand.
    let (_, body) = upload_mapped(
        &app,
        token,
        "upload-0006",
        0,
        vec![(
            file("pho.png", "image/png", png(64)),
            vec!["variables.input.title".into()],
        )],
        true,
    )
    .await;
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    assert!(body["data"].is_null(), "{body}");
    let (_, body) = app
        .graphql(SUBMIT, json!({ "input": {
                "title": "__congdan_upload:0", "description": "Một cây lớn đổ chắn ngang đường sau cơn mưa.",
                "category": "trees", "latitude": 10.7769, "longitude": 106.7009, "idempotencyKey": "upload-0007",
            }})).await.pair();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{body}"
    );
    app.stop().await;
}
