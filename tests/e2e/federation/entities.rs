//! Entity joins: several hops, batching and deduplication of `_entities`,
//! missing entities, several keys, composite and nested keys.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_graphql::{EmptyMutation, EmptySubscription, InputObject, Object, Schema, SimpleObject};
use congdan_tests::federation::{spawn_subgraph, Federation};
use serde_json::json;

/// products: `Product @key(fields: "upc")` with its name, and the root list.
mod products {
    use super::*;

    #[derive(SimpleObject, Clone)]
    pub struct Product {
        pub upc: String,
        pub name: String,
    }

    pub fn all() -> Vec<Product> {
        [("1", "Bánh mì"), ("2", "Phở"), ("3", "Cà phê sữa đá")]
            .into_iter()
            .map(|(upc, name)| Product {
                upc: upc.into(),
                name: name.into(),
            })
            .collect()
    }

    pub struct Query {
        pub lookups: Arc<AtomicUsize>,
    }

    #[Object]
    impl Query {
        async fn top_products(&self, first: Option<usize>) -> Vec<Product> {
            all().into_iter().take(first.unwrap_or(3)).collect()
        }

        /// Products on shelves: a list of lists.
        async fn shelves(&self) -> Vec<Vec<Product>> {
            let all = all();
            vec![all[..2].to_vec(), Vec::new(), all[1..].to_vec()]
        }

        #[graphql(entity)]
        async fn product_by_upc(&self, upc: String) -> Option<Product> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            all().into_iter().find(|p| p.upc == upc)
        }
    }

    pub fn schema(lookups: Arc<AtomicUsize>) -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::build(Query { lookups }, EmptyMutation, EmptySubscription).finish()
    }
}

/// reviews: `Review` with its author and product, `Product.reviews`.
mod reviews {
    use super::*;

    #[derive(SimpleObject, Clone)]
    pub struct User {
        pub id: String,
    }

    #[derive(SimpleObject, Clone)]
    pub struct Review {
        pub id: String,
        pub body: String,
        pub author: User,
        pub product: Option<Product>,
    }

    #[derive(Clone)]
    pub struct Product {
        pub upc: String,
    }

    #[Object]
    impl Product {
        async fn upc(&self) -> &str {
            &self.upc
        }

        async fn reviews(&self) -> Vec<Review> {
            all()
                .into_iter()
                .filter(|r| r.product.as_ref().is_some_and(|p| p.upc == self.upc))
                .collect()
        }
    }

    fn review(id: &str, body: &str, author: &str, upc: &str) -> Review {
        Review {
            id: id.into(),
            body: body.into(),
            author: User { id: author.into() },
            product: Some(Product { upc: upc.into() }),
        }
    }

    pub fn all() -> Vec<Review> {
        vec![
            review("r1", "Giòn rụm", "u1", "1"),
            review("r2", "Nước dùng ngon", "u2", "2"),
            review("r3", "Hơi mặn", "u1", "2"),
            review("r4", "Không có sản phẩm này", "u3", "99"),
        ]
    }

    pub struct Query;

    #[Object]
    impl Query {
        /// `count` reviews cycling through the users and products.
        async fn many_reviews(&self, count: usize) -> Vec<Review> {
            (0..count)
                .map(|i| {
                    review(
                        &format!("m{i}"),
                        &format!("review {i}"),
                        &format!("u{}", i % 3 + 1),
                        &format!("{}", i % 2 + 1),
                    )
                })
                .collect()
        }

        async fn reviews(&self) -> Vec<Review> {
            all()
        }

        #[graphql(entity)]
        async fn product_by_upc(&self, upc: String) -> Product {
            Product { upc }
        }

        #[graphql(entity)]
        async fn user_by_id(&self, id: String) -> User {
            User { id }
        }
    }

    pub fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::new(Query, EmptyMutation, EmptySubscription)
    }
}

/// accounts: `User @key(fields: "id")` with a name.
mod accounts {
    use super::*;

    #[derive(SimpleObject, Clone)]
    pub struct User {
        pub id: String,
        pub name: String,
    }

    pub struct Query {
        pub lookups: Arc<AtomicUsize>,
    }

    #[Object]
    impl Query {
        async fn me(&self) -> User {
            User {
                id: "u1".into(),
                name: "Lan".into(),
            }
        }

        #[graphql(entity)]
        async fn user_by_id(&self, id: String) -> Option<User> {
            self.lookups.fetch_add(1, Ordering::SeqCst);
            let name = match id.as_str() {
                "u1" => "Lan",
                "u2" => "Minh",
                "u3" => "Hoa",
                _ => return None,
            };
            Some(User {
                id,
                name: name.into(),
            })
        }
    }

    pub fn schema(lookups: Arc<AtomicUsize>) -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::build(Query { lookups }, EmptyMutation, EmptySubscription).finish()
    }
}

struct Shop {
    fed: Federation,
    product_lookups: Arc<AtomicUsize>,
    user_lookups: Arc<AtomicUsize>,
}

async fn shop() -> Shop {
    let product_lookups = Arc::new(AtomicUsize::new(0));
    let user_lookups = Arc::new(AtomicUsize::new(0));
    let fed = Federation::start(vec![
        spawn_subgraph("products", products::schema(product_lookups.clone())).await,
        spawn_subgraph("reviews", reviews::schema()).await,
        spawn_subgraph("accounts", accounts::schema(user_lookups.clone())).await,
    ])
    .await;
    Shop {
        fed,
        product_lookups,
        user_lookups,
    }
}

#[tokio::test]
async fn three_hops_products_to_reviews_to_accounts() {
    let shop = shop().await;
    let body = shop
        .fed
        .graphql(
            "{ topProducts(first: 2) { upc name reviews { body author { name } } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "topProducts": [
            { "upc": "1", "name": "Bánh mì", "reviews": [
                { "body": "Giòn rụm", "author": { "name": "Lan" } }
            ] },
            { "upc": "2", "name": "Phở", "reviews": [
                { "body": "Nước dùng ngon", "author": { "name": "Minh" } },
                { "body": "Hơi mặn", "author": { "name": "Lan" } }
            ] }
        ] } })
    );
    assert_eq!(shop.fed.requests("products"), 1);
    assert_eq!(shop.fed.requests("reviews"), 1);
    assert_eq!(shop.fed.requests("accounts"), 1);
}

#[tokio::test]
async fn back_and_forth_reviews_to_products_to_reviews() {
    let shop = shop().await;
    let body = shop
        .fed
        .graphql(
            r#"{ reviews { id product { name reviews { id } } } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "reviews": [
            { "id": "r1", "product": { "name": "Bánh mì", "reviews": [{ "id": "r1" }] } },
            { "id": "r2", "product": { "name": "Phở", "reviews": [{ "id": "r2" }, { "id": "r3" }] } },
            { "id": "r3", "product": { "name": "Phở", "reviews": [{ "id": "r2" }, { "id": "r3" }] } },
            { "id": "r4", "product": null }
        ] },
        "errors": [{
            "message": "cannot return null for a non-nullable field",
            "path": ["reviews", 3, "product", "name"],
            "extensions": { "code": "INTERNAL_SERVER_ERROR" }
        }] })
    );
    // Product.reviews resolves in reviews itself: one hop out, none back.
    assert_eq!(shop.fed.requests("reviews"), 1);
    assert_eq!(shop.fed.requests("products"), 1);
}

#[tokio::test]
async fn hundred_entities_take_one_entities_request_per_subgraph_deduplicated() {
    let shop = shop().await;
    let body = shop
        .fed
        .graphql(
            "{ manyReviews(count: 100) { id author { name } product { name } } }",
            json!({}),
        )
        .await
        .ok();
    let reviews = body["data"]["manyReviews"].as_array().expect("a list");
    assert_eq!(reviews.len(), 100);
    assert_eq!(body.get("errors"), None);
    assert_eq!(
        reviews[..4],
        [
            json!({ "id": "m0", "author": { "name": "Lan" }, "product": { "name": "Bánh mì" } }),
            json!({ "id": "m1", "author": { "name": "Minh" }, "product": { "name": "Phở" } }),
            json!({ "id": "m2", "author": { "name": "Hoa" }, "product": { "name": "Bánh mì" } }),
            json!({ "id": "m3", "author": { "name": "Lan" }, "product": { "name": "Phở" } }),
        ]
    );
    assert_eq!(
        reviews[99],
        json!({ "id": "m99", "author": { "name": "Lan" }, "product": { "name": "Phở" } })
    );
    // One `_entities` request each, with each distinct representation once.
    assert_eq!(shop.fed.requests("reviews"), 1);
    assert_eq!(shop.fed.requests("accounts"), 1);
    assert_eq!(shop.fed.requests("products"), 1);
    assert_eq!(shop.user_lookups.load(Ordering::SeqCst), 3);
    assert_eq!(shop.product_lookups.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn entities_inside_a_list_of_lists() {
    let shop = shop().await;
    let body = shop
        .fed
        .graphql("{ shelves { upc reviews { author { name } } } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "shelves": [
            [
                { "upc": "1", "reviews": [{ "author": { "name": "Lan" } }] },
                { "upc": "2", "reviews": [{ "author": { "name": "Minh" } }, { "author": { "name": "Lan" } }] }
            ],
            [],
            [
                { "upc": "2", "reviews": [{ "author": { "name": "Minh" } }, { "author": { "name": "Lan" } }] },
                { "upc": "3", "reviews": [] }
            ]
        ] } })
    );
    assert_eq!(shop.fed.requests("reviews"), 1);
    assert_eq!(shop.fed.requests("accounts"), 1);
    // Everything products knows came with the root fetch.
    assert_eq!(shop.product_lookups.load(Ordering::SeqCst), 0);
}

/// LIMITATION of hive-router-query-planner 2.10.11: when the client uses
/// the key field's name as an alias for another field (`upc: name`), the
/// planner still adds the key as plain `upc` to the same subgraph selection
/// (`upc: name code: upc upc`) instead of aliasing it, so the subgraph
/// rejects the document. The gateway passes the subgraph's validation error
/// on and nulls the non-null root field, with an error there. Using any
/// other alias works (next test).
#[tokio::test]
async fn client_alias_that_shadows_the_key_field_is_rejected_by_the_subgraph() {
    let shop = shop().await;
    let body = shop
        .fed
        .graphql(
            "{ topProducts(first: 2) { upc: name code: upc reviews { id } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": null,
            "errors": [
                { "message": "Fields \"upc\" conflict because \"name\" and \"upc\" are different fields. Use different aliases on the fields to fetch both if this was intentional." },
                {
                    "message": "cannot return null for a non-nullable field",
                    "path": ["topProducts"],
                    "extensions": { "code": "INTERNAL_SERVER_ERROR" }
                }
            ]
        })
    );
    assert_eq!(shop.fed.requests("reviews"), 0);
}

#[tokio::test]
async fn client_aliases_on_key_fields() {
    let shop = shop().await;
    let body = shop
        .fed
        .graphql(
            "{ topProducts(first: 2) { title: name code: upc reviews { id } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "topProducts": [
            { "title": "Bánh mì", "code": "1", "reviews": [{ "id": "r1" }] },
            { "title": "Phở", "code": "2", "reviews": [{ "id": "r2" }, { "id": "r3" }] }
        ] } })
    );
}

#[tokio::test]
async fn missing_entity_nulls_the_nullable_field() {
    let shop = shop().await;
    let body = shop
        .fed
        .graphql(r#"{ reviews { id product { upc name } } }"#, json!({}))
        .await
        .ok();
    // `_entities` answers null for product 99; `Product.name` is non-null,
    // so the nullable `Review.product` becomes null, with an error at the
    // non-null field.
    assert_eq!(
        body,
        json!({
            "data": { "reviews": [
                { "id": "r1", "product": { "upc": "1", "name": "Bánh mì" } },
                { "id": "r2", "product": { "upc": "2", "name": "Phở" } },
                { "id": "r3", "product": { "upc": "2", "name": "Phở" } },
                { "id": "r4", "product": null }
            ] },
            "errors": [{
                "message": "cannot return null for a non-nullable field",
                "path": ["reviews", 3, "product", "name"],
                "extensions": { "code": "INTERNAL_SERVER_ERROR" }
            }]
        })
    );
}

/// A product known by `id` in one subgraph, by `sku` in another, and by
/// both in a third: the gateway goes through the third to join the others.
mod several_keys {
    use super::*;

    pub mod catalog {
        use super::*;

        #[derive(SimpleObject)]
        pub struct Item {
            pub id: String,
            pub sku: String,
            pub title: String,
        }

        fn item(id: &str) -> Option<Item> {
            let (sku, title) = match id {
                "i1" => ("SKU-1", "Nón lá"),
                "i2" => ("SKU-2", "Áo dài"),
                _ => return None,
            };
            Some(Item {
                id: id.into(),
                sku: sku.into(),
                title: title.into(),
            })
        }

        pub struct Query;

        #[Object]
        impl Query {
            #[graphql(entity)]
            async fn item_by_id(&self, id: String) -> Option<Item> {
                item(&id)
            }

            #[graphql(entity)]
            async fn item_by_sku(&self, sku: String) -> Option<Item> {
                ["i1", "i2"]
                    .into_iter()
                    .filter_map(item)
                    .find(|i| i.sku == sku)
            }
        }
    }

    pub mod orders {
        use super::*;

        #[derive(SimpleObject)]
        pub struct Item {
            pub id: String,
        }

        #[derive(SimpleObject)]
        pub struct Order {
            pub number: i32,
            pub item: Item,
        }

        pub struct Query;

        #[Object]
        impl Query {
            async fn orders(&self) -> Vec<Order> {
                vec![
                    Order {
                        number: 1,
                        item: Item { id: "i2".into() },
                    },
                    Order {
                        number: 2,
                        item: Item { id: "i1".into() },
                    },
                ]
            }

            #[graphql(entity)]
            async fn item_by_id(&self, id: String) -> Item {
                Item { id }
            }
        }
    }

    pub mod stock {
        use super::*;

        pub struct Item {
            pub sku: String,
        }

        #[Object]
        impl Item {
            async fn sku(&self) -> &str {
                &self.sku
            }

            async fn in_stock(&self) -> i32 {
                if self.sku == "SKU-1" {
                    12
                } else {
                    0
                }
            }
        }

        pub struct Query;

        #[Object]
        impl Query {
            #[graphql(entity)]
            async fn item_by_sku(&self, sku: String) -> Item {
                Item { sku }
            }
        }
    }
}

#[tokio::test]
async fn several_keys_join_through_the_subgraph_that_knows_both() {
    use several_keys::*;
    let fed = Federation::start(vec![
        spawn_subgraph(
            "catalog",
            Schema::new(catalog::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "orders",
            Schema::new(orders::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "stock",
            Schema::new(stock::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await;
    assert!(
        fed.supergraph.contains(r#"key: "sku""#),
        "{}",
        fed.supergraph
    );
    let body = fed
        .graphql("{ orders { number item { title inStock } } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "orders": [
            { "number": 1, "item": { "title": "Áo dài", "inStock": 0 } },
            { "number": 2, "item": { "title": "Nón lá", "inStock": 12 } }
        ] } })
    );
}

/// `Shop @key(fields: "id region")` and `Pet @key(fields: "owner { id }")`.
mod compound_keys {
    use super::*;

    pub mod places {
        use super::*;

        #[derive(SimpleObject)]
        pub struct Shop {
            pub id: i32,
            pub region: String,
        }

        #[derive(SimpleObject)]
        #[graphql(shareable)]
        pub struct Owner {
            pub id: String,
        }

        /// A key without an entity resolver here: `resolvable: false`.
        #[derive(SimpleObject)]
        #[graphql(unresolvable = "owner { id }")]
        pub struct Pet {
            pub owner: Owner,
            pub species: String,
        }

        pub struct Query;

        #[Object]
        impl Query {
            async fn shops(&self) -> Vec<Shop> {
                vec![
                    Shop {
                        id: 1,
                        region: "north".into(),
                    },
                    Shop {
                        id: 1,
                        region: "south".into(),
                    },
                ]
            }

            async fn pets(&self) -> Vec<Pet> {
                vec![
                    Pet {
                        owner: Owner { id: "o1".into() },
                        species: "cat".into(),
                    },
                    Pet {
                        owner: Owner { id: "o2".into() },
                        species: "dog".into(),
                    },
                ]
            }

            #[graphql(entity)]
            async fn shop_by_key(&self, id: i32, region: String) -> Shop {
                Shop { id, region }
            }
        }
    }

    pub mod details {
        use super::*;

        pub struct Shop {
            pub id: i32,
            pub region: String,
        }

        #[Object]
        impl Shop {
            async fn id(&self) -> i32 {
                self.id
            }
            async fn region(&self) -> &str {
                &self.region
            }
            async fn name(&self) -> String {
                format!("Shop {} ({})", self.id, self.region)
            }
        }

        #[derive(InputObject)]
        pub struct OwnerKey {
            pub id: String,
        }

        #[derive(SimpleObject)]
        #[graphql(shareable)]
        pub struct Owner {
            pub id: String,
        }

        pub struct Pet {
            pub owner: String,
        }

        #[Object]
        impl Pet {
            async fn owner(&self) -> Owner {
                Owner {
                    id: self.owner.clone(),
                }
            }
            async fn name(&self) -> String {
                format!("pet of {}", self.owner)
            }
        }

        pub struct Query;

        #[Object]
        impl Query {
            #[graphql(entity)]
            async fn shop_by_key(&self, id: i32, region: String) -> Shop {
                Shop { id, region }
            }

            #[graphql(entity)]
            async fn pet_by_owner(&self, owner: OwnerKey) -> Pet {
                Pet { owner: owner.id }
            }
        }
    }
}

#[tokio::test]
async fn composite_key_id_and_region() {
    use compound_keys::*;
    let fed = Federation::start(vec![
        spawn_subgraph(
            "places",
            Schema::new(places::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "details",
            Schema::new(details::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await;
    let body = fed
        .graphql("{ shops { id region name } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "shops": [
            { "id": 1, "region": "north", "name": "Shop 1 (north)" },
            { "id": 1, "region": "south", "name": "Shop 1 (south)" }
        ] } })
    );
    assert_eq!(fed.requests("details"), 1);
}

#[tokio::test]
async fn nested_key_owner_id() {
    use compound_keys::*;
    let fed = Federation::start(vec![
        spawn_subgraph(
            "places",
            Schema::new(places::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "details",
            Schema::new(details::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await;
    assert!(
        fed.supergraph.contains(r#"key: "owner { id }""#),
        "{}",
        fed.supergraph
    );
    let body = fed
        .graphql("{ pets { species name } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "pets": [
            { "species": "cat", "name": "pet of o1" },
            { "species": "dog", "name": "pet of o2" }
        ] } })
    );
}
