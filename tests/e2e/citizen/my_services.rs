//! "My Services" in one request: `me` with the profile, My Services, pins
//! of items every domain owns and the inbox, answered through the gateway
//! with one fetch per owning subgraph and the same number of SQL statements
//! for 50 pins and notifications as for one. And the mutations behind it:
//! the profile (validated contact details, ward, language, preferences), My
//! Services (default list, add, remove, reorder) and pins (key formats,
//! limit).

use crate::citizen::support as citizen_support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use citizen_support::{own_bus_deps, requests_between, subgraph_requests, AN, BINH};
use congdan_contracts::bus::EventBus;
use congdan_tests::events::{event, report_created, report_updated};
use congdan_tests::graphql::codes;
use congdan_tests::{Session, TestApp, TestDatabase};
use entity::citizen::{my_service, pin, profile};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

const ME: &str = r#"query Me($n: Int) {
  me {
    fullName
    profile {
      phone email language
      homeWard { id fullName }
      notificationPreferences { topic channel enabled }
    }
    myServices { position service { key title } }
    pins {
      id itemType
      item {
        __typename
        ... on Report { id status }
        ... on Agency { id name }
        ... on Procedure { id name }
        ... on Article { id title }
        ... on AdministrativeUnit { id fullName }
      }
    }
    notifications(first: $n) {
      totalCount unreadCount
      edges { node { id topic title body readAt subject { __typename ... on Report { id title } } } }
    }
  }
}"#;

/// The first `n` ids of a list of the gateway's (any subgraph's).
async fn ids(app: &TestApp, list: &str, field: &str, n: usize) -> Vec<(String, String)> {
    let query = format!("{{ {list}(first: {n}) {{ edges {{ node {{ id {field} }} }} }} }}");
    let body = app.graphql(&query, json!({})).await.body;
    let edges = body["data"][list]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}: {body}"));
    assert_eq!(edges.len(), n, "{list} has {n} items: {body}");
    edges
        .iter()
        .map(|e| {
            (
                e["node"]["id"].as_str().unwrap().to_string(),
                e["node"][field].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn pin_item(who: &Session, kind: &str, id: &str) -> Value {
    let body = who.graphql("mutation($input: PinItemInput!) { pin(input: $input) { pin { id itemType item { __typename } } userErrors { field code message } } }", json!({ "input": { "type": kind, "id": id } })).await.body;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["pin"].clone()
}

/// SQL statements on the citizen subgraph's tables, counted while `on`.
#[derive(Clone, Default)]
struct CitizenStatements {
    on: Arc<AtomicBool>,
    count: Arc<AtomicUsize>,
    log: Arc<Mutex<Vec<String>>>,
}

impl CitizenStatements {
    fn install(&self, database: &mut TestDatabase) {
        let me = self.clone();
        database.db.set_metric_callback(move |info| {
            let sql = &info.statement.sql;
            if me.on.load(Ordering::SeqCst) && sql.contains("\"citizen_") {
                me.count.fetch_add(1, Ordering::SeqCst);
                me.log.lock().unwrap().push(sql.clone());
            }
        });
    }

    async fn during<T>(&self, work: impl std::future::Future<Output = T>) -> (T, usize) {
        self.count.store(0, Ordering::SeqCst);
        self.log.lock().unwrap().clear();
        self.on.store(true, Ordering::SeqCst);
        let out = work.await;
        self.on.store(false, Ordering::SeqCst);
        (out, self.count.load(Ordering::SeqCst))
    }

    fn statements(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

#[tokio::test]
async fn the_one_query_takes_one_fetch_per_owner_and_as_many_statements_for_fifty_items() {
    let statements = CitizenStatements::default();
    let mut database = TestDatabase::sqlite().await;
    statements.install(&mut database);
    let app = TestApp::spawn_on(database).await;
    let an = app.sign_in(AN).await;

    // Items of every domain, as a client finds them through the gateway.
    // Received demo reports: their words are not public (nor are they to
    // An, who neither reported nor follows them).
    let reports = ids(&app, "reports", "status", 2).await;
    let agency = ids(&app, "agencies", "name", 1).await.remove(0);
    let procedure = ids(&app, "procedures", "name", 1).await.remove(0);
    let article = ids(&app, "articles", "title", 1).await.remove(0);
    let units = ids(&app, "administrativeUnits", "fullName", 50).await;

    let (deps, bus) = own_bus_deps(&app);
    let shutdown = tokio_util::sync::CancellationToken::new();
    let consumer = congdan_citizen::inbox::consumer(&deps)
        .subscribe()
        .await
        .unwrap();
    let consumer = tokio::spawn(consumer.run(shutdown.clone()));

    // The profile: a home ward, a contact phone, English.
    let updated = an.graphql(r#"mutation($ward: ID) { updateProfile(input: { homeWardId: $ward, phone: "091 234 5678", language: EN }) {
            profile { phone homeWard { id fullName } language } userErrors { code } } }"#, json!({ "ward": units[0].0 })).await.data();
    assert_eq!(
        updated["updateProfile"],
        json!({ "profile": { "phone": "+84912345678", "homeWard": { "id": units[0].0, "fullName": units[0].1 }, "language": "EN" }, "userErrors": [] })
    );
    // My Services starts with the default list (made on this first read).
    let first = an
        .graphql("{ me { myServices { service { key } } } }", json!({}))
        .await
        .data();
    let keys: Vec<&str> = first["me"]["myServices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"]["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "feedback.report",
            "feedback.mine",
            "public_services.procedures",
            "public_services.dossiers",
            "transport.bus",
            "health.facilities",
            "education.schools",
            "notifications.alerts",
        ]
    );
    // One item of each domain pinned, and one notification about a report.
    for (kind, id) in [
        ("ADMINISTRATIVE_UNIT", &units[0].0),
        ("ARTICLE", &article.0),
        ("PROCEDURE", &procedure.0),
        ("AGENCY", &agency.0),
        ("REPORT", &reports[0].0),
    ] {
        let pinned = pin_item(&an, kind, id).await;
        assert_eq!(pinned["userErrors"], json!([]), "{pinned}");
    }
    bus.publish(&event(&report_created(&reports[0].0, Some(&an.citizen_id))))
        .await
        .unwrap();
    let db = app.database.db.clone();
    congdan_tests::eventually("the notification", || {
        let db = db.clone();
        async move {
            entity::citizen::notification::Entity::find()
                .count(&db)
                .await
                .unwrap()
                == 1
        }
    })
    .await;

    let before = subgraph_requests(&app).await;
    let (body, small) = statements
        .during(async { an.graphql(ME, json!({ "n": 20 })).await.body })
        .await;
    let requests = requests_between(&before, &subgraph_requests(&app).await);
    assert!(body.get("errors").is_none(), "{body}");
    let me = &body["data"]["me"];
    assert_eq!(me["fullName"], "Nguyễn Văn An");
    assert_eq!(me["profile"]["phone"], "+84912345678");
    assert_eq!(me["profile"]["email"], "an.nguyen@example.vn");
    assert_eq!(me["profile"]["language"], "EN");
    assert_eq!(me["profile"]["homeWard"]["fullName"], json!(units[0].1));
    assert_eq!(
        me["profile"]["notificationPreferences"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
    assert_eq!(
        me["myServices"][0]["service"]["title"],
        "Phản ánh hiện trường"
    );
    // Newest first; each item's fields come from its owner.
    let items: Vec<Value> = me["pins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["item"].clone())
        .collect();
    assert_eq!(
        items,
        [
            json!({ "__typename": "Report", "id": reports[0].0, "status": reports[0].1 }),
            json!({ "__typename": "Agency", "id": agency.0, "name": agency.1 }),
            json!({ "__typename": "Procedure", "id": procedure.0, "name": procedure.1 }),
            json!({ "__typename": "Article", "id": article.0, "title": article.1 }),
            json!({ "__typename": "AdministrativeUnit", "id": units[0].0, "fullName": units[0].1 }),
        ]
    );
    let inbox = &me["notifications"];
    assert_eq!(
        (inbox["totalCount"].as_u64(), inbox["unreadCount"].as_u64()),
        (Some(1), Some(1))
    );
    let node = &inbox["edges"][0]["node"];
    assert_eq!(node["topic"], "FEEDBACK");
    assert_eq!(node["title"], "Đã nhận phản ánh của bạn");
    assert_eq!(node["readAt"], Value::Null);
    assert_eq!(
        node["subject"],
        json!({ "__typename": "Report", "id": reports[0].0, "title": null })
    );
    println!("subgraph requests of the one query: {requests:?}");
    println!("citizen SQL statements, 5 pins and 1 notification: {small}");

    // Fifty of each: 45 more pinned wards, 49 more notifications.
    for unit in &units[1..46] {
        pin_item(&an, "ADMINISTRATIVE_UNIT", &unit.0).await;
    }
    for i in 0..49 {
        let report = &reports[i % 2].0;
        bus.publish(&event(&report_updated(
            report,
            Some(&an.citizen_id),
            "IN_PROGRESS",
        )))
        .await
        .unwrap();
    }
    congdan_tests::eventually("fifty notifications", || {
        let db = db.clone();
        async move {
            entity::citizen::notification::Entity::find()
                .count(&db)
                .await
                .unwrap()
                == 50
        }
    })
    .await;
    let before = subgraph_requests(&app).await;
    let (body, fifty) = statements
        .during(async { an.graphql(ME, json!({ "n": 50 })).await.body })
        .await;
    let requests_fifty = requests_between(&before, &subgraph_requests(&app).await);
    assert!(body.get("errors").is_none(), "{body}");
    let me = &body["data"]["me"];
    assert_eq!(me["pins"].as_array().unwrap().len(), 50);
    assert!(me["pins"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["item"]["id"].is_string()
            && (p["item"]["fullName"].is_string()
                || p["item"]["title"].is_string()
                || p["item"]["status"].is_string()
                || p["item"]["name"].is_string())));
    let edges = me["notifications"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 50);
    assert!(edges.iter().all(|e| e["node"]["subject"]["id"].is_string()));
    assert_eq!(
        edges[0]["node"]["title"], "Phản ánh của bạn: đang xử lý",
        "newest first"
    );
    println!("citizen SQL statements, 50 pins and 50 notifications: {fifty}");

    // One request to each owner, whatever the number of items: the
    // gateway batches the reports of the pins and of the notifications,
    // and the wards of the profile and of the pins, into one `_entities`
    // call each.
    assert_eq!(requests_fifty, requests);
    assert_eq!(
        requests,
        [
            ("citizen", 1),
            ("content", 1),
            ("directories", 1),
            ("dossiers", 1),
            ("feedback", 1),
            ("geo", 1),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    );
    // The record, the profile (once for `profile` and `myServices`), the
    // preferences, My Services, the catalog services, the pins, the inbox's
    // counts and its page; and feedback's one batched look-up of whether
    // An follows the unchecked reports (whose words only trackers see).
    assert_eq!(small, 9, "{:#?}", statements.statements());
    assert_eq!(fifty, small, "{:#?}", statements.statements());

    // My Services alone: one request, four statements (the record, the
    // profile's "list made" flag, the list, the catalog services).
    let before = subgraph_requests(&app).await;
    let (body, services) = statements
        .during(async {
            an.graphql("{ me { myServices { service { key title } } } }", json!({}))
                .await
                .body
        })
        .await;
    assert_eq!(
        body["data"]["me"]["myServices"].as_array().unwrap().len(),
        8
    );
    assert_eq!(
        requests_between(&before, &subgraph_requests(&app).await),
        [("citizen".to_string(), 1)].into_iter().collect()
    );
    assert_eq!(services, 4, "{:#?}", statements.statements());

    shutdown.cancel();
    consumer.await.unwrap();
    app.stop().await;
}

const MY_SERVICES: &str = "{ me { myServices { position service { key } } } }";

fn service_keys(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("a list: {value}"))
        .iter()
        .map(|s| s["service"]["key"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn profile_my_services_and_pins_are_edited_and_invalid_input_is_refused() {
    edit_profile_services_and_pins(TestApp::spawn().await).await;
}

#[tokio::test]
async fn profile_my_services_and_pins_are_edited_on_postgres() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    edit_profile_services_and_pins(TestApp::spawn_on(database).await).await;
}

async fn edit_profile_services_and_pins(app: TestApp) {
    let an = app.sign_in(AN).await;
    let binh = app.sign_in(BINH).await;
    let db = &app.database.db;

    // Anonymous callers are refused before execution.
    let body = app
        .graphql(
            r#"mutation { updateProfile(input: { language: EN }) { userErrors { code } } }"#,
            json!({}),
        )
        .await
        .body;
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
    let body = app.graphql("{ me { pins { id } } }", json!({})).await.body;
    assert_eq!(body["data"]["me"], Value::Null, "{body}");

    // Invalid contact details: every reason, and nothing changes.
    const UPDATE: &str = r#"mutation($input: UpdateProfileInput!) { updateProfile(input: $input) {
        profile { phone email homeWard { id } language notificationPreferences { topic channel enabled } }
        userErrors { field code message } } }"#;
    let refused = an.graphql(UPDATE, json!({ "input": { "phone": "028 3822 1234", "email": "an@", "homeWardId": "Bến Thành", "language": "EN" } })).await.data();
    assert_eq!(refused["updateProfile"]["profile"], Value::Null);
    let errors: Vec<(Value, Value)> = refused["updateProfile"]["userErrors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].clone(), e["code"].clone()))
        .collect();
    assert_eq!(
        errors,
        [
            (json!(["input", "phone"]), json!("INVALID_PHONE")),
            (json!(["input", "email"]), json!("INVALID_EMAIL")),
            (json!(["input", "homeWardId"]), json!("INVALID_WARD")),
        ]
    );
    assert!(profile::Entity::find_by_id(an.citizen_id.clone())
        .one(db)
        .await
        .unwrap()
        .is_none());

    // A valid change: normalised phone, lower-cased domain, push off for
    // alerts, surveys pushed.
    let changed = an
        .graphql(
            UPDATE,
            json!({ "input": {
            "phone": "+84 98 765 4321", "email": "An.Nguyen@Example.VN", "homeWardId": "26740",
            "notificationPreferences": [
                { "topic": "ALERTS", "channel": "PUSH", "enabled": false },
                { "topic": "SURVEYS", "channel": "PUSH", "enabled": true },
            ],
        } }),
        )
        .await
        .data();
    let profile = &changed["updateProfile"]["profile"];
    assert_eq!(changed["updateProfile"]["userErrors"], json!([]));
    assert_eq!(profile["phone"], "+84987654321");
    assert_eq!(profile["email"], "An.Nguyen@example.vn");
    assert_eq!(profile["homeWard"], json!({ "id": "26740" }));
    assert_eq!(profile["language"], "VI");
    let enabled = |topic: &str, channel: &str| {
        profile["notificationPreferences"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["topic"] == topic && p["channel"] == channel)
            .map(|p| p["enabled"].clone())
    };
    assert_eq!(enabled("ALERTS", "PUSH"), Some(json!(false)));
    assert_eq!(enabled("SURVEYS", "PUSH"), Some(json!(true)));
    assert_eq!(enabled("NEWS", "PUSH"), Some(json!(false)));
    assert_eq!(enabled("FEEDBACK", "IN_APP"), Some(json!(true)));
    let row = profile::Entity::find_by_id(an.citizen_id.clone())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.contact_phone.as_deref(), Some("+84987654321"));
    // Leaving fields out keeps them; clearing the phone shows VNeID's.
    let again = an
        .graphql(
            UPDATE,
            json!({ "input": { "phone": null, "language": "EN" } }),
        )
        .await
        .data();
    let profile = &again["updateProfile"]["profile"];
    assert_eq!(profile["phone"], "+84901234567");
    assert_eq!(profile["email"], "An.Nguyen@example.vn");
    assert_eq!(profile["language"], "EN");
    assert_eq!(profile["homeWard"], json!({ "id": "26740" }));

    // My Services: the default list, then add, remove, reorder.
    let list = an.graphql(MY_SERVICES, json!({})).await.data();
    let mut keys = service_keys(&list["me"]["myServices"]);
    assert_eq!(keys.len(), 8);
    const ADD: &str = "mutation($key: String!) { addMyService(key: $key) { myServices { service { key } } userErrors { field code } } }";
    const REMOVE: &str = "mutation($key: String!) { removeMyService(key: $key) { myServices { service { key } } userErrors { code } } }";
    const REORDER: &str = "mutation($keys: [String!]!) { reorderMyServices(keys: $keys) { myServices { position service { key } } userErrors { field code } } }";
    let added = an
        .graphql(ADD, json!({ "key": "transport.cameras" }))
        .await
        .data();
    keys.push("transport.cameras".into());
    assert_eq!(service_keys(&added["addMyService"]["myServices"]), keys);
    // Adding again changes nothing; an unknown key is refused.
    let added = an
        .graphql(ADD, json!({ "key": "transport.cameras" }))
        .await
        .data();
    assert_eq!(service_keys(&added["addMyService"]["myServices"]), keys);
    let unknown = an.graphql(ADD, json!({ "key": "casino" })).await.data();
    assert_eq!(
        unknown["addMyService"]["userErrors"],
        json!([{ "field": ["key"], "code": "UNKNOWN_SERVICE" }])
    );
    assert_eq!(service_keys(&unknown["addMyService"]["myServices"]), keys);
    let removed = an
        .graphql(REMOVE, json!({ "key": "feedback.mine" }))
        .await
        .data();
    keys.retain(|k| k != "feedback.mine");
    assert_eq!(
        service_keys(&removed["removeMyService"]["myServices"]),
        keys
    );
    // Reordering names every service once.
    let mut reversed = keys.clone();
    reversed.reverse();
    for (bad, code) in [
        (reversed[1..].to_vec(), "MISSING_KEY"),
        (
            [reversed.clone(), vec![reversed[0].clone()]].concat(),
            "DUPLICATE_KEY",
        ),
        (
            [reversed[1..].to_vec(), vec!["feedback.mine".into()]].concat(),
            "NOT_IN_MY_SERVICES",
        ),
    ] {
        let refused = an.graphql(REORDER, json!({ "keys": bad })).await.data();
        assert_eq!(
            refused["reorderMyServices"]["userErrors"],
            json!([{ "field": ["keys"], "code": code }])
        );
        assert_eq!(
            service_keys(&refused["reorderMyServices"]["myServices"]),
            keys
        );
    }
    let reordered = an
        .graphql(REORDER, json!({ "keys": reversed }))
        .await
        .data();
    assert_eq!(
        service_keys(&reordered["reorderMyServices"]["myServices"]),
        reversed
    );
    let list = an.graphql(MY_SERVICES, json!({})).await.data();
    assert_eq!(service_keys(&list["me"]["myServices"]), reversed);
    assert_eq!(list["me"]["myServices"][0]["position"], 0);
    // An emptied list stays empty (the default is made once).
    for key in &reversed {
        an.graphql(REMOVE, json!({ "key": key })).await.data();
    }
    let list = an.graphql(MY_SERVICES, json!({})).await.data();
    assert_eq!(list["me"]["myServices"], json!([]));
    // Another citizen's list is theirs.
    let list = binh.graphql(MY_SERVICES, json!({})).await.data();
    assert_eq!(service_keys(&list["me"]["myServices"]).len(), 8);
    assert_eq!(
        my_service::Entity::find()
            .filter(my_service::Column::CitizenId.eq(&an.citizen_id))
            .count(db)
            .await
            .unwrap(),
        0
    );

    // Pins: keys in their type's format, once per item, at most 100.
    for (kind, id, code) in [
        ("REPORT", "not-a-uuid", "INVALID_KEY"),
        ("ADMINISTRATIVE_UNIT", "Bến Thành", "INVALID_KEY"),
        ("PROCEDURE", "khai-sinh", "INVALID_KEY"),
        ("AGENCY", "UBND Bến Thành", "INVALID_KEY"),
    ] {
        let refused = pin_item(&an, kind, id).await;
        assert_eq!(refused["pin"], Value::Null);
        assert_eq!(refused["userErrors"][0]["code"], code, "{refused}");
        assert_eq!(refused["userErrors"][0]["field"], json!(["input", "id"]));
    }
    let first = pin_item(&an, "AGENCY", "ubnd-ben-thanh").await;
    let again = pin_item(&an, "AGENCY", "ubnd-ben-thanh").await;
    assert_eq!(first["pin"]["id"], again["pin"]["id"], "pinned once");
    assert_eq!(
        first["pin"]["item"],
        json!({ "__typename": "Agency" }),
        "{first}"
    );
    for i in 0..99 {
        let pinned = pin_item(&an, "REPORT", &format!("00000000-0000-4000-8000-{i:012}")).await;
        assert_eq!(pinned["userErrors"], json!([]), "{pinned}");
    }
    let over = pin_item(&an, "REPORT", "00000000-0000-4000-8000-999999999999").await;
    assert_eq!(over["userErrors"][0]["code"], "PIN_LIMIT", "{over}");
    assert_eq!(
        pin::Entity::find()
            .filter(pin::Column::CitizenId.eq(&an.citizen_id))
            .count(db)
            .await
            .unwrap(),
        100
    );
    // Items their owner does not have (the keys are well-formed) come
    // back null; the other pins are unaffected.
    let body = an.graphql("{ me { pins { itemType item { __typename ... on Agency { name } ... on Report { status } } } } }", json!({})).await.body;
    // The owner says why (NOT_FOUND), at each null item.
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 99, "{body}");
    assert!(errors.iter().all(|e| e["path"][0] == "me"
        && e["path"][1] == "pins"
        && e["path"][3] == "item"
        && e["extensions"]["code"] == "NOT_FOUND"));
    let pins = body["data"]["me"]["pins"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(pins.len(), 100);
    assert_eq!(pins[99]["item"]["__typename"], "Agency", "{body}");
    assert!(pins[99]["item"]["name"].is_string(), "{body}");
    assert!(pins[..99].iter().all(|p| p["item"].is_null()), "{body}");
    let unpinned = an
        .graphql(
            r#"mutation { unpin(input: { type: AGENCY, id: "ubnd-ben-thanh" }) { unpinned } }"#,
            json!({}),
        )
        .await
        .data();
    assert_eq!(unpinned["unpin"]["unpinned"], true);
    let unpinned = an
        .graphql(
            r#"mutation { unpin(input: { type: AGENCY, id: "ubnd-ben-thanh" }) { unpinned } }"#,
            json!({}),
        )
        .await
        .data();
    assert_eq!(unpinned["unpin"]["unpinned"], false);
    // Bình sees none of An's pins.
    let theirs = binh
        .graphql("{ me { pins { id } } }", json!({}))
        .await
        .data();
    assert_eq!(theirs["me"]["pins"], json!([]));
    app.stop().await;
}
