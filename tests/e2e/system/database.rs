//! Migrations and demo data on SQLite and PostgreSQL, each test on its own
//! database (a temporary SQLite file, or a fresh PostgreSQL schema).

use congdan_tests::{TestApp, TestDatabase};
use entity::{feedback::report, geo::admin_unit, seed_run};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

async fn migrations_and_seed_apply_once(database: &TestDatabase) {
    congdan::db::migrate(&database.db)
        .await
        .expect("migrations apply");
    // Applying them again changes nothing.
    congdan::db::migrate(&database.db)
        .await
        .expect("migrations re-apply");

    let first = congdan::seed::demo(&database.db).await.expect("demo data");
    assert_eq!(first.len(), 6, "one demo set per subgraph: {first:?}");
    let second = congdan::seed::demo(&database.db)
        .await
        .expect("second seed");
    assert!(second.is_empty(), "a second run seeds nothing: {second:?}");

    assert_eq!(
        admin_unit::Entity::find()
            .count(&database.db)
            .await
            .unwrap(),
        168
    );
    assert_eq!(report::Entity::find().count(&database.db).await.unwrap(), 4);
    assert_eq!(
        seed_run::Entity::find().count(&database.db).await.unwrap(),
        6
    );
}

#[tokio::test]
async fn sqlite_migrates_and_seeds_once() {
    let database = TestDatabase::sqlite().await;
    migrations_and_seed_apply_once(&database).await;
}

#[tokio::test]
async fn postgres_migrates_and_seeds_once() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    migrations_and_seed_apply_once(&database).await;
    database.drop().await;
}

#[tokio::test]
async fn the_system_answers_on_postgres() {
    let Some(database) = TestDatabase::postgres().await else {
        return;
    };
    let app = TestApp::spawn_on(database).await;
    let (status, body) = app
        .graphql(
            r#"{ administrativeUnits(search: "con dao") { edges { node { fullName kind } } } }"#,
            json!({}),
        )
        .await
        .pair();
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({ "data": { "administrativeUnits": { "edges": [
            { "node": { "fullName": "Đặc khu Côn Đảo", "kind": "SPECIAL_ZONE" } }
        ] } } })
    );
    app.stop().await;
}
