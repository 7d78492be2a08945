//! Personal data rights through the gateway (Personal Data Protection Law
//! 91/2025/QH15): consents given and withdrawn per purpose, the access log
//! of reads by someone else, the export of everything held, and the
//! deletion of the account with its `citizen.account.deleted` event.

use crate::citizen::support as citizen_support;

use citizen_support::{after_role_change, own_bus_deps, AN, BINH, DUNG_ADMIN};
use congdan_tests::events::{event, report_created};
use congdan_tests::graphql::codes;
use congdan_tests::{TestApp, TestDatabase};
use entity::citizen::{
    access_log, citizen_record, consent, device, my_service, notification, notification_preference,
    pin, profile, role_grant,
};
use entity::outbox_event;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

const GIVE: &str = "mutation($p: ConsentPurpose!) { giveConsent(purpose: $p) { consent { id purpose givenAt withdrawnAt active } userErrors { code } } }";
const WITHDRAW: &str = "mutation($p: ConsentPurpose!) { withdrawConsent(purpose: $p) { consent { id withdrawnAt active } userErrors { field code } } }";
const ACCESS_LOG: &str = "{ me { accessLog(first: 10) { totalCount edges { node { accessorId accessorRoles fields accessedAt } } } } }";

/// Rows of every citizen table that belong to `citizen_id`.
async fn rows_of(app: &TestApp, citizen_id: &str) -> Vec<(&'static str, u64)> {
    let db = &app.database.db;
    vec![
        (
            "citizens",
            citizen_record::Entity::find_by_id(citizen_id.to_string())
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "roles",
            role_grant::Entity::find()
                .filter(role_grant::Column::CitizenId.eq(citizen_id))
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "profiles",
            profile::Entity::find_by_id(citizen_id.to_string())
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "preferences",
            notification_preference::Entity::find()
                .filter(notification_preference::Column::CitizenId.eq(citizen_id))
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "my services",
            my_service::Entity::find()
                .filter(my_service::Column::CitizenId.eq(citizen_id))
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "pins",
            pin::Entity::find()
                .filter(pin::Column::CitizenId.eq(citizen_id))
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "notifications",
            notification::Entity::find()
                .filter(notification::Column::CitizenId.eq(citizen_id))
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "devices",
            device::Entity::find()
                .filter(device::Column::CitizenId.eq(citizen_id))
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "consents",
            consent::Entity::find()
                .filter(consent::Column::CitizenId.eq(citizen_id))
                .count(db)
                .await
                .unwrap(),
        ),
        (
            "access log",
            access_log::Entity::find()
                .filter(access_log::Column::CitizenId.eq(citizen_id))
                .count(db)
                .await
                .unwrap(),
        ),
    ]
}

#[tokio::test]
async fn consents_access_log_export_and_deletion() {
    consents_log_export_delete(TestApp::spawn().await).await;
}

#[tokio::test]
async fn consents_access_log_export_and_deletion_on_postgres() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    consents_log_export_delete(TestApp::spawn_on(database).await).await;
}

async fn consents_log_export_delete(app: TestApp) {
    let an = app.sign_in(AN).await;
    let binh = app.sign_in(BINH).await;
    let admin = app.sign_in(DUNG_ADMIN).await;

    // Consents: explicit, per purpose, withdrawable, with their history.
    let given = an.graphql(GIVE, json!({ "p": "LOCATION" })).await.data();
    let consent = given["giveConsent"]["consent"].clone();
    assert_eq!(consent["purpose"], "LOCATION");
    assert_eq!(consent["active"], true);
    assert_eq!(consent["withdrawnAt"], Value::Null);
    let again = an.graphql(GIVE, json!({ "p": "LOCATION" })).await.data();
    assert_eq!(again["giveConsent"]["consent"]["id"], consent["id"]);
    let withdrawn = an
        .graphql(WITHDRAW, json!({ "p": "LOCATION" }))
        .await
        .data();
    assert_eq!(withdrawn["withdrawConsent"]["consent"]["id"], consent["id"]);
    assert_eq!(withdrawn["withdrawConsent"]["consent"]["active"], false);
    assert!(withdrawn["withdrawConsent"]["consent"]["withdrawnAt"].is_string());
    let nothing = an
        .graphql(WITHDRAW, json!({ "p": "LOCATION" }))
        .await
        .data();
    assert_eq!(
        nothing["withdrawConsent"],
        json!({ "consent": null, "userErrors": [{ "field": ["purpose"], "code": "NOT_GIVEN" }] })
    );
    an.graphql(GIVE, json!({ "p": "LOCATION" })).await.data();
    an.graphql(GIVE, json!({ "p": "PUSH_NOTIFICATIONS" }))
        .await
        .data();
    let listed = an
        .graphql("{ me { consents { purpose active } } }", json!({}))
        .await
        .data();
    assert_eq!(
        listed["me"]["consents"],
        json!([
            { "purpose": "LOCATION", "active": false },
            { "purpose": "LOCATION", "active": true },
            { "purpose": "PUSH_NOTIFICATIONS", "active": true },
        ])
    );
    // Silence is not consent: Bình has none.
    let none = binh
        .graphql("{ me { consents { id } } }", json!({}))
        .await
        .data();
    assert_eq!(none["me"]["consents"], json!([]));

    // The access log: An reading her own data leaves nothing; an admin
    // reading it (the citizen a role mutation returns) is recorded.
    an.graphql("{ me { fullName phone profile { phone } } }", json!({}))
        .await
        .data();
    let empty = an.graphql(ACCESS_LOG, json!({})).await.data();
    assert_eq!(empty["me"]["accessLog"]["totalCount"], 0);
    let read = admin.graphql(r#"mutation($id: ID!) { grantRole(citizenId: $id, role: EDITOR) { fullName phone profile { email } } }"#, json!({ "id": an.citizen_id })).await.data();
    assert_eq!(read["grantRole"]["fullName"], "Nguyễn Văn An");
    let an = after_role_change(&app, &an, AN).await;
    let log = an.graphql(ACCESS_LOG, json!({})).await.data();
    let log = &log["me"]["accessLog"];
    assert_eq!(log["totalCount"], 1, "{log}");
    let entry = &log["edges"][0]["node"];
    assert_eq!(entry["accessorId"], json!(admin.citizen_id));
    assert_eq!(entry["accessorRoles"], json!(["CITIZEN", "ADMIN"]));
    assert_eq!(entry["fields"], json!(["fullName", "phone", "profile"]));
    assert!(entry["accessedAt"].is_string());
    // Only An lists her log; an admin cannot read it either.
    let body = admin.graphql(r#"mutation($id: ID!) { revokeRole(citizenId: $id, role: EDITOR) { id accessLog(first: 5) { totalCount } } }"#, json!({ "id": an.citizen_id })).await.body;
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    assert_eq!(
        body["data"]["revokeRole"]["accessLog"],
        Value::Null,
        "{body}"
    );
    let an = after_role_change(&app, &an, AN).await;

    // Data to export and erase: a profile, a pin, a device, a notification.
    an.graphql(r#"mutation { updateProfile(input: { homeWardId: "26740", email: "an@example.vn" }) { userErrors { code } } }"#, json!({})).await.data();
    an.graphql(r#"mutation { pin(input: { type: AGENCY, id: "ubnd-ben-thanh" }) { userErrors { code } } }"#, json!({})).await.data();
    an.graphql(r#"mutation { registerDevice(input: { platform: IOS, token: "apns-0f9e8d7c6b5a49382716", appVersion: "1.0.0" }) { userErrors { code } } }"#, json!({})).await.data();
    an.graphql("{ me { myServices { position } } }", json!({}))
        .await
        .data();
    let (deps, _bus) = own_bus_deps(&app);
    congdan_citizen::inbox::handle(
        &deps.db,
        &event(&report_created(
            "5f0c1a8e-0001-4000-8000-000000000001",
            Some(&an.citizen_id),
        )),
    )
    .await
    .unwrap();
    binh.graphql("{ me { myServices { position } } }", json!({}))
        .await
        .data();

    // The export: everything the citizen subgraph holds, one document.
    let export = an
        .graphql(
            "{ exportMyData { citizenId generatedAt citizen } }",
            json!({}),
        )
        .await
        .data();
    let export = &export["exportMyData"];
    assert_eq!(export["citizenId"], json!(an.citizen_id));
    assert!(export["generatedAt"].is_string());
    let doc = &export["citizen"];
    assert_eq!(doc["record"]["personalId"], AN);
    assert_eq!(doc["record"]["fullName"], "Nguyễn Văn An");
    assert_eq!(doc["record"]["dateOfBirth"], "1990-05-14");
    assert_eq!(doc["profile"]["homeWardId"], "26740");
    assert_eq!(doc["profile"]["contactEmail"], "an@example.vn");
    assert_eq!(
        doc["roles"].as_array().unwrap().len(),
        1,
        "the editor role was revoked: {doc}"
    );
    assert_eq!(doc["myServices"].as_array().unwrap().len(), 8);
    assert_eq!(doc["pins"][0]["itemKey"], "ubnd-ben-thanh", "{doc}");
    assert_eq!(doc["devices"][0]["token"], "apns-0f9e8d7c6b5a49382716");
    assert_eq!(doc["notifications"].as_array().unwrap().len(), 1);
    assert_eq!(doc["consents"].as_array().unwrap().len(), 3);
    assert_eq!(doc["accessLog"][0]["accessorId"], json!(admin.citizen_id));
    assert!(!doc.to_string().contains(BINH), "only An's data");
    let body = app
        .graphql("{ exportMyData { citizen } }", json!({}))
        .await
        .body;
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");

    // Deletion: every row of An goes, with one event in the outbox; Bình's
    // data stays.
    let binh_before = rows_of(&app, &binh.citizen_id).await;
    let deleted = an
        .graphql(
            "mutation { deleteMyAccount { deletedCitizenId userErrors { code } } }",
            json!({}),
        )
        .await
        .data();
    assert_eq!(
        deleted["deleteMyAccount"],
        json!({ "deletedCitizenId": an.citizen_id, "userErrors": [] })
    );
    for (table, count) in rows_of(&app, &an.citizen_id).await {
        assert_eq!(count, 0, "An's rows in {table}");
    }
    assert_eq!(rows_of(&app, &binh.citizen_id).await, binh_before);
    let events = outbox_event::Entity::find()
        .filter(outbox_event::Column::Topic.eq("citizen.account.deleted"))
        .all(&app.database.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let payload: Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(payload, json!({ "citizenId": an.citizen_id }));
    // The old token shows nothing of An any more (the session is revoked,
    // or the record is gone) and writes nothing.
    let body = an.graphql("{ me { id fullName } }", json!({})).await.body;
    assert_eq!(body["data"]["me"], Value::Null, "{body}");
    let body = an.graphql(r#"mutation { pin(input: { type: AGENCY, id: "ubnd-ben-thanh" }) { userErrors { code } } }"#, json!({})).await.body;
    assert!(body.get("errors").is_some(), "{body}");
    assert_eq!(rows_of(&app, &an.citizen_id).await[5], ("pins", 0));
    // Signing in again starts a new account.
    let back = app.sign_in(AN).await;
    assert_ne!(back.citizen_id, an.citizen_id);
    app.stop().await;
}
