//! No N+1: a list of 50 reports, each with its category (feedback) and its
//! ward (geo), costs the same number of SQL statements as a list of one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use chrono::Utc;
use congdan_tests::{TestApp, TestDatabase};
use entity::feedback::report;
use sea_orm::{EntityTrait, Set};
use serde_json::json;

const LIST: &str = "query($n: Int) { reports(first: $n) { edges { node { title category { title } ward { name } } } } }";

#[tokio::test]
async fn a_list_of_fifty_costs_a_few_statements_not_one_per_item() {
    let mut database = TestDatabase::sqlite().await;
    let count = Arc::new(AtomicUsize::new(0));
    let statements = Arc::new(Mutex::new(Vec::new()));
    let (counter, log) = (count.clone(), statements.clone());
    database.db.set_metric_callback(move |info| {
        // The outbox relay polls in the background, and the directory's
        // agency list goes to feedback's read model (ADR 6): not the
        // request's.
        let sql = &info.statement.sql;
        let agency_list = sql.contains("feedback_agencies")
            || (sql.contains("FROM \"directories_agencies\"") && !sql.contains("WHERE"));
        if sql.contains("outbox_events") || agency_list {
            return;
        }
        counter.fetch_add(1, Ordering::SeqCst);
        log.lock().unwrap().push(info.statement.sql.clone());
    });
    let app = TestApp::spawn_on(database).await;
    let wards = ["25747", "25750", "26737", "26740", "26743"];
    let categories = ["roads", "trees", "traffic", "other", "electricity"];
    let rows = (0..50).map(|i| report::ActiveModel {
        id: Set(format!("00000000-0000-4000-8000-{i:012}")),
        title: Set(format!("Phản ánh {i}")),
        description: Set("Mô tả".into()),
        category: Set(categories[i % 5].into()),
        status: Set("received".into()),
        latitude: Set(10.77),
        longitude: Set(106.70),
        address: Set(None),
        ward_code: Set(Some(wards[i % 5].into())),
        created_at: Set(Utc::now()),
        ..Default::default()
    });
    report::Entity::insert_many(rows)
        .exec(&app.database.db)
        .await
        .unwrap();

    for n in [1, 50] {
        count.store(0, Ordering::SeqCst);
        statements.lock().unwrap().clear();
        let (status, body) = app.graphql(LIST, json!({ "n": n })).await.pair();
        assert_eq!(status, 200);
        let edges = body["data"]["reports"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), n);
        assert!(
            edges
                .iter()
                .all(|e| e["node"]["category"]["title"].is_string()
                    && e["node"]["ward"]["name"].is_string()),
            "{body}"
        );
        // feedback: count, page, categories IN (...); geo: units IN (...).
        // The dataloader gathers keys for 1 ms: on a loaded machine one
        // batch of 50 can be cut in two (seen once under the whole suite),
        // so each batched table may take two statements, never one per item.
        let made = statements.lock().unwrap().clone();
        let on = |table: &str| {
            made.iter()
                .filter(|s| s.contains(&format!("FROM \"{table}\" WHERE")))
                .count()
        };
        let counts = made
            .iter()
            .filter(|s| s.starts_with("SELECT COUNT(*)"))
            .count();
        let pages = made.iter().filter(|s| s.contains(" LIMIT ")).count();
        let (categories, units) = (on("feedback_categories"), on("geo_admin_units"));
        let batches = if n == 1 { 1..=1 } else { 1..=2 };
        assert!(
            counts == 1
                && pages == 1
                && batches.contains(&categories)
                && batches.contains(&units)
                && made.len() == 2 + categories + units,
            "{} statements for {n} reports: {made:#?}",
            made.len()
        );
        assert_eq!(count.load(Ordering::SeqCst), made.len());
    }
    app.stop().await;
}
