//! The feedback subgraph through the gateway: categories are data, and
//! every report has one.

use congdan_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn categories_are_listed_with_their_handling_times() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .graphql(
            r#"{ reportCategories(first: 3) {
                totalCount
                edges { node { key group title en: title(language: EN) agencyKind targetHandlingHours allowsAnonymous } }
            } }"#,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "data": { "reportCategories": {
            "totalCount": 15,
            "edges": [
                { "node": { "key": "roads", "group": "technical_infrastructure", "title": "Đường sá, cầu, hầm", "en": "Roads, bridges and tunnels", "agencyKind": "urban_infrastructure", "targetHandlingHours": 120, "allowsAnonymous": true } },
                { "node": { "key": "street_lights", "group": "technical_infrastructure", "title": "Chiếu sáng công cộng", "en": "Street lights", "agencyKind": "urban_infrastructure", "targetHandlingHours": 72, "allowsAnonymous": true } },
                { "node": { "key": "drainage_flooding", "group": "technical_infrastructure", "title": "Thoát nước, ngập nước", "en": "Drainage and flooding", "agencyKind": "urban_infrastructure", "targetHandlingHours": 48, "allowsAnonymous": true } }
            ]
        } } })
    );

    let (_, body) = app
        .graphql(
            "{ reports { edges { node { category { key } } } } }",
            json!({}),
        )
        .await;
    let keys: Vec<&str> = body["data"]["reports"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["category"]["key"]
                .as_str()
                .expect("every report has a category")
        })
        .collect();
    assert_eq!(
        keys,
        [
            "roads",
            "street_lights",
            "drainage_flooding",
            "sidewalk_encroachment"
        ]
    );
    app.stop().await;
}
