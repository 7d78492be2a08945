//! Two replicas of the whole system (two gateways, two of every subgraph)
//! on one PostgreSQL database and one NATS server: a citizen subscribes
//! through gateway A, an admin changes the report through gateway B, and
//! the event crosses NATS to subgraph A's subscription, which gateway A
//! completes with the ward from geo.

use congdan_contracts::bus::NatsBus;
use congdan_tests::subscriptions::{publish_until, Seen, WsClient};
use congdan_tests::{
    require_service_in_ci, serve_args, Request, TestApp, TestDatabase, BOOTSTRAP_ADMIN_PERSONAL_ID,
};
use entity::outbox_event;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::json;

const NATS: &str = "nats://127.0.0.1:4222";

#[tokio::test]
async fn an_event_made_through_one_replica_reaches_a_subscriber_on_the_other() {
    if let Err(error) = NatsBus::connect(NATS).await {
        require_service_in_ci("NATS", &error.to_string());
        return;
    }
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let db = database.db.clone();
    let mut args = serve_args();
    args.event_bus_url = Some(NATS.into());
    let a = TestApp::spawn_with(database, args.clone()).await;
    let b = congdan::serve::start_system(&args, db)
        .await
        .expect("replica B starts");
    assert_ne!(a.system.gateway_addr, b.gateway_addr);

    let an = a.sign_in("079090001234").await.token;
    let admin = a.sign_in(BOOTSTRAP_ADMIN_PERSONAL_ID).await.token;

    // An reports through B (tokens from A are good at B: one key ring).
    let (_, body) = Request::to(b.gateway_url(), "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } } }", json!({ "input": {
                "title": "Đèn tín hiệu hỏng", "description": "Đèn giao thông ở ngã tư không hoạt động từ sáng.",
                "category": "roads", "latitude": 10.7725, "longitude": 106.6980, "idempotencyKey": "replica-0001",
            }})).bearer(&an).await.pair();
    let id = body["data"]["submitReport"]["report"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{body}"))
        .to_string();

    // An watches through A.
    let mut watcher = WsClient::connect(&a.gateway_url(), "graphql-transport-ws", &[]).await;
    watcher
        .init(json!({ "Authorization": format!("Bearer {an}") }))
        .await;
    watcher
        .send(json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($id: ID!) { reportUpdated(id: $id) { id status ward { fullName } } }",
            "variables": { "id": id },
        } }))
        .await;

    // The admin assigns it through B.
    let (_, body) = Request::to(b.gateway_url(), "mutation($id: ID!) { assignReport(input: { reportId: $id, agencyId: \"ubnd-ben-thanh\" }) { report { status } } }", json!({ "id": id })).bearer(&admin).await.pair();
    assert_eq!(
        body["data"]["assignReport"]["report"]["status"], "ASSIGNED",
        "{body}"
    );

    // Its event goes out again until An's subscription on A, which may
    // reach NATS after the change, has it.
    let row = outbox_event::Entity::find()
        .order_by_desc(outbox_event::Column::Id)
        .all(&a.database.db)
        .await
        .unwrap()
        .into_iter()
        .find(|row| row.topic.starts_with("feedback.report.") && row.payload.contains(&id))
        .expect("the assignment's event");
    let assigned = congdan_tests::events::from_outbox(row);
    match publish_until(a.system.bus.as_ref(), &assigned, watcher.next()).await {
        Seen::Json(message) => assert_eq!(
            message["payload"],
            json!({ "data": { "reportUpdated": { "id": id, "status": "ASSIGNED", "ward": { "fullName": "Phường Bến Thành" } } } }),
            "{message}"
        ),
        other => panic!("no event: {other:?}"),
    }
    watcher.close().await;
    b.shutdown().await.expect("replica B stops");
    a.stop().await;
}
