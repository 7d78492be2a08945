//! Federation directives: `@provides`, `@shareable`, `@override` (with and
//! without a progressive-override label) and `@inaccessible`.

use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema, SimpleObject};
use congdan_tests::federation::{spawn_subgraph, Federation};
use serde_json::json;

/// accounts: users with a name and an email.
mod accounts {
    use super::*;

    #[derive(SimpleObject)]
    pub struct User {
        pub id: String,
        #[graphql(shareable)]
        pub name: String,
        pub email: String,
    }

    pub struct Query;

    #[Object]
    impl Query {
        #[graphql(entity)]
        async fn user_by_id(&self, id: String) -> User {
            User {
                name: format!("accounts name of {id}"),
                email: format!("{id}@example.vn"),
                id,
            }
        }
    }
}

/// reviews: `Review.author @provides(fields: "name")`, so the author's name
/// comes with the review.
mod reviews {
    use super::*;

    pub struct User {
        pub id: String,
    }

    #[Object]
    impl User {
        async fn id(&self) -> &str {
            &self.id
        }

        #[graphql(external)]
        async fn name(&self) -> String {
            format!("reviews name of {}", self.id)
        }
    }

    pub struct Review;

    #[Object]
    impl Review {
        async fn body(&self) -> &str {
            "Tốt"
        }

        #[graphql(provides = "name")]
        async fn author(&self) -> User {
            User { id: "u1".into() }
        }
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn reviews(&self) -> Vec<Review> {
            vec![Review]
        }

        #[graphql(entity)]
        async fn user_by_id(&self, id: String) -> User {
            User { id }
        }
    }
}

async fn provides() -> Federation {
    Federation::start(vec![
        spawn_subgraph(
            "accounts",
            Schema::new(accounts::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "reviews",
            Schema::new(reviews::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await
}

#[tokio::test]
async fn provides_answers_the_provided_field_without_another_fetch() {
    let fed = provides().await;
    let body = fed
        .graphql("{ reviews { body author { id name } } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "reviews": [
            { "body": "Tốt", "author": { "id": "u1", "name": "reviews name of u1" } }
        ] } })
    );
    assert_eq!(fed.requests("accounts"), 0);
}

#[tokio::test]
async fn provides_still_fetches_fields_it_does_not_provide() {
    let fed = provides().await;
    let body = fed
        .graphql("{ reviews { author { name email } } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "reviews": [
            { "author": { "name": "reviews name of u1", "email": "u1@example.vn" } }
        ] } })
    );
    assert_eq!(fed.requests("accounts"), 1);
}

/// Two subgraphs that both resolve `Place.name` (`@shareable`).
mod shareable {
    use super::*;

    pub mod north {
        use super::*;

        #[derive(SimpleObject)]
        #[graphql(shareable)]
        pub struct Place {
            pub id: String,
            pub name: String,
        }

        pub struct Query;

        #[Object]
        impl Query {
            async fn north_place(&self) -> Place {
                Place {
                    id: "hn".into(),
                    name: "Hà Nội (north)".into(),
                }
            }

            #[graphql(entity)]
            async fn place_by_id(&self, id: String) -> Place {
                Place {
                    name: format!("{id} (north)"),
                    id,
                }
            }
        }
    }

    pub mod south {
        use super::*;

        #[derive(SimpleObject)]
        #[graphql(shareable)]
        pub struct Place {
            pub id: String,
            pub name: String,
        }

        pub struct Query;

        #[Object]
        impl Query {
            async fn south_place(&self) -> Place {
                Place {
                    id: "sg".into(),
                    name: "Sài Gòn (south)".into(),
                }
            }

            #[graphql(entity)]
            async fn place_by_id(&self, id: String) -> Place {
                Place {
                    name: format!("{id} (south)"),
                    id,
                }
            }
        }
    }
}

#[tokio::test]
async fn shareable_field_is_resolved_by_whichever_subgraph_is_already_there() {
    use shareable::*;
    let fed = Federation::start(vec![
        spawn_subgraph(
            "north",
            Schema::new(north::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "south",
            Schema::new(south::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await;
    let body = fed
        .graphql(
            "{ northPlace { id name } southPlace { id name } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": {
            "northPlace": { "id": "hn", "name": "Hà Nội (north)" },
            "southPlace": { "id": "sg", "name": "Sài Gòn (south)" }
        } })
    );
    // Each name from the subgraph that returned the place: no entity fetch.
    assert_eq!(fed.requests("north"), 1);
    assert_eq!(fed.requests("south"), 1);
}

/// `Product.price` moved from `legacy` to `pricing` with `@override`.
mod override_ {
    use super::*;

    pub mod legacy {
        use super::*;

        #[derive(SimpleObject)]
        pub struct Product {
            pub id: String,
            pub name: String,
            pub price: i32,
        }

        pub struct Query;

        #[Object]
        impl Query {
            async fn product(&self) -> Product {
                Product {
                    id: "p1".into(),
                    name: "Nón lá".into(),
                    price: 1,
                }
            }

            #[graphql(entity)]
            async fn product_by_id(&self, id: String) -> Product {
                Product {
                    id,
                    name: "Nón lá".into(),
                    price: 1,
                }
            }
        }
    }

    pub mod pricing {
        use super::*;

        #[derive(SimpleObject)]
        pub struct Product {
            pub id: String,
            #[graphql(override_from = "legacy")]
            pub price: i32,
        }

        pub struct Query;

        #[Object]
        impl Query {
            #[graphql(entity)]
            async fn product_by_id(&self, id: String) -> Product {
                Product { id, price: 250 }
            }
        }
    }
}

#[tokio::test]
async fn override_takes_the_field_from_the_new_subgraph() {
    use override_::*;
    let fed = Federation::start(vec![
        spawn_subgraph(
            "legacy",
            Schema::new(legacy::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "pricing",
            Schema::new(pricing::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await;
    let body = fed
        .graphql("{ product { name price } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "product": { "name": "Nón lá", "price": 250 } } })
    );
    assert_eq!(fed.requests("pricing"), 1);
}

/// Progressive override: `@override(from: "legacy", label: "percent(0)")`
/// (async-graphql cannot write `label`, so it is added to the SDL). At 0 %
/// the field stays with `legacy`.
#[tokio::test]
async fn progressive_override_label_at_zero_percent_keeps_the_old_subgraph() {
    use override_::*;
    let mut pricing = spawn_subgraph(
        "pricing",
        Schema::new(pricing::Query, EmptyMutation, EmptySubscription),
    )
    .await;
    assert!(pricing.sdl.contains(r#"@override(from: "legacy")"#));
    pricing.sdl = pricing.sdl.replace(
        r#"@override(from: "legacy")"#,
        r#"@override(from: "legacy", label: "percent(0)")"#,
    );
    let fed = Federation::start(vec![
        spawn_subgraph(
            "legacy",
            Schema::new(legacy::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        pricing,
    ])
    .await;
    let body = fed
        .graphql("{ product { name price } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "product": { "name": "Nón lá", "price": 1 } } })
    );
    assert_eq!(fed.requests("pricing"), 0);
}

/// The same at 100 %: the field moves to `pricing`.
#[tokio::test]
async fn progressive_override_label_at_hundred_percent_takes_the_new_subgraph() {
    use override_::*;
    let mut pricing = spawn_subgraph(
        "pricing",
        Schema::new(pricing::Query, EmptyMutation, EmptySubscription),
    )
    .await;
    pricing.sdl = pricing.sdl.replace(
        r#"@override(from: "legacy")"#,
        r#"@override(from: "legacy", label: "percent(100)")"#,
    );
    let fed = Federation::start(vec![
        spawn_subgraph(
            "legacy",
            Schema::new(legacy::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        pricing,
    ])
    .await;
    let body = fed
        .graphql("{ product { name price } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "product": { "name": "Nón lá", "price": 250 } } })
    );
    assert_eq!(fed.requests("pricing"), 1);
}

/// `Citizen.personalId @inaccessible`: used between subgraphs, never
/// visible to clients.
mod inaccessible {
    use super::*;

    pub mod registry {
        use super::*;

        #[derive(SimpleObject)]
        pub struct Citizen {
            pub id: String,
            pub name: String,
            #[graphql(inaccessible)]
            pub personal_id: String,
        }

        pub struct Query;

        #[Object]
        impl Query {
            async fn citizen(&self) -> Citizen {
                Citizen {
                    id: "c1".into(),
                    name: "Phạm Thị Dung".into(),
                    personal_id: "079123456789".into(),
                }
            }
        }
    }
}

async fn inaccessible_federation() -> Federation {
    Federation::start(vec![
        spawn_subgraph(
            "registry",
            Schema::new(
                inaccessible::registry::Query,
                EmptyMutation,
                EmptySubscription,
            ),
        )
        .await,
    ])
    .await
}

#[tokio::test]
async fn inaccessible_field_is_absent_from_introspection() {
    let fed = inaccessible_federation().await;
    let body = fed
        .graphql(
            r#"{ __type(name: "Citizen") { fields { name } } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "__type": { "fields": [{ "name": "id" }, { "name": "name" }] } } })
    );
}

#[tokio::test]
async fn inaccessible_field_in_an_operation_fails_validation() {
    let fed = inaccessible_federation().await;
    let (status, body) = fed
        .graphql("{ citizen { name personalId } }", json!({}))
        .await
        .pair();
    assert_eq!(
        (status, body),
        (
            400,
            json!({ "errors": [{ "message": "Cannot query field \"personalId\" on type \"Citizen\".", "locations": [{ "line": 1, "column": 18 }], "extensions": { "code": "GRAPHQL_VALIDATION_FAILED" } }] })
        )
    );
    assert_eq!(fed.requests("registry"), 0);
    let body = fed.graphql("{ citizen { name } }", json!({})).await.ok();
    assert_eq!(
        body,
        json!({ "data": { "citizen": { "name": "Phạm Thị Dung" } } })
    );
}

/// Values the API schema does not have, answered by a subgraph: the
/// `@inaccessible` enum value `ANONYMOUS` and the `@inaccessible` type
/// `Hideout`, a member of the `Place` union.
mod hidden_values {
    use super::*;
    use async_graphql::{Enum, Union};

    #[derive(Enum, Clone, Copy, PartialEq, Eq)]
    pub enum ReportType {
        Pothole,
        Flooding,
        #[graphql(inaccessible)]
        Anonymous,
    }

    #[derive(SimpleObject, Clone)]
    pub struct Ward {
        pub name: String,
    }

    #[derive(SimpleObject, Clone)]
    #[graphql(inaccessible)]
    pub struct Hideout {
        pub name: String,
    }

    #[derive(Union, Clone)]
    pub enum Place {
        Ward(Ward),
        Hideout(Hideout),
    }

    #[derive(SimpleObject)]
    pub struct Report {
        pub id: String,
        #[graphql(name = "type")]
        pub report_type: Option<ReportType>,
        pub required_type: ReportType,
        pub types: Option<Vec<ReportType>>,
        pub place: Option<Place>,
        pub required_place: Place,
    }

    pub struct Query;

    #[Object]
    impl Query {
        /// r1 holds only values clients may see; r2 only hidden ones.
        async fn reports(&self) -> Vec<Option<Report>> {
            let ward = Place::Ward(Ward {
                name: "Bến Thành".into(),
            });
            let hideout = Place::Hideout(Hideout {
                name: "secret".into(),
            });
            vec![
                Some(Report {
                    id: "r1".into(),
                    report_type: Some(ReportType::Pothole),
                    required_type: ReportType::Pothole,
                    types: Some(vec![ReportType::Pothole, ReportType::Flooding]),
                    place: Some(ward.clone()),
                    required_place: ward,
                }),
                Some(Report {
                    id: "r2".into(),
                    report_type: Some(ReportType::Anonymous),
                    required_type: ReportType::Anonymous,
                    types: Some(vec![ReportType::Flooding, ReportType::Anonymous]),
                    place: Some(hideout.clone()),
                    required_place: hideout,
                }),
            ]
        }
    }
}

async fn hidden_values_federation() -> Federation {
    Federation::start(vec![
        spawn_subgraph(
            "feedback",
            Schema::new(hidden_values::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await
}

fn invalid_value(message: &str, path: serde_json::Value) -> serde_json::Value {
    json!({
        "message": message,
        "path": path,
        "extensions": { "code": "SUBGRAPH_INVALID_VALUE" }
    })
}

#[tokio::test]
async fn an_inaccessible_enum_value_never_reaches_the_client() {
    let fed = hidden_values_federation().await;
    let not_a_type = "a service answered a value that is not one of ReportType's values";
    for query in [
        "{ reports { id type } }",
        "{ reports { id ... on Report { type } } }",
        "{ reports { ...T } } fragment T on Report { id type }",
    ] {
        let body = fed.graphql(query, json!({})).await.ok();
        assert_eq!(
            body,
            json!({
                "data": { "reports": [{ "id": "r1", "type": "POTHOLE" }, { "id": "r2", "type": null }] },
                "errors": [invalid_value(not_a_type, json!(["reports", 1, "type"]))]
            }),
            "{query}"
        );
    }
    // A non-null field nulls its report; a non-null list item, its list.
    let body = fed
        .graphql("{ reports { id requiredType } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "reports": [{ "id": "r1", "requiredType": "POTHOLE" }, null] },
            "errors": [invalid_value(not_a_type, json!(["reports", 1, "requiredType"]))]
        })
    );
    let body = fed.graphql("{ reports { types } }", json!({})).await.ok();
    assert_eq!(
        body,
        json!({
            "data": { "reports": [{ "types": ["POTHOLE", "FLOODING"] }, { "types": null }] },
            "errors": [invalid_value(not_a_type, json!(["reports", 1, "types", 1]))]
        })
    );
}

#[tokio::test]
async fn an_object_of_an_inaccessible_type_never_reaches_the_client() {
    let fed = hidden_values_federation().await;
    let not_a_place = "a service answered an object of a type that is not part of Place";
    for query in [
        "{ reports { place { __typename } } }",
        "{ reports { place { __typename ... on Ward { name } } } }",
        "{ reports { place { ...W } } } fragment W on Ward { __typename name }",
    ] {
        let body = fed.graphql(query, json!({})).await.ok();
        let r1 = &body["data"]["reports"][0]["place"];
        assert_eq!(r1["__typename"], "Ward", "{query}: {body}");
        assert_eq!(
            (&body["data"]["reports"][1], &body["errors"]),
            (
                &json!({ "place": null }),
                &json!([invalid_value(not_a_place, json!(["reports", 1, "place"]))])
            ),
            "{query}"
        );
    }
    let body = fed
        .graphql("{ reports { id requiredPlace { __typename } } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "reports": [{ "id": "r1", "requiredPlace": { "__typename": "Ward" } }, null] },
            "errors": [invalid_value(not_a_place, json!(["reports", 1, "requiredPlace"]))]
        })
    );
}
