//! Partial failure: a subgraph that is down, too slow, answers garbage or an
//! HTTP error yields the other subgraphs' data plus a `SUBGRAPH_UNAVAILABLE`
//! error at the affected path; never a 500, never a hang.

use std::time::{Duration, Instant};

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use congdan_gateway::GatewayConfig;
use congdan_tests::federation::{
    down_subgraph, federation_sdl, spawn_router, spawn_subgraph, Federation, TestSubgraph,
};
use serde_json::{json, Value};

/// shop: the products and their names.
mod shop {
    use super::*;

    #[derive(SimpleObject)]
    pub struct Product {
        pub id: String,
        pub name: String,
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn products(&self) -> Vec<Product> {
            vec![
                Product {
                    id: "a".into(),
                    name: "Áo mưa".into(),
                },
                Product {
                    id: "b".into(),
                    name: "Bình nước".into(),
                },
            ]
        }

        #[graphql(entity)]
        async fn product_by_id(&self, id: String) -> Product {
            Product {
                name: id.to_uppercase(),
                id,
            }
        }
    }

    pub fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::new(Query, EmptyMutation, EmptySubscription)
    }
}

/// stock: how many of each product are left, and the warehouse name; both
/// wait `delay` first.
mod stock {
    use super::*;

    pub struct Product {
        pub id: String,
        pub delay: Duration,
    }

    /// A supplier only the suppliers subgraph can resolve.
    #[derive(SimpleObject)]
    #[graphql(unresolvable = "id")]
    pub struct Supplier {
        pub id: String,
    }

    #[Object]
    impl Product {
        async fn id(&self) -> &str {
            &self.id
        }

        async fn supplier(&self) -> Option<Supplier> {
            Some(Supplier {
                id: format!("s-{}", self.id),
            })
        }

        async fn in_stock(&self) -> Option<i32> {
            tokio::time::sleep(self.delay).await;
            Some(self.id.len() as i32 * 7)
        }
    }

    pub struct Query {
        pub delay: Duration,
    }

    #[Object]
    impl Query {
        async fn warehouse(&self) -> Option<String> {
            tokio::time::sleep(self.delay).await;
            Some("Kho Thủ Đức".into())
        }

        #[graphql(entity)]
        async fn product_by_id(&self, id: String) -> Product {
            Product {
                id,
                delay: self.delay,
            }
        }
    }

    pub fn schema(delay: Duration) -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::new(Query { delay }, EmptyMutation, EmptySubscription)
    }
}

/// suppliers: the supplier's name.
mod suppliers {
    use super::*;

    #[derive(SimpleObject)]
    pub struct Supplier {
        pub id: String,
        pub name: String,
    }

    pub struct Query;

    #[Object]
    impl Query {
        #[graphql(entity)]
        async fn supplier_by_id(&self, id: String) -> Supplier {
            Supplier {
                name: id.to_uppercase(),
                id,
            }
        }
    }

    pub fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::new(Query, EmptyMutation, EmptySubscription)
    }
}

const QUERY: &str = "{ products { name inStock } warehouse }";

async fn federation(stock: TestSubgraph) -> Federation {
    let config = GatewayConfig {
        subgraph_timeout: Duration::from_millis(300),
        ..Default::default()
    };
    Federation::start_with(
        vec![spawn_subgraph("shop", shop::schema()).await, stock],
        config,
    )
    .await
}

/// What a client gets when stock gives no usable answer: the shop's data,
/// one error for the root fetch and one for the entity fetch.
fn without_stock() -> Value {
    let unavailable = |path: Value| {
        json!({
            "message": "the stock service is unavailable; data it provides is missing",
            "path": path,
            "extensions": { "code": "SUBGRAPH_UNAVAILABLE" }
        })
    };
    json!({
        "data": {
            "products": [
                { "name": "Áo mưa", "inStock": null },
                { "name": "Bình nước", "inStock": null }
            ],
            "warehouse": null
        },
        "errors": [unavailable(json!(["warehouse"])), unavailable(json!(["products", 0]))]
    })
}

/// Errors sorted by path, since the two failing fetches run in parallel.
fn sorted(mut body: Value) -> Value {
    if let Some(Value::Array(errors)) = body.get_mut("errors") {
        errors.sort_by_key(|e| std::cmp::Reverse(e["path"].to_string()));
    }
    body
}

#[tokio::test]
async fn all_answer_when_stock_is_up() {
    let stock = spawn_subgraph("stock", stock::schema(Duration::ZERO)).await;
    let fed = federation(stock).await;
    let body = fed.graphql(QUERY, json!({})).await.ok();
    assert_eq!(
        body,
        json!({ "data": {
            "products": [
                { "name": "Áo mưa", "inStock": 7 },
                { "name": "Bình nước", "inStock": 7 }
            ],
            "warehouse": "Kho Thủ Đức"
        } })
    );
}

#[tokio::test]
async fn subgraph_down_on_a_closed_port() {
    let stock = down_subgraph("stock", stock::schema(Duration::ZERO)).await;
    let fed = federation(stock).await;
    let body = fed.graphql(QUERY, json!({})).await.ok();
    assert_eq!(sorted(body), without_stock());
}

#[tokio::test]
async fn subgraph_slower_than_the_timeout() {
    let stock = spawn_subgraph("stock", stock::schema(Duration::from_millis(1000))).await;
    let fed = federation(stock).await;
    let started = Instant::now();
    let body = fed.graphql(QUERY, json!({})).await.ok();
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sorted(body), without_stock());
}

#[tokio::test]
async fn subgraph_answering_invalid_json() {
    let sdl = federation_sdl(&stock::schema(Duration::ZERO));
    let garbage = Router::new().route("/graphql", post(|| async { "<html>oops</html>" }));
    let fed = federation(spawn_router("stock", sdl, garbage).await).await;
    let body = fed.graphql(QUERY, json!({})).await.ok();
    assert_eq!(sorted(body), without_stock());
    assert_eq!(fed.requests("stock"), 2);
}

#[tokio::test]
async fn subgraph_answering_http_500() {
    let sdl = federation_sdl(&stock::schema(Duration::ZERO));
    let failing = Router::new().route(
        "/graphql",
        post(|| async {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [("content-type", "application/json")],
                r#"{"data":{"warehouse":"should not be used"}}"#,
            )
        }),
    );
    let fed = federation(spawn_router("stock", sdl, failing).await).await;
    let body = fed.graphql(QUERY, json!({})).await.ok();
    assert_eq!(sorted(body), without_stock());
}

#[tokio::test]
async fn subgraph_answering_json_that_is_not_a_graphql_response() {
    let sdl = federation_sdl(&stock::schema(Duration::ZERO));
    let odd = Router::new().route(
        "/graphql",
        post(|| async { ([("content-type", "application/json")], "[1, 2, 3]") }),
    );
    let fed = federation(spawn_router("stock", sdl, odd).await).await;
    let body = fed.graphql(QUERY, json!({})).await.ok();
    assert_eq!(sorted(body), without_stock());
}

#[tokio::test]
async fn root_subgraph_down_leaves_the_other_root_fields() {
    let shop = down_subgraph("shop", shop::schema()).await;
    let stock = spawn_subgraph("stock", stock::schema(Duration::ZERO)).await;
    let fed = Federation::start(vec![shop, stock]).await;
    let body = fed
        .graphql("{ warehouse products { name } }", json!({}))
        .await
        .ok();
    // `products` is non-null, so its absence nulls `data`; stock's nullable
    // root field alone is answered.
    assert_eq!(
        body,
        json!({
            "data": null,
            "errors": [{
                "message": "the shop service is unavailable; data it provides is missing",
                "path": ["products"],
                "extensions": { "code": "SUBGRAPH_UNAVAILABLE" }
            }]
        })
    );
    let body = fed.graphql("{ warehouse }", json!({})).await.ok();
    assert_eq!(body, json!({ "data": { "warehouse": "Kho Thủ Đức" } }));
}

#[tokio::test]
async fn third_hop_down_nulls_only_what_it_provides() {
    let fed = Federation::start(vec![
        spawn_subgraph("shop", shop::schema()).await,
        spawn_subgraph("stock", stock::schema(Duration::ZERO)).await,
        down_subgraph("suppliers", suppliers::schema()).await,
    ])
    .await;
    let body = fed
        .graphql(
            "{ products { name inStock supplier { id name } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "products": [
                { "name": "Áo mưa", "inStock": 7, "supplier": null },
                { "name": "Bình nước", "inStock": 7, "supplier": null }
            ] },
            "errors": [{
                "message": "the suppliers service is unavailable; data it provides is missing",
                "path": ["products", 0, "supplier"],
                "extensions": { "code": "SUBGRAPH_UNAVAILABLE" }
            }]
        })
    );
    let body = fed
        .graphql("{ products { name supplier { id } } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "products": [
            { "name": "Áo mưa", "supplier": { "id": "s-a" } },
            { "name": "Bình nước", "supplier": { "id": "s-b" } }
        ] } })
    );
}

#[tokio::test]
async fn aliased_root_field_in_a_fragment_of_a_down_subgraph() {
    let stock = down_subgraph("stock", stock::schema(Duration::ZERO)).await;
    let fed = federation(stock).await;
    let body = fed
        .graphql("{ ... on Query { w: warehouse } ...Names } fragment Names on Query { products { name } }", json!({})).await.ok();
    assert_eq!(
        body,
        json!({
            "data": { "w": null, "products": [{ "name": "Áo mưa" }, { "name": "Bình nước" }] },
            "errors": [{
                "message": "the stock service is unavailable; data it provides is missing",
                "path": ["w"],
                "extensions": { "code": "SUBGRAPH_UNAVAILABLE" }
            }]
        })
    );
}

#[tokio::test]
async fn per_subgraph_timeout_applies_to_that_subgraph_only() {
    let config = GatewayConfig {
        subgraph_timeout: Duration::from_secs(5),
        subgraph_timeouts: [("stock".to_string(), Duration::from_millis(300))].into(),
        ..Default::default()
    };
    let fed = Federation::start_with(
        vec![
            spawn_subgraph("shop", shop::schema()).await,
            spawn_subgraph("stock", stock::schema(Duration::from_millis(1000))).await,
        ],
        config,
    )
    .await;
    let started = Instant::now();
    let body = fed.graphql(QUERY, json!({})).await.ok();
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(sorted(body), without_stock());
}

/// Stock answering 500 until `healthy` is set, then as itself.
async fn stock_failing_until(
    healthy: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> TestSubgraph {
    use std::sync::atomic::Ordering;
    let schema = stock::schema(Duration::ZERO);
    let sdl = federation_sdl(&schema);
    let router = Router::new().route(
        "/graphql",
        post(move |request: axum::Json<async_graphql::Request>| {
            let (healthy, schema) = (healthy.clone(), schema.clone());
            async move {
                if !healthy.load(Ordering::SeqCst) {
                    return Err(StatusCode::INTERNAL_SERVER_ERROR);
                }
                Ok(axum::Json(schema.execute(request.0).await))
            }
        }),
    );
    spawn_router("stock", sdl, router).await
}

async fn federation_with_breaker(stock: TestSubgraph, cool_down: Duration) -> Federation {
    let config = GatewayConfig {
        subgraph_timeout: Duration::from_millis(300),
        breaker: congdan_gateway::execute::breaker::BreakerSettings {
            failures: 2,
            cool_down,
        },
        ..Default::default()
    };
    Federation::start_with(
        vec![spawn_subgraph("shop", shop::schema()).await, stock],
        config,
    )
    .await
}

/// After a run of failures a subgraph is not called while its circuit is
/// open: requests that need it answer SUBGRAPH_UNAVAILABLE without waiting
/// for it (even if it has come back, until the cool-down ends).
#[tokio::test]
async fn an_open_circuit_fails_fast_without_calling_the_subgraph() {
    let healthy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fed = federation_with_breaker(
        stock_failing_until(healthy.clone()).await,
        Duration::from_secs(3600),
    )
    .await;
    assert_eq!(
        sorted(fed.graphql(QUERY, json!({})).await.ok()),
        without_stock()
    );
    assert_eq!(fed.requests("stock"), 2);
    healthy.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        sorted(fed.graphql(QUERY, json!({})).await.ok()),
        without_stock()
    );
    assert_eq!(fed.requests("stock"), 2, "the open circuit called stock");
}

/// After the cool-down a probe call goes through; a healthy answer closes
/// the circuit.
#[tokio::test]
async fn a_circuit_closes_when_the_probe_succeeds() {
    let healthy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let fed =
        federation_with_breaker(stock_failing_until(healthy.clone()).await, Duration::ZERO).await;
    assert_eq!(
        sorted(fed.graphql(QUERY, json!({})).await.ok()),
        without_stock()
    );
    healthy.store(true, std::sync::atomic::Ordering::SeqCst);
    for _ in 0..2 {
        let body = fed.graphql(QUERY, json!({})).await.ok();
        assert_eq!(body["data"]["warehouse"], "Kho Thủ Đức", "{body}");
        assert!(body.get("errors").is_none(), "{body}");
    }
}
