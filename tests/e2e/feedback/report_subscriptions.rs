//! Live report updates through the whole system: the feedback subgraph's
//! subscription reads the event bus (fed by the transactional outbox),
//! filtered by who may see the report, and the gateway adds the ward from
//! geo to each event. Access tokens ride in `connection_init`; a bad one
//! closes the socket with 4403 and an expiring one ends the subscription.

use congdan_contracts::bus::Event;
use congdan_tests::subscriptions::{graphql_ws_npm, publish_until, Seen, WsClient};
use congdan_tests::{serve_args, Session, TestApp, TestDatabase, BOOTSTRAP_ADMIN_PERSONAL_ID};
use entity::outbox_event;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{json, Value};

const AN: &str = "079090001234";
const BINH: &str = "079185004321";
const AGENCY: &str = "ubnd-ben-thanh";

const WATCH: &str =
    "subscription($id: ID!) { reportUpdated(id: $id) { id status ward { fullName } } }";

struct World {
    app: TestApp,
    an: Session,
    binh: Session,
    admin: Session,
}

async fn world(app: TestApp) -> World {
    let an = app.sign_in(AN).await;
    let binh = app.sign_in(BINH).await;
    let admin = app.sign_in(BOOTSTRAP_ADMIN_PERSONAL_ID).await;
    World {
        app,
        an,
        binh,
        admin,
    }
}

impl World {
    /// A report An submits in Bến Thành ward.
    async fn report(&self, key: &str) -> String {
        let body = self.an.graphql("mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } userErrors { code message } } }", json!({ "input": {
                    "title": "Ổ gà trên đường Lê Lợi",
                    "description": "Ổ gà sâu giữa làn xe máy, nguy hiểm khi trời mưa.",
                    "category": "roads",
                    "latitude": 10.7725, "longitude": 106.6980,
                    "idempotencyKey": key,
                }})).await.ok();
        body["data"]["submitReport"]["report"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("submitted: {body}"))
            .to_string()
    }

    async fn assign(&self, id: &str) {
        let body = self.admin.graphql("mutation($id: ID!, $agency: ID!) { assignReport(input: { reportId: $id, agencyId: $agency }) { report { status } userErrors { code } } }", json!({ "id": id, "agency": AGENCY })).await.ok();
        assert_eq!(
            body["data"]["assignReport"]["report"]["status"], "ASSIGNED",
            "{body}"
        );
    }

    /// The newest outbox event about report `id`.
    async fn last_event(&self, id: &str) -> Event {
        let row = outbox_event::Entity::find()
            .order_by_desc(outbox_event::Column::Id)
            .all(&self.app.database.db)
            .await
            .unwrap()
            .into_iter()
            .find(|row| row.topic.starts_with("feedback.report.") && row.payload.contains(id))
            .expect("an event about the report");
        congdan_tests::events::from_outbox(row)
    }

    async fn watch(&self, token: &str, id: &str) -> WsClient {
        let mut client =
            WsClient::connect(&self.app.gateway_url(), "graphql-transport-ws", &[]).await;
        client
            .init(json!({ "Authorization": format!("Bearer {token}") }))
            .await;
        client
            .send(json!({ "id": "w", "type": "subscribe", "payload": { "query": WATCH, "variables": { "id": id } } }))
            .await;
        client
    }
}

fn payload(seen: Seen) -> Value {
    match seen {
        Seen::Json(v) => {
            assert_eq!(v["type"], "next", "{v}");
            v["payload"].clone()
        }
        other => panic!("expected an event, got {other:?}"),
    }
}

#[tokio::test]
async fn the_reporter_follows_a_report_live_and_others_may_not() {
    let w = world(TestApp::spawn().await).await;
    let id = w.report("live-0001").await;

    let mut an = w.watch(&w.an.token, &id).await;
    // Bình is neither its reporter nor a follower.
    let mut binh = w.watch(&w.binh.token, &id).await;
    let refused = payload(binh.next().await);
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );
    assert_eq!(
        binh.next().await,
        Seen::Json(json!({ "id": "w", "type": "complete" }))
    );

    // Change the report; its event goes out again until An's subscription,
    // which may reach the bus after the change, has it.
    w.assign(&id).await;
    let assigned = w.last_event(&id).await;
    let event = payload(publish_until(w.app.system.bus.as_ref(), &assigned, an.next()).await);
    assert_eq!(
        event,
        json!({ "data": { "reportUpdated": { "id": id, "status": "ASSIGNED", "ward": { "fullName": "Phường Bến Thành" } } } })
    );

    // Anonymous callers are refused by the gateway before anything runs.
    let mut anonymous = WsClient::connect(&w.app.gateway_url(), "graphql-transport-ws", &[]).await;
    anonymous.init(json!({})).await;
    anonymous
        .send(json!({ "id": "a", "type": "subscribe", "payload": { "query": WATCH, "variables": { "id": id } } }))
        .await;
    let refused = payload(anonymous.next().await);
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{refused}"
    );

    // A forged token in connection_init closes the socket with 4403.
    let mut forged = WsClient::connect(&w.app.gateway_url(), "graphql-transport-ws", &[]).await;
    forged.send(json!({ "type": "connection_init", "payload": { "Authorization": "Bearer not.a.token" } })).await;
    assert!(matches!(forged.next().await, Seen::Closed(Some(4403), _)));
    w.app.stop().await;
}

#[tokio::test]
async fn officers_dashboards_get_their_agencys_changes_and_the_npm_client_works() {
    let w = world(TestApp::spawn().await).await;
    let id = w.report("live-0002").await;

    // An admin watches the agency's dashboard; a citizen may not.
    let dashboard =
        "subscription($agency: ID!) { reportsChanged(agencyId: $agency) { id status } }";
    let mut admin = WsClient::connect(&w.app.gateway_url(), "graphql-transport-ws", &[]).await;
    admin.init(json!({ "token": w.admin.token })).await;
    admin
        .send(json!({ "id": "d", "type": "subscribe", "payload": { "query": dashboard, "variables": { "agency": AGENCY } } }))
        .await;
    let mut citizen_dashboard =
        WsClient::connect(&w.app.gateway_url(), "graphql-transport-ws", &[]).await;
    citizen_dashboard
        .init(json!({ "token": w.binh.token }))
        .await;
    citizen_dashboard
        .send(json!({ "id": "d", "type": "subscribe", "payload": { "query": dashboard, "variables": { "agency": AGENCY } } }))
        .await;
    let refused = payload(citizen_dashboard.next().await);
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{refused}"
    );

    // The reporter follows with the graphql-ws npm client meanwhile.
    let url = w.app.gateway_url();
    let query = WATCH
        .replace("$id: ID!", "")
        .replace("(id: $id)", &format!("(id: \"{id}\")"))
        .replace("subscription()", "subscription");
    let an = w.an.token.clone();
    let npm = tokio::spawn(async move { graphql_ws_npm(&url, &query, Some(&an), Some(1)).await });
    w.assign(&id).await;
    let assigned = w.last_event(&id).await;

    let bus = w.app.system.bus.as_ref();
    let npm = publish_until(bus, &assigned, npm).await;
    let event = payload(publish_until(bus, &assigned, admin.next()).await);
    assert_eq!(
        event["data"]["reportsChanged"],
        json!({ "id": id, "status": "ASSIGNED" })
    );
    if let Some(lines) = npm.unwrap() {
        assert_eq!(
            lines[0]["data"]["reportUpdated"],
            json!({ "id": id, "status": "ASSIGNED", "ward": { "fullName": "Phường Bến Thành" } }),
            "{lines:?}"
        );
    }
    w.app.stop().await;
}

#[tokio::test]
async fn each_update_carries_the_state_of_its_own_change() {
    let w = world(TestApp::spawn().await).await;
    let id = w.report("live-0004").await;
    let mut an = w.watch(&w.an.token, &id).await;
    // The subscription is live once an event for the report reaches it: an
    // event that changes nothing, sent until it arrives.
    let ping = congdan_tests::events::event(&congdan_tests::events::report_updated(
        &id, None, "RECEIVED",
    ));
    let seen = publish_until(w.app.system.bus.as_ref(), &ping, an.next()).await;
    assert_eq!(payload(seen)["data"]["reportUpdated"]["status"], "RECEIVED");

    // Three steps in a row, delivered after all of them committed (the
    // outbox relay sends what is pending at once): each update still shows
    // the status its own step set.
    w.assign(&id).await;
    for (step, input) in [
        ("startReportProgress", json!({ "reportId": id })),
        (
            "resolveReport",
            json!({ "reportId": id, "answer": "Đã vá ổ gà." }),
        ),
    ] {
        let input_type = if step == "resolveReport" {
            "ResolveReportInput"
        } else {
            "ReportStepInput"
        };
        let body = w.admin.graphql(&format!("mutation($input: {input_type}!) {{ {step}(input: $input) {{ userErrors {{ code }} }} }}"), json!({ "input": input })).await.ok();
        assert_eq!(body["data"][step]["userErrors"], json!([]), "{body}");
    }
    let mut statuses = Vec::new();
    while statuses.len() < 3 {
        let event = payload(an.next().await);
        let update = &event["data"]["reportUpdated"];
        // A late copy of the bare event above shows the report as it is now.
        if statuses.is_empty() && update["status"] == "RECEIVED" {
            continue;
        }
        assert_eq!(update["ward"]["fullName"], "Phường Bến Thành", "{event}");
        statuses.push(update["status"].as_str().unwrap_or_default().to_string());
    }
    assert_eq!(statuses, ["ASSIGNED", "IN_PROGRESS", "RESOLVED"]);
    w.app.stop().await;
}

#[tokio::test]
async fn a_subscription_ends_when_its_access_token_expires() {
    let mut args = serve_args();
    args.auth.access_token_ttl_secs = 2;
    let w = world(TestApp::spawn_with(TestDatabase::sqlite().await, args).await).await;
    let id = w.report("live-0003").await;
    let mut an = w.watch(&w.an.token, &id).await;
    let ended = payload(an.next().await);
    assert_eq!(
        ended["errors"][0]["extensions"]["code"], "TOKEN_EXPIRED",
        "{ended}"
    );
    assert_eq!(
        an.next().await,
        Seen::Json(json!({ "id": "w", "type": "complete" }))
    );
    w.app.stop().await;
}
