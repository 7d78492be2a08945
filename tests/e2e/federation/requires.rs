//! `@requires` and `@external`: a field computed from fields another
//! subgraph resolves, sent along in the representation.

use async_graphql::{EmptyMutation, EmptySubscription, InputObject, Object, Schema, SimpleObject};
use congdan_tests::federation::{spawn_subgraph, Federation};
use serde_json::json;

/// catalog: products with price, weight and dimensions.
mod catalog {
    use super::*;

    #[derive(SimpleObject, Clone)]
    #[graphql(shareable)]
    pub struct Dimensions {
        pub width: i32,
        pub height: i32,
    }

    #[derive(SimpleObject, Clone)]
    pub struct Product {
        pub id: String,
        pub price: i32,
        pub weight: i32,
        pub dimensions: Dimensions,
    }

    pub fn all() -> Vec<Product> {
        vec![
            Product {
                id: "p1".into(),
                price: 100,
                weight: 2,
                dimensions: Dimensions {
                    width: 10,
                    height: 20,
                },
            },
            Product {
                id: "p2".into(),
                price: 30,
                weight: 5,
                dimensions: Dimensions {
                    width: 3,
                    height: 4,
                },
            },
        ]
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn products(&self) -> Vec<Product> {
            all()
        }

        #[graphql(entity)]
        async fn product_by_id(&self, id: String) -> Option<Product> {
            all().into_iter().find(|p| p.id == id)
        }
    }
}

/// shipping: estimates that need price, weight and dimensions.
mod shipping {
    use super::*;

    #[derive(SimpleObject, Clone)]
    #[graphql(shareable)]
    pub struct Dimensions {
        pub width: i32,
        pub height: i32,
    }

    #[derive(InputObject)]
    #[graphql(name = "DimensionsInput")]
    pub struct DimensionsInput {
        pub width: i32,
        pub height: i32,
    }

    pub struct Product {
        pub id: String,
        pub price: Option<i32>,
        pub weight: Option<i32>,
        pub area: Option<i32>,
    }

    #[Object]
    impl Product {
        async fn id(&self) -> &str {
            &self.id
        }

        #[graphql(external)]
        async fn price(&self) -> Option<i32> {
            self.price
        }

        #[graphql(external)]
        async fn weight(&self) -> Option<i32> {
            self.weight
        }

        #[graphql(external)]
        async fn dimensions(&self) -> Option<Dimensions> {
            None
        }

        /// Free above 50, else 3 per kilogram.
        #[graphql(requires = "price weight")]
        async fn shipping_estimate(&self) -> Option<i32> {
            let (price, weight) = (self.price?, self.weight?);
            Some(if price > 50 { 0 } else { weight * 3 })
        }

        #[graphql(requires = "dimensions { width height }")]
        async fn box_area(&self) -> Option<i32> {
            self.area
        }
    }

    pub struct Query;

    #[Object]
    impl Query {
        #[graphql(entity)]
        async fn product_by_id(
            &self,
            #[graphql(key)] id: String,
            price: Option<i32>,
            weight: Option<i32>,
            dimensions: Option<DimensionsInput>,
        ) -> Product {
            Product {
                id,
                price,
                weight,
                area: dimensions.map(|d| d.width * d.height),
            }
        }
    }
}

async fn federation() -> Federation {
    Federation::start(vec![
        spawn_subgraph(
            "catalog",
            Schema::new(catalog::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "shipping",
            Schema::new(shipping::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await
}

#[tokio::test]
async fn requires_scalar_fields_from_another_subgraph() {
    let fed = federation().await;
    let body = fed
        .graphql("{ products { id shippingEstimate } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "products": [
            { "id": "p1", "shippingEstimate": 0 },
            { "id": "p2", "shippingEstimate": 15 }
        ] } })
    );
    assert_eq!(fed.requests("catalog"), 1);
    assert_eq!(fed.requests("shipping"), 1);
}

#[tokio::test]
async fn requires_a_nested_selection() {
    let fed = federation().await;
    let body = fed
        .graphql(
            "{ products { id boxArea dimensions { width } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "products": [
            { "id": "p1", "boxArea": 200, "dimensions": { "width": 10 } },
            { "id": "p2", "boxArea": 12, "dimensions": { "width": 3 } }
        ] } })
    );
}

#[tokio::test]
async fn required_fields_are_fetched_but_not_returned_when_not_asked() {
    let fed = federation().await;
    let body = fed
        .graphql("{ products { shippingEstimate boxArea price } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "products": [
            { "shippingEstimate": 0, "boxArea": 200, "price": 100 },
            { "shippingEstimate": 15, "boxArea": 12, "price": 30 }
        ] } })
    );
}

/// `@requires` whose fields come from two other subgraphs: the estimate
/// needs the catalog's price and the warehouse's weight.
mod two_sources {
    use super::*;

    pub mod catalog {
        use super::*;

        #[derive(SimpleObject)]
        pub struct Product {
            pub id: String,
            pub price: i32,
        }

        pub struct Query;

        #[Object]
        impl Query {
            async fn product(&self) -> Product {
                Product {
                    id: "p2".into(),
                    price: 30,
                }
            }

            #[graphql(entity)]
            async fn product_by_id(&self, id: String) -> Product {
                Product { id, price: 30 }
            }
        }
    }

    pub mod warehouse {
        use super::*;

        #[derive(SimpleObject)]
        pub struct Product {
            pub id: String,
            pub weight: i32,
        }

        pub struct Query;

        #[Object]
        impl Query {
            #[graphql(entity)]
            async fn product_by_id(&self, id: String) -> Product {
                Product { id, weight: 5 }
            }
        }
    }
}

#[tokio::test]
async fn requires_fields_from_two_other_subgraphs() {
    use two_sources::*;
    let fed = Federation::start(vec![
        spawn_subgraph(
            "catalog",
            Schema::new(catalog::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "warehouse",
            Schema::new(warehouse::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "shipping",
            Schema::build(shipping_only::Query, EmptyMutation, EmptySubscription).finish(),
        )
        .await,
    ])
    .await;
    let body = fed
        .graphql("{ product { id shippingEstimate } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "product": { "id": "p2", "shippingEstimate": 15 } } })
    );
    assert_eq!(fed.requests("warehouse"), 1);
    assert_eq!(fed.requests("shipping"), 1);
}

/// shipping without dimensions, for the two-source scenario.
mod shipping_only {
    use super::*;

    pub struct Product {
        pub id: String,
        pub price: Option<i32>,
        pub weight: Option<i32>,
    }

    #[Object]
    impl Product {
        async fn id(&self) -> &str {
            &self.id
        }

        #[graphql(external)]
        async fn price(&self) -> Option<i32> {
            self.price
        }

        #[graphql(external)]
        async fn weight(&self) -> Option<i32> {
            self.weight
        }

        #[graphql(requires = "price weight")]
        async fn shipping_estimate(&self) -> Option<i32> {
            let (price, weight) = (self.price?, self.weight?);
            Some(if price > 50 { 0 } else { weight * 3 })
        }
    }

    pub struct Query;

    #[Object]
    impl Query {
        #[graphql(entity)]
        async fn product_by_id(
            &self,
            #[graphql(key)] id: String,
            price: Option<i32>,
            weight: Option<i32>,
        ) -> Product {
            Product { id, price, weight }
        }
    }
}

/// A required field with an argument: `@requires(fields: "price(currency: \"USD\")")`.
mod with_argument {
    use super::*;

    pub mod catalog {
        use super::*;

        pub struct Product;

        #[Object]
        impl Product {
            async fn id(&self) -> &str {
                "p1"
            }

            async fn price(&self, currency: String) -> i32 {
                if currency == "USD" {
                    4
                } else {
                    100_000
                }
            }
        }

        pub struct Query;

        #[Object]
        impl Query {
            async fn product(&self) -> Product {
                Product
            }

            #[graphql(entity)]
            async fn product_by_id(&self, id: String) -> Product {
                let _ = id;
                Product
            }
        }
    }

    pub mod tax {
        use super::*;

        pub struct Product {
            pub id: String,
            pub price: Option<i32>,
        }

        #[Object]
        impl Product {
            async fn id(&self) -> &str {
                &self.id
            }

            #[graphql(external)]
            async fn price(&self, currency: String) -> Option<i32> {
                let _ = currency;
                self.price
            }

            #[graphql(requires = "price(currency: \"USD\")")]
            async fn tax_usd(&self) -> Option<i32> {
                self.price.map(|p| p / 2)
            }
        }

        pub struct Query;

        #[Object]
        impl Query {
            #[graphql(entity)]
            async fn product_by_id(
                &self,
                #[graphql(key)] id: String,
                price: Option<i32>,
            ) -> Product {
                Product { id, price }
            }
        }
    }
}

#[tokio::test]
async fn requires_a_field_with_an_argument() {
    use with_argument::*;
    let mut tax = spawn_subgraph(
        "tax",
        Schema::new(tax::Query, EmptyMutation, EmptySubscription),
    )
    .await;
    // async-graphql 7 writes the quotes inside the field set unescaped, which
    // is not valid SDL; escape them as a hand-written subgraph would.
    tax.sdl = tax.sdl.replace(
        r#""price(currency: "USD")""#,
        r#""price(currency: \"USD\")""#,
    );
    let fed = Federation::start(vec![
        spawn_subgraph(
            "catalog",
            Schema::new(catalog::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        tax,
    ])
    .await;
    let (status, body) = fed
        .graphql("{ product { id taxUsd } }", json!({}))
        .await
        .pair();
    assert_eq!(
        (status, body),
        (
            200,
            json!({ "data": { "product": { "id": "p1", "taxUsd": 2 } } })
        )
    );
}

#[tokio::test]
async fn required_field_from_a_down_subgraph_is_not_guessed() {
    use congdan_tests::federation::down_subgraph;
    use two_sources::*;
    let fed = Federation::start(vec![
        spawn_subgraph(
            "catalog",
            Schema::new(catalog::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        down_subgraph(
            "warehouse",
            Schema::new(warehouse::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "shipping",
            Schema::build(shipping_only::Query, EmptyMutation, EmptySubscription).finish(),
        )
        .await,
    ])
    .await;
    let body = fed
        .graphql("{ product { id price shippingEstimate } }", json!({}))
        .await
        .ok();
    // Without the weight there is no representation to send: shipping is
    // not called with half of what it requires.
    assert_eq!(
        body,
        json!({
            "data": { "product": { "id": "p2", "price": 30, "shippingEstimate": null } },
            "errors": [{
                "message": "the warehouse service is unavailable; data it provides is missing",
                "path": ["product"],
                "extensions": { "code": "SUBGRAPH_UNAVAILABLE" }
            }]
        })
    );
    assert_eq!(fed.requests("shipping"), 0);
}

/// The tax federation: `taxUsd` requires `price(currency: "USD")`.
async fn with_argument_federation() -> Federation {
    use with_argument::*;
    let mut tax = spawn_subgraph(
        "tax",
        Schema::new(tax::Query, EmptyMutation, EmptySubscription),
    )
    .await;
    tax.sdl = tax.sdl.replace(
        r#""price(currency: "USD")""#,
        r#""price(currency: \"USD\")""#,
    );
    Federation::start(vec![
        spawn_subgraph(
            "catalog",
            Schema::new(catalog::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        tax,
    ])
    .await
}

/// The client selects the required field with other arguments: the
/// planner fetches the requirement under an alias of its own, and the
/// representation must carry the aliased value under the field's name.
#[tokio::test]
async fn a_requirement_aliased_beside_the_same_field_with_other_arguments() {
    let fed = with_argument_federation().await;
    let expected = json!({ "data": { "product": { "price": 100_000, "taxUsd": 2 } } });
    let queries = [
        (
            r#"{ product { price(currency: "EUR") taxUsd } }"#,
            json!({}),
        ),
        (
            r#"{ product { taxUsd price(currency: "EUR") } }"#,
            json!({}),
        ),
        (
            r#"query($c: String! = "EUR") { product { price(currency: $c) taxUsd } }"#,
            json!({}),
        ),
        (
            r#"query($c: String! = "USD") { product { price(currency: $c) taxUsd } }"#,
            json!({ "c": "VND" }),
        ),
        (
            r#"{ product { ...Price ... on Product { taxUsd } } }
               fragment Price on Product { price(currency: "EUR") }"#,
            json!({}),
        ),
    ];
    for (query, variables) in queries {
        let body = fed.graphql(query, variables).await.ok();
        assert_eq!(body, expected, "{query}");
    }
}

/// `summary @requires(fields: "comments(limit: 3) { id }")` beside a
/// client's `comments(limit: 1)`: a list of objects under the alias.
mod aliased_list {
    use super::*;

    pub mod blog {
        use super::*;

        #[derive(SimpleObject, Clone)]
        #[graphql(shareable)]
        pub struct Comment {
            pub id: String,
        }

        pub struct Post;

        #[Object]
        impl Post {
            async fn id(&self) -> &str {
                "post-1"
            }

            async fn comments(&self, limit: i32) -> Vec<Comment> {
                (1..=limit.clamp(0, 10))
                    .map(|n| Comment {
                        id: format!("c{n}"),
                    })
                    .collect()
            }
        }

        pub struct Query;

        #[Object]
        impl Query {
            async fn posts(&self) -> Vec<Post> {
                vec![Post]
            }

            #[graphql(entity)]
            async fn post_by_id(&self, id: String) -> Post {
                let _ = id;
                Post
            }
        }
    }

    pub mod digest {
        use super::*;

        #[derive(SimpleObject, Clone)]
        #[graphql(shareable)]
        pub struct Comment {
            pub id: String,
        }

        #[derive(InputObject)]
        #[graphql(name = "CommentInput")]
        pub struct CommentInput {
            pub id: String,
        }

        pub struct Post {
            pub id: String,
            pub comments: Option<Vec<String>>,
        }

        #[Object]
        impl Post {
            async fn id(&self) -> &str {
                &self.id
            }

            #[graphql(external)]
            async fn comments(&self, limit: i32) -> Option<Vec<Comment>> {
                let _ = limit;
                None
            }

            /// The ids of the comments it was given, or null without them.
            #[graphql(requires = "comments(limit: 3) { id }")]
            async fn summary(&self) -> Option<String> {
                self.comments.as_ref().map(|ids| ids.join(","))
            }
        }

        pub struct Query;

        #[Object]
        impl Query {
            #[graphql(entity)]
            async fn post_by_id(
                &self,
                #[graphql(key)] id: String,
                comments: Option<Vec<CommentInput>>,
            ) -> Post {
                Post {
                    id,
                    comments: comments.map(|c| c.into_iter().map(|c| c.id).collect()),
                }
            }
        }
    }
}

#[tokio::test]
async fn an_aliased_list_requirement_reaches_the_subgraph_under_its_name() {
    use aliased_list::*;
    let fed = Federation::start(vec![
        spawn_subgraph(
            "blog",
            Schema::new(blog::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "digest",
            Schema::new(digest::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await;
    let expected = json!({ "data": { "posts": [
        { "comments": [{ "id": "c1" }], "summary": "c1,c2,c3" }
    ] } });
    for (query, variables) in [
        ("{ posts { comments(limit: 1) { id } summary } }", json!({})),
        (
            "query($n: Int! = 1) { posts { summary comments(limit: $n) { id } } }",
            json!({}),
        ),
        (
            "{ posts { ...C summary } } fragment C on Post { comments(limit: 1) { id } }",
            json!({}),
        ),
    ] {
        let body = fed.graphql(query, variables).await.ok();
        assert_eq!(body, expected, "{query}");
    }
}

/// warehouse that knows no product: its entities are null, without error.
mod unknown_to_warehouse {
    use super::*;

    #[derive(SimpleObject)]
    pub struct Product {
        pub id: String,
        pub weight: i32,
    }

    pub struct Query;

    #[Object]
    impl Query {
        #[graphql(entity)]
        async fn product_by_id(&self, id: String) -> Option<Product> {
            let _ = id;
            None
        }
    }
}

#[tokio::test]
async fn an_incomplete_representation_is_an_error_at_its_path() {
    let fed = Federation::start(vec![
        spawn_subgraph(
            "catalog",
            Schema::new(
                two_sources::catalog::Query,
                EmptyMutation,
                EmptySubscription,
            ),
        )
        .await,
        spawn_subgraph(
            "warehouse",
            Schema::new(
                unknown_to_warehouse::Query,
                EmptyMutation,
                EmptySubscription,
            ),
        )
        .await,
        spawn_subgraph(
            "shipping",
            Schema::build(shipping_only::Query, EmptyMutation, EmptySubscription).finish(),
        )
        .await,
    ])
    .await;
    let body = fed
        .graphql("{ product { id price shippingEstimate } }", json!({}))
        .await
        .ok();
    // No weight, so no representation: shipping is not asked, and the
    // client learns why its estimate is null.
    assert_eq!(
        body,
        json!({
            "data": { "product": { "id": "p2", "price": 30, "shippingEstimate": null } },
            "errors": [{
                "message": "the shipping service was not asked for this Product: a field it requires is missing",
                "path": ["product"],
                "extensions": { "code": "REQUIREMENT_MISSING" }
            }]
        })
    );
    assert_eq!(fed.requests("shipping"), 0);
}
