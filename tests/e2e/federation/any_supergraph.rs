//! The gateway serves any Federation v2 supergraph, not only ones our own
//! composition writes: here a supergraph in the form Apollo's composition
//! emits (`@link`ed join v0.3), loaded from a file, with each subgraph called
//! at the URL its `join__graph` gives.

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject};
use congdan_gateway::GatewayConfig;
use congdan_tests::federation::spawn_subgraph;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

#[derive(SimpleObject, Clone)]
struct Product {
    upc: String,
    name: String,
    price: i32,
}

struct ProductsQuery;

#[Object]
impl ProductsQuery {
    async fn top_products(&self, #[graphql(default = 5)] first: i32) -> Vec<Product> {
        products().into_iter().take(first.max(0) as usize).collect()
    }

    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> Option<Product> {
        products().into_iter().find(|p| p.upc == upc)
    }
}

fn products() -> Vec<Product> {
    vec![
        Product {
            upc: "1".into(),
            name: "Nón lá".into(),
            price: 90,
        },
        Product {
            upc: "2".into(),
            name: "Áo dài".into(),
            price: 1200,
        },
        Product {
            upc: "3".into(),
            name: "Cà phê".into(),
            price: 45,
        },
    ]
}

#[derive(SimpleObject, Clone)]
struct Review {
    body: String,
}

/// The reviews subgraph's view of a product: its key and its reviews.
#[derive(SimpleObject)]
#[graphql(name = "Product")]
struct ReviewedProduct {
    upc: String,
    reviews: Vec<Review>,
}

struct ReviewsQuery;

#[Object]
impl ReviewsQuery {
    #[graphql(entity)]
    async fn find_product_by_upc(&self, upc: String) -> ReviewedProduct {
        let reviews = match upc.as_str() {
            "1" => vec![Review {
                body: "Đẹp và mát".into(),
            }],
            "2" => vec![
                Review {
                    body: "Vải tốt".into(),
                },
                Review {
                    body: "May khéo".into(),
                },
            ],
            _ => vec![],
        };
        ReviewedProduct { upc, reviews }
    }
}

/// What Apollo's composition writes for these two subgraphs.
fn apollo_supergraph(products_url: &str, reviews_url: &str) -> String {
    format!(
        r#"schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{{
  query: Query
}}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE

directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION

directive @join__graph(name: String!, url: String!) on ENUM_VALUE

directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE

directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR

directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION

directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA

scalar join__FieldSet

enum join__Graph {{
  PRODUCTS @join__graph(name: "products", url: "{products_url}")
  REVIEWS @join__graph(name: "reviews", url: "{reviews_url}")
}}

scalar link__Import

enum link__Purpose {{
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}}

type Product
  @join__type(graph: PRODUCTS, key: "upc")
  @join__type(graph: REVIEWS, key: "upc")
{{
  upc: String!
  name: String! @join__field(graph: PRODUCTS)
  price: Int! @join__field(graph: PRODUCTS)
  reviews: [Review!]! @join__field(graph: REVIEWS)
}}

type Query
  @join__type(graph: PRODUCTS)
  @join__type(graph: REVIEWS)
{{
  topProducts(first: Int! = 5): [Product!]! @join__field(graph: PRODUCTS)
}}

type Review
  @join__type(graph: REVIEWS)
{{
  body: String!
}}
"#
    )
}

#[tokio::test]
async fn an_apollo_composed_supergraph_file_is_served_at_its_join_graph_urls() {
    let products = spawn_subgraph(
        "products",
        Schema::build(ProductsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let reviews = spawn_subgraph(
        "reviews",
        Schema::build(ReviewsQuery, EmptyMutation, EmptySubscription)
            .enable_federation()
            .finish(),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("supergraph.graphql");
    std::fs::write(&path, apollo_supergraph(&products.url, &reviews.url)).unwrap();

    // No URL overrides: the gateway calls what join__graph says.
    let gateway = congdan_gateway::Gateway::from_config(&GatewayConfig {
        supergraph_path: path,
        supergraph_poll_interval: None,
        ..GatewayConfig::default()
    })
    .expect("the Apollo supergraph loads");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let server =
        congdan::serve::spawn_server(listener, congdan_gateway::router(gateway), shutdown.clone());

    let body: Value = reqwest::Client::new()
        .post(&url)
        .json(&json!({ "query": "{ topProducts(first: 2) { upc name reviews { body } } }" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body,
        json!({ "data": { "topProducts": [
            { "upc": "1", "name": "Nón lá", "reviews": [ { "body": "Đẹp và mát" } ] },
            { "upc": "2", "name": "Áo dài", "reviews": [ { "body": "Vải tốt" }, { "body": "May khéo" } ] }
        ] } })
    );
    assert_eq!((products.requests(), reviews.requests()), (1, 1));

    let health = reqwest::get(url.replace("/graphql", "/health"))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    shutdown.cancel();
    server.await.unwrap().unwrap();
}

/// A valid operation the supergraph gives no way to answer (here its root
/// type names no subgraph, as an old composition wrote it) is a 400 with
/// its own code, not an internal error, and no subgraph is called.
#[tokio::test]
async fn an_operation_that_cannot_be_planned_is_a_client_error_with_its_code() {
    let unreachable = "http://127.0.0.1:9/graphql";
    let sdl = apollo_supergraph(unreachable, unreachable).replace(
        "type Query\n  @join__type(graph: PRODUCTS)\n  @join__type(graph: REVIEWS)\n",
        "type Query\n",
    );
    let gateway = congdan_gateway::Gateway::from_sdl(&sdl, &GatewayConfig::default())
        .expect("the supergraph loads");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/graphql", listener.local_addr().unwrap());
    let shutdown = CancellationToken::new();
    let server =
        congdan::serve::spawn_server(listener, congdan_gateway::router(gateway), shutdown.clone());
    let response = reqwest::Client::new()
        .post(&url)
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ topProducts { upc } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "QUERY_PLANNING_FAILED",
        "{body}"
    );
    shutdown.cancel();
    server.await.unwrap().unwrap();
}
