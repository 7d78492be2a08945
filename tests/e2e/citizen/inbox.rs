//! The notification inbox, filled from the event bus: the consumer of
//! `feedback.report.>` writes the reporter's notification once per event
//! (a redelivered event, or one seen by two consumers, makes one row),
//! skips anonymous reports and citizens who turned the inbox off for
//! feedback; the citizen reads it through the gateway, marks one or all
//! read and deletes. And push devices: registered once per token,
//! unregistered by their owner.

use crate::citizen::support as citizen_support;

use citizen_support::{own_bus_deps, AN, BINH, CUONG};
use congdan_citizen::inbox;
use congdan_citizen::store::inbox::Delivery;
use congdan_contracts::bus::{EventBus, NatsBus};
use congdan_contracts::events::citizen::AccountDeleted;
use congdan_contracts::events::feedback::ReportUpdated;
use congdan_tests::events::{event, report_created, report_updated};
use congdan_tests::eventually;
use congdan_tests::graphql::codes;
use congdan_tests::{require_service_in_ci, TestApp, TestDatabase};
use entity::citizen::{device, notification};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

const INBOX: &str = r#"query($n: Int, $after: String, $unread: Boolean! = false) {
  me { notifications(first: $n, after: $after, unreadOnly: $unread) {
    totalCount unreadCount
    pageInfo { hasNextPage endCursor }
    edges { node { id topic title body enTitle: title(language: EN) readAt
      subject { __typename ... on Report { id title } } } }
  } }
}"#;

async fn notifications_of(app: &TestApp, citizen_id: &str) -> Vec<notification::Model> {
    notification::Entity::find()
        .filter(notification::Column::CitizenId.eq(citizen_id))
        .all(&app.database.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn report_events_fill_the_reporters_inbox_once_and_the_citizen_manages_it() {
    inbox_scenario(TestApp::spawn().await).await;
}

#[tokio::test]
async fn report_events_fill_the_inbox_on_postgres() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    inbox_scenario(TestApp::spawn_on(database).await).await;
}

async fn inbox_scenario(app: TestApp) {
    let an = app.sign_in(AN).await;
    let binh = app.sign_in(BINH).await;
    let cuong = app.sign_in(CUONG).await;
    let body = app
        .graphql(
            "{ reports(first: 1) { edges { node { id title } } } }",
            json!({}),
        )
        .await
        .body;
    let report = body["data"]["reports"]["edges"][0]["node"].clone();
    let report_id = report["id"].as_str().unwrap().to_string();

    // Two consumers (two replicas of the citizen subgraph) on one bus.
    let (deps, bus) = own_bus_deps(&app);
    let shutdown = CancellationToken::new();
    let first = tokio::spawn(
        inbox::consumer(&deps)
            .subscribe()
            .await
            .unwrap()
            .run(shutdown.clone()),
    );
    let second = tokio::spawn(
        inbox::consumer(&deps)
            .subscribe()
            .await
            .unwrap()
            .run(shutdown.clone()),
    );

    // Bình turns the inbox off for feedback.
    binh.graphql(r#"mutation { updateProfile(input: { notificationPreferences: [{ topic: FEEDBACK, channel: IN_APP, enabled: false }] }) { userErrors { code } } }"#, json!({})).await.data();

    let created = event(&report_created(&report_id, Some(&an.citizen_id)));
    let events = [
        created.clone(),
        // Redelivered: the same id again.
        created.clone(),
        // Anonymous: no reporter.
        event(&report_created(&report_id, None)),
        // Bình does not want feedback in her inbox.
        event(&report_updated(
            &report_id,
            Some(&binh.citizen_id),
            "ASSIGNED",
        )),
        // Cường follows An's report ("me too"); An is listed too but gets
        // the reporter's notification only.
        event(&ReportUpdated {
            follower_ids: vec![cuong.citizen_id.clone(), an.citizen_id.clone()],
            ..report_updated(&report_id, Some(&an.citizen_id), "ASSIGNED")
        }),
        // A citizen who does not exist.
        event(&report_updated(
            &report_id,
            Some("no-such-citizen"),
            "ASSIGNED",
        )),
        event(&ReportUpdated {
            message: Some("Đội duy tu đã đến hiện trường.".to_string()),
            ..report_updated(&report_id, Some(&an.citizen_id), "IN_PROGRESS")
        }),
        event(&report_updated(
            &report_id,
            Some(&an.citizen_id),
            "RESOLVED",
        )),
    ];
    for event in &events {
        bus.publish(event).await.unwrap();
    }
    eventually("An's four notifications", || async {
        notifications_of(&app, &an.citizen_id).await.len() == 4
    })
    .await;
    // Handled directly again (as a third replica would after the window of
    // SeenEvents): the unique (citizen, event) keeps one row.
    assert_eq!(
        inbox::handle(&app.database.db, &created).await.unwrap(),
        vec![Delivery::Duplicate]
    );
    assert_eq!(notifications_of(&app, &an.citizen_id).await.len(), 4);
    assert!(notifications_of(&app, &binh.citizen_id).await.is_empty());
    let followed = notifications_of(&app, &cuong.citizen_id).await;
    assert_eq!(followed.len(), 1);
    assert_eq!(
        followed[0].title_vi,
        "Phản ánh bạn theo dõi: đã chuyển đơn vị xử lý"
    );
    assert_eq!(
        notification::Entity::find()
            .count(&app.database.db)
            .await
            .unwrap(),
        5
    );

    // Through the gateway: newest first, with the report from feedback.
    let page = an.graphql(INBOX, json!({ "n": 2 })).await.data();
    let inbox = &page["me"]["notifications"];
    assert_eq!(inbox["totalCount"], 4);
    assert_eq!(inbox["unreadCount"], 4);
    assert_eq!(inbox["pageInfo"]["hasNextPage"], true);
    let titles: Vec<&str> = inbox["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Phản ánh của bạn: đã xử lý xong",
            "Phản ánh của bạn: đang xử lý"
        ]
    );
    let node = &inbox["edges"][1]["node"];
    assert_eq!(node["body"], "Đội duy tu đã đến hiện trường.");
    assert_eq!(node["enTitle"], "Your report: in progress");
    assert_eq!(node["topic"], "FEEDBACK");
    assert_eq!(
        node["subject"],
        json!({ "__typename": "Report", "id": report_id, "title": report["title"] })
    );
    let next = an
        .graphql(
            INBOX,
            json!({ "n": 2, "after": inbox["pageInfo"]["endCursor"] }),
        )
        .await
        .data();
    let rest = &next["me"]["notifications"];
    let titles: Vec<&str> = rest["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "Phản ánh của bạn: đã chuyển đơn vị xử lý",
            "Đã nhận phản ánh của bạn"
        ]
    );
    assert_eq!(rest["pageInfo"]["hasNextPage"], false);

    // Mark one read: once; another's notification is not found.
    let newest = inbox["edges"][0]["node"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    const MARK: &str = "mutation($id: ID!) { markNotificationRead(id: $id) { notification { id readAt } unreadCount userErrors { code } } }";
    let marked = an.graphql(MARK, json!({ "id": newest })).await.data();
    let read_at = marked["markNotificationRead"]["notification"]["readAt"].clone();
    assert!(read_at.is_string(), "{marked}");
    assert_eq!(marked["markNotificationRead"]["unreadCount"], 3);
    let again = an.graphql(MARK, json!({ "id": newest })).await.data();
    assert_eq!(
        again["markNotificationRead"]["notification"]["readAt"],
        read_at
    );
    let theirs = binh.graphql(MARK, json!({ "id": newest })).await.data();
    assert_eq!(
        theirs["markNotificationRead"],
        json!({ "notification": null, "unreadCount": 0, "userErrors": [{ "code": "NOT_FOUND" }] })
    );
    let unread = an.graphql(INBOX, json!({ "unread": true })).await.data();
    assert_eq!(unread["me"]["notifications"]["totalCount"], 3);
    assert_eq!(
        unread["me"]["notifications"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Delete one (Bình cannot), then mark all read.
    const DELETE: &str = "mutation($id: ID!) { deleteNotification(id: $id) { deletedNotificationId unreadCount userErrors { code } } }";
    let refused = binh.graphql(DELETE, json!({ "id": newest })).await.data();
    assert_eq!(
        refused["deleteNotification"]["userErrors"],
        json!([{ "code": "NOT_FOUND" }])
    );
    let deleted = an.graphql(DELETE, json!({ "id": newest })).await.data();
    assert_eq!(
        deleted["deleteNotification"],
        json!({ "deletedNotificationId": newest, "unreadCount": 3, "userErrors": [] })
    );
    let all = an
        .graphql(
            "mutation { markAllNotificationsRead { markedCount unreadCount } }",
            json!({}),
        )
        .await
        .data();
    assert_eq!(
        all["markAllNotificationsRead"],
        json!({ "markedCount": 3, "unreadCount": 0 })
    );
    let rows = notifications_of(&app, &an.citizen_id).await;
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r.read_at.is_some()));

    // Turned off again for An: new events make nothing; others still do.
    an.graphql(r#"mutation { updateProfile(input: { notificationPreferences: [{ topic: FEEDBACK, channel: IN_APP, enabled: false }] }) { userErrors { code } } }"#, json!({})).await.data();
    let off = event(&report_updated(&report_id, Some(&an.citizen_id), "CLOSED"));
    assert_eq!(
        inbox::handle(&app.database.db, &off).await.unwrap(),
        vec![Delivery::NotWanted]
    );
    // Other topics of the bus are not the consumer's.
    let deleted = AccountDeleted {
        citizen_id: an.citizen_id.clone(),
    };
    assert_eq!(
        inbox::handle(&app.database.db, &event(&deleted))
            .await
            .unwrap(),
        vec![]
    );

    // Anonymous callers see no inbox.
    let body = app.graphql(INBOX, json!({})).await.body;
    assert_eq!(body["data"]["me"], Value::Null, "{body}");
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");

    shutdown.cancel();
    first.await.unwrap();
    second.await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn spawn_consumer_subscribes_and_stops_at_shutdown() {
    let app = TestApp::spawn().await;
    let an = app.sign_in(AN).await;
    let (deps, bus) = own_bus_deps(&app);
    let shutdown = CancellationToken::new();
    let task = congdan_citizen::inbox::spawn_consumer(&deps, shutdown.clone());
    let event = event(&report_created(
        "5f0c1a8e-0001-4000-8000-000000000001",
        Some(&an.citizen_id),
    ));
    // The task subscribes on its own: publish until it has seen one.
    eventually("the consumer's notification", || async {
        bus.publish(&event).await.unwrap();
        !notifications_of(&app, &an.citizen_id).await.is_empty()
    })
    .await;
    assert_eq!(notifications_of(&app, &an.citizen_id).await.len(), 1);
    shutdown.cancel();
    tokio::time::timeout(std::time::Duration::from_secs(5), task)
        .await
        .expect("the consumer stops at shutdown")
        .unwrap();
    app.stop().await;
}

const DEVICES: &str = "{ me { devices { id platform appVersion } } }";
const REGISTER: &str = r#"mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) {
    device { id platform appVersion } userErrors { field code } } }"#;
const UNREGISTER: &str =
    "mutation($token: String!) { unregisterDevice(token: $token) { removed } }";

#[tokio::test]
async fn devices_are_registered_once_per_token_and_unregistered_by_their_owner() {
    let app = TestApp::spawn().await;
    let an = app.sign_in(AN).await;
    let binh = app.sign_in(BINH).await;
    let token = "fcm:APA91bHun4MxP5egoKMwt2KZFBaFUH-1RYqx";

    let first = an
        .graphql(
            REGISTER,
            json!({ "input": { "platform": "ANDROID", "token": token, "appVersion": "2.4.0" } }),
        )
        .await
        .data();
    let device = first["registerDevice"]["device"].clone();
    assert_eq!(device["platform"], "ANDROID");
    // Again (an app start, an update): the same device, the new version.
    let again = an
        .graphql(
            REGISTER,
            json!({ "input": { "platform": "ANDROID", "token": token, "appVersion": "2.4.1" } }),
        )
        .await
        .data();
    assert_eq!(again["registerDevice"]["device"]["id"], device["id"]);
    assert_eq!(again["registerDevice"]["device"]["appVersion"], "2.4.1");
    an.graphql(REGISTER, json!({ "input": { "platform": "IOS", "token": "apns-0f9e8d7c6b5a49382716", "appVersion": "2.4.1" } })).await.data();
    let listed = an.graphql(DEVICES, json!({})).await.data();
    assert_eq!(
        listed["me"]["devices"],
        json!([
            { "id": device["id"], "platform": "ANDROID", "appVersion": "2.4.1" },
            { "id": listed["me"]["devices"][1]["id"], "platform": "IOS", "appVersion": "2.4.1" },
        ])
    );
    assert_eq!(
        device::Entity::find()
            .count(&app.database.db)
            .await
            .unwrap(),
        2
    );
    // The token is not shown back.
    assert!(!listed.to_string().contains(token));

    // Invalid input is refused with every reason.
    let refused = an
        .graphql(
            REGISTER,
            json!({ "input": { "platform": "WEB", "token": "short", "appVersion": "2.4 beta" } }),
        )
        .await
        .data();
    assert_eq!(
        refused["registerDevice"],
        json!({ "device": null, "userErrors": [
            { "field": ["input", "token"], "code": "INVALID_TOKEN" },
            { "field": ["input", "appVersion"], "code": "INVALID_APP_VERSION" },
        ] })
    );

    // Only the owner unregisters; a second time removes nothing.
    let theirs = binh
        .graphql(UNREGISTER, json!({ "token": token }))
        .await
        .data();
    assert_eq!(theirs["unregisterDevice"]["removed"], false);
    let mine = an
        .graphql(UNREGISTER, json!({ "token": token }))
        .await
        .data();
    assert_eq!(mine["unregisterDevice"]["removed"], true);
    let mine = an
        .graphql(UNREGISTER, json!({ "token": token }))
        .await
        .data();
    assert_eq!(mine["unregisterDevice"]["removed"], false);
    let listed = an.graphql(DEVICES, json!({})).await.data();
    assert_eq!(listed["me"]["devices"].as_array().unwrap().len(), 1);
    let listed = binh.graphql(DEVICES, json!({})).await.data();
    assert_eq!(listed["me"]["devices"], json!([]));
    app.stop().await;
}

/// The consumer on NATS JetStream (the distributed mode): an event
/// published by one process reaches the inbox written by another.
#[tokio::test]
async fn the_consumer_reads_report_events_from_nats() {
    let bus = match NatsBus::connect("nats://127.0.0.1:4222").await {
        Ok(bus) => std::sync::Arc::new(bus),
        Err(error) => {
            require_service_in_ci("NATS", &error.to_string());
            return;
        }
    };
    let database = TestDatabase::sqlite().await;
    congdan::db::migrate(&database.db).await.unwrap();
    let citizen_id = uuid::Uuid::now_v7().to_string();
    let now = chrono::Utc::now();
    entity::citizen::citizen_record::Entity::insert(entity::citizen::citizen_record::ActiveModel {
        id: sea_orm::Set(citizen_id.clone()),
        vneid_subject: sea_orm::Set(format!("nats-{citizen_id}")),
        personal_id_hash: sea_orm::Set(format!("{:064}", 7)),
        personal_id_sealed: sea_orm::Set("sealed".into()),
        full_name: sea_orm::Set("Nguyễn Văn An".into()),
        date_of_birth: sea_orm::Set(None),
        sex: sea_orm::Set(None),
        phone: sea_orm::Set(None),
        email: sea_orm::Set(None),
        created_at: sea_orm::Set(now),
        updated_at: sea_orm::Set(now),
        last_sign_in_at: sea_orm::Set(now),
    })
    .exec_without_returning(&database.db)
    .await
    .unwrap();
    let mut deps = congdan_common::server::Deps::anonymous(database.db.clone());
    deps.bus = bus.clone();
    let shutdown = CancellationToken::new();
    let consumer = tokio::spawn(
        inbox::consumer(&deps)
            .subscribe()
            .await
            .unwrap()
            .run(shutdown.clone()),
    );
    let event = event(&report_updated(
        &uuid::Uuid::now_v7().to_string(),
        Some(&citizen_id),
        "RESOLVED",
    ));
    bus.publish(&event).await.unwrap();
    // Published again (a relay retry): JetStream and the table keep one.
    bus.publish(&event).await.unwrap();
    let db = database.db.clone();
    eventually("the notification from NATS", || {
        let db = db.clone();
        let citizen_id = citizen_id.clone();
        async move {
            notification::Entity::find()
                .filter(notification::Column::CitizenId.eq(citizen_id.as_str()))
                .count(&db)
                .await
                .unwrap()
                == 1
        }
    })
    .await;
    let rows = notification::Entity::find()
        .all(&database.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].event_id, event.id);
    assert_eq!(rows[0].title_vi, "Phản ánh của bạn: đã xử lý xong");
    shutdown.cancel();
    consumer.await.unwrap();
}

/// The whole way: a signed-in citizen's report is written by feedback with
/// its outbox event, the relay publishes it on the system's bus, the inbox
/// consumer writes the notification, and the citizen reads it through the
/// gateway with the report joined from feedback. The test starts its own
/// consumer on the system's bus; when the system runs one too, the two
/// still make one notification.
#[tokio::test]
async fn a_signed_in_report_reaches_the_inbox_through_the_systems_bus() {
    let app = TestApp::spawn().await;
    let an = app.sign_in(AN).await;
    let mut deps = congdan_common::server::Deps::anonymous(app.database.db.clone());
    deps.bus = app.system.bus.clone();
    let shutdown = CancellationToken::new();
    let consumer = tokio::spawn(
        inbox::consumer(&deps)
            .subscribe()
            .await
            .unwrap()
            .run(shutdown.clone()),
    );

    let submitted = an.graphql(r#"mutation { submitReport(input: {
            title: "Cây đổ chắn đường", description: "Một cây lớn đổ chắn ngang đường sau cơn mưa.",
            category: "trees", latitude: 10.7769, longitude: 106.7009, idempotencyKey: "inbox-e2e-0001"
        }) { report { id title } userErrors { code } } }"#, json!({})).await.data();
    let report = submitted["submitReport"]["report"].clone();
    assert!(report["id"].is_string(), "{submitted}");
    eventually("the notification of the report", || async {
        !notifications_of(&app, &an.citizen_id).await.is_empty()
    })
    .await;
    let inbox = an.graphql(INBOX, json!({})).await.data();
    let inbox = &inbox["me"]["notifications"];
    assert_eq!(inbox["totalCount"], 1, "{inbox}");
    let node = &inbox["edges"][0]["node"];
    assert_eq!(node["title"], "Đã nhận phản ánh của bạn");
    assert_eq!(
        node["subject"],
        json!({ "__typename": "Report", "id": report["id"], "title": "Cây đổ chắn đường" })
    );
    shutdown.cancel();
    consumer.await.unwrap();
    app.stop().await;
}
