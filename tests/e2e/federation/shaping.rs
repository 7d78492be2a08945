//! Response shaping over two subgraphs: `__typename`, aliases, fragments,
//! variables, `@skip`/`@include`, mutations in order, null propagation and
//! subgraph errors at the client's path.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::{
    Context, EmptySubscription, ErrorExtensions, InputObject, Object, Result, Schema, SimpleObject,
};
use congdan_tests::federation::{spawn_subgraph, Federation};
use serde_json::json;

/// Every mutation appends to this log, shared by both subgraphs.
type Log = Arc<Mutex<Vec<String>>>;

fn append(ctx: &Context<'_>, entry: String) -> usize {
    let log = ctx.data_unchecked::<Log>();
    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
    log.push(entry);
    log.len()
}

/// people: `Person @key(fields: "id")` with names and friends.
mod people {
    use super::*;

    #[derive(SimpleObject, Clone)]
    pub struct Person {
        pub id: String,
        pub name: String,
        pub nickname: Option<String>,
        pub friend_ids: Vec<String>,
    }

    pub fn all() -> Vec<Person> {
        let person = |id: &str, name: &str, nickname: Option<&str>, friends: &[&str]| Person {
            id: id.into(),
            name: name.into(),
            nickname: nickname.map(Into::into),
            friend_ids: friends.iter().map(|f| f.to_string()).collect(),
        };
        vec![
            person("p1", "Nguyễn Văn An", Some("An"), &["p2"]),
            person("p2", "Trần Thị Bình", None, &["p1", "p3"]),
            person("p3", "Lê Văn Cường", Some("Cường"), &[]),
        ]
    }

    #[derive(InputObject)]
    pub struct PersonFilter {
        pub ids: Vec<String>,
        #[graphql(default)]
        pub with_nickname: bool,
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn person(&self, id: String) -> Option<Person> {
            all().into_iter().find(|p| p.id == id)
        }

        async fn people(&self, #[graphql(default = 10)] limit: usize) -> Vec<Option<Person>> {
            all().into_iter().take(limit).map(Some).collect()
        }

        /// People by id, null for unknown ids.
        async fn lookup(&self, ids: Vec<String>) -> Vec<Option<Person>> {
            ids.iter()
                .map(|id| all().into_iter().find(|p| &p.id == id))
                .collect()
        }

        async fn search(&self, filter: PersonFilter) -> Vec<Person> {
            all()
                .into_iter()
                .filter(|p| filter.ids.contains(&p.id))
                .filter(|p| !filter.with_nickname || p.nickname.is_some())
                .collect()
        }

        /// Fails for everyone: an error from a root field.
        async fn forbidden(&self) -> Result<Option<String>> {
            Err(async_graphql::Error::new("not for you")
                .extend_with(|_, e| e.set("code", "FORBIDDEN")))
        }

        #[graphql(entity)]
        async fn person_by_id(&self, id: String) -> Option<Person> {
            all().into_iter().find(|p| p.id == id)
        }
    }

    pub struct Mutation;

    #[Object]
    impl Mutation {
        async fn rename_person(&self, ctx: &Context<'_>, id: String, name: String) -> Person {
            append(ctx, format!("people:rename {id}"));
            Person {
                id,
                name,
                nickname: None,
                friend_ids: Vec::new(),
            }
        }

        /// Slow on purpose: a gateway running mutations in parallel would
        /// let the next one overtake it.
        async fn add_person_note(&self, ctx: &Context<'_>, text: String) -> usize {
            tokio::time::sleep(Duration::from_millis(150)).await;
            append(ctx, format!("people:{text}"))
        }
    }

    pub fn schema(log: Log) -> Schema<Query, Mutation, EmptySubscription> {
        Schema::build(Query, Mutation, EmptySubscription)
            .data(log)
            .finish()
    }
}

/// places: the city of a person, greetings with arguments, and a field that
/// fails for one person.
mod places {
    use super::*;

    #[derive(SimpleObject)]
    pub struct City {
        pub name: String,
        pub population: i32,
    }

    pub struct Person {
        pub id: String,
    }

    #[Object]
    impl Person {
        async fn id(&self) -> &str {
            &self.id
        }

        async fn city(&self) -> City {
            match self.id.as_str() {
                "p1" => City {
                    name: "Thủ Đức".into(),
                    population: 1_000_000,
                },
                _ => City {
                    name: "Sài Gòn".into(),
                    population: 47_000,
                },
            }
        }

        async fn greeting(
            &self,
            #[graphql(default_with = "\"vi\".to_string()")] lang: String,
        ) -> String {
            match lang.as_str() {
                "en" => format!("Hello {}", self.id),
                _ => format!("Xin chào {}", self.id),
            }
        }

        /// Nullable, and an error for p2.
        async fn mood(&self) -> Result<Option<String>> {
            if self.id == "p2" {
                Err(async_graphql::Error::new("mood unknown")
                    .extend_with(|_, e| e.set("code", "NOT_FOUND")))
            } else {
                Ok(Some(format!("calm {}", self.id)))
            }
        }

        /// Non-null, and an error for p1 and p3.
        async fn badge(&self) -> Result<String> {
            if self.id == "p1" || self.id == "p3" {
                Err(async_graphql::Error::new("badge is classified")
                    .extend_with(|_, e| e.set("code", "FORBIDDEN")))
            } else {
                Ok(format!("badge-{}", self.id))
            }
        }
    }

    pub struct Query;

    #[Object]
    impl Query {
        #[graphql(entity)]
        async fn person_by_id(&self, id: String) -> Person {
            Person { id }
        }
    }

    pub struct Mutation;

    #[Object]
    impl Mutation {
        async fn add_place_note(&self, ctx: &Context<'_>, text: String) -> usize {
            append(ctx, format!("places:{text}"))
        }
    }

    pub fn schema(log: Log) -> Schema<Query, Mutation, EmptySubscription> {
        Schema::build(Query, Mutation, EmptySubscription)
            .data(log)
            .finish()
    }
}

async fn town() -> (Federation, Log) {
    let log: Log = Arc::default();
    let fed = Federation::start(vec![
        spawn_subgraph("people", people::schema(log.clone())).await,
        spawn_subgraph("places", places::schema(log.clone())).await,
    ])
    .await;
    (fed, log)
}

#[tokio::test]
async fn typename_at_the_root_alone() {
    let (fed, _) = town().await;
    let body = fed.graphql("{ __typename }", json!({})).await.ok();
    assert_eq!(body, json!({ "data": { "__typename": "Query" } }));
}

#[tokio::test]
async fn typename_at_root_nested_aliased_and_in_fragments() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"{
                __typename
                person(id: "p1") {
                    __typename
                    kind: __typename
                    ... on Person { t2: __typename city { __typename name } }
                    ...F
                }
            }
            fragment F on Person { id }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": {
            "__typename": "Query",
            "person": {
                "__typename": "Person",
                "kind": "Person",
                "t2": "Person",
                "city": { "__typename": "City", "name": "Thủ Đức" },
                "id": "p1"
            }
        } })
    );
}

#[tokio::test]
async fn aliases_on_root_fields_and_the_same_field_twice_with_different_arguments() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(r#"{
                an: person(id: "p1") { fullName: name vi: greeting en: greeting(lang: "en") }
                binh: person(id: "p2") { name hello: greeting(lang: "en") chao: greeting(lang: "vi") }
            }"#, json!({})).await.ok();
    assert_eq!(
        body,
        json!({ "data": {
            "an": { "fullName": "Nguyễn Văn An", "vi": "Xin chào p1", "en": "Hello p1" },
            "binh": { "name": "Trần Thị Bình", "hello": "Hello p2", "chao": "Xin chào p2" }
        } })
    );
}

#[tokio::test]
async fn inline_and_named_fragments_across_subgraphs() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"query {
                people(limit: 2) { ...Who ... on Person { city { ...Place } } }
            }
            fragment Who on Person { id nickname }
            fragment Place on City { name population }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "people": [
            { "id": "p1", "nickname": "An", "city": { "name": "Thủ Đức", "population": 1_000_000 } },
            { "id": "p2", "nickname": null, "city": { "name": "Sài Gòn", "population": 47_000 } }
        ] } })
    );
}

#[tokio::test]
async fn variables_input_objects_lists_and_defaults() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"query Find($filter: PersonFilter!, $limit: Int = 1, $lang: String = "en") {
                search(filter: $filter) { id greeting(lang: $lang) }
                people(limit: $limit) { id }
                all: search(filter: { ids: ["p3", "p2"] }) { id }
            }"#,
            json!({ "filter": { "ids": ["p1", "p2", "p3"], "withNickname": true } }),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": {
            "search": [
                { "id": "p1", "greeting": "Hello p1" },
                { "id": "p3", "greeting": "Hello p3" }
            ],
            "people": [{ "id": "p1" }],
            "all": [{ "id": "p2" }, { "id": "p3" }]
        } })
    );
}

#[tokio::test]
async fn skip_and_include_with_variables_decide_which_subgraphs_are_called() {
    let (fed, _) = town().await;
    let query = r#"query ($withCity: Boolean!, $noName: Boolean = false) {
        person(id: "p2") {
            name @skip(if: $noName)
            city @include(if: $withCity) { name }
            ... @include(if: $withCity) { nickname }
        }
    }"#;
    let body = fed.graphql(query, json!({ "withCity": false })).await.ok();
    assert_eq!(
        body,
        json!({ "data": { "person": { "name": "Trần Thị Bình" } } })
    );
    assert_eq!(fed.requests("places"), 0);
    let body = fed
        .graphql(query, json!({ "withCity": true, "noName": true }))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "person": { "city": { "name": "Sài Gòn" }, "nickname": null } } })
    );
    assert_eq!(fed.requests("places"), 1);
}

/// One response key selected twice, once under a condition: the two
/// selections merge into one value, in first-appearance order.
#[tokio::test]
async fn the_same_field_selected_twice_under_different_conditions_merges() {
    let (fed, _) = town().await;
    let query = r#"query ($more: Boolean!) {
        person(id: "p2") {
            city { name }
            ... @include(if: $more) { city { population } name }
            id
        }
    }"#;
    let body = fed.graphql(query, json!({ "more": true })).await.ok();
    assert_eq!(
        body.to_string(),
        json!({ "data": { "person": {
            "city": { "name": "Sài Gòn", "population": 47_000 },
            "name": "Trần Thị Bình",
            "id": "p2"
        } } })
        .to_string()
    );
    let body = fed.graphql(query, json!({ "more": false })).await.ok();
    assert_eq!(
        body.to_string(),
        json!({ "data": { "person": { "city": { "name": "Sài Gòn" }, "id": "p2" } } }).to_string()
    );
}

#[tokio::test]
async fn mutations_run_one_after_another_in_request_order() {
    let (fed, log) = town().await;
    let body = fed
        .graphql(
            r#"mutation {
                first: addPersonNote(text: "1")
                second: addPlaceNote(text: "2")
                third: addPersonNote(text: "3")
                __typename
            }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "first": 1, "second": 2, "third": 3, "__typename": "Mutation" } })
    );
    assert_eq!(*log.lock().unwrap(), ["people:1", "places:2", "people:3"]);
}

#[tokio::test]
async fn non_null_field_error_nulls_the_nearest_nullable_parent() {
    let (fed, _) = town().await;
    let body = fed.graphql("{ people { id badge } }", json!({})).await.ok();
    assert_eq!(
        body,
        json!({
            "data": { "people": [
                null,
                { "id": "p2", "badge": "badge-p2" },
                null
            ] },
            "errors": [
                {
                    "message": "badge is classified",
                    "path": ["people", 0, "badge"],
                    "extensions": { "code": "FORBIDDEN" }
                },
                {
                    "message": "badge is classified",
                    "path": ["people", 2, "badge"],
                    "extensions": { "code": "FORBIDDEN" }
                }
            ]
        })
    );
}

#[tokio::test]
async fn root_field_error_keeps_extensions_and_drops_subgraph_locations() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"{ person(id: "p3") { name } denied: forbidden }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "person": { "name": "Lê Văn Cường" }, "denied": null },
            "errors": [{
                "message": "not for you",
                "path": ["denied"],
                "extensions": { "code": "FORBIDDEN" }
            }]
        })
    );
}

#[tokio::test]
async fn entity_error_deep_in_a_list_lands_at_the_clients_path() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"{ person(id: "p2") { friends: friendIds } people(limit: 1) { name b: badge } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "person": { "friends": ["p1", "p3"] }, "people": [null] },
            "errors": [{
                "message": "badge is classified",
                "path": ["people", 0, "b"],
                "extensions": { "code": "FORBIDDEN" }
            }]
        })
    );
}

#[tokio::test]
async fn skip_and_include_with_literals() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"{ person(id: "p1") {
                name @skip(if: true)
                nickname @include(if: true)
                city @include(if: false) { name }
                greeting @skip(if: false)
            } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "person": { "nickname": "An", "greeting": "Xin chào p1" } } })
    );
}

#[tokio::test]
async fn include_with_a_variable_defaulting_to_true() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"query ($withCity: Boolean = true) {
                person(id: "p3") { name city @include(if: $withCity) { name } }
            }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "person": { "name": "Lê Văn Cường", "city": { "name": "Sài Gòn" } } } })
    );
}

#[tokio::test]
async fn null_items_in_a_list_are_skipped_by_entity_fetches() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"{ lookup(ids: ["p2", "nobody", "p1"]) { id city { name } } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "lookup": [
            { "id": "p2", "city": { "name": "Sài Gòn" } },
            null,
            { "id": "p1", "city": { "name": "Thủ Đức" } }
        ] } })
    );
}

#[tokio::test]
async fn the_same_entities_under_two_aliases() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"{
                a: lookup(ids: ["p1"]) { city { name } }
                b: lookup(ids: ["p1", "p2"]) { greeting(lang: "en") }
            }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": {
            "a": [{ "city": { "name": "Thủ Đức" } }],
            "b": [{ "greeting": "Hello p1" }, { "greeting": "Hello p2" }]
        } })
    );
    assert_eq!(fed.requests("people"), 1);
    assert_eq!(fed.requests("places"), 1);
}

#[tokio::test]
async fn mutation_result_joined_with_another_subgraph() {
    let (fed, log) = town().await;
    let body = fed
        .graphql(
            r#"mutation {
                renamePerson(id: "p2", name: "Bình") { id name city { name } }
                addPlaceNote(text: "after rename")
            }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": {
            "renamePerson": { "id": "p2", "name": "Bình", "city": { "name": "Sài Gòn" } },
            "addPlaceNote": 2
        } })
    );
    assert_eq!(
        *log.lock().unwrap(),
        ["people:rename p2", "places:after rename"]
    );
}

#[tokio::test]
async fn entity_error_reaches_every_path_that_shares_the_representation() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"{ lookup(ids: ["p1", "p2", "p1"]) { id badge } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "lookup": [null, { "id": "p2", "badge": "badge-p2" }, null] },
            "errors": [
                {
                    "message": "badge is classified",
                    "path": ["lookup", 0, "badge"],
                    "extensions": { "code": "FORBIDDEN" }
                },
                {
                    "message": "badge is classified",
                    "path": ["lookup", 2, "badge"],
                    "extensions": { "code": "FORBIDDEN" }
                }
            ]
        })
    );
}

#[tokio::test]
async fn skip_on_a_named_fragment_that_needs_another_subgraph() {
    let (fed, _) = town().await;
    let query = r#"query ($lite: Boolean!) {
        person(id: "p1") { name ...Where @skip(if: $lite) }
    }
    fragment Where on Person { city { name } greeting(lang: "en") }"#;
    let body = fed.graphql(query, json!({ "lite": true })).await.ok();
    assert_eq!(
        body,
        json!({ "data": { "person": { "name": "Nguyễn Văn An" } } })
    );
    let body = fed.graphql(query, json!({ "lite": false })).await.ok();
    assert_eq!(
        body,
        json!({ "data": { "person": {
            "name": "Nguyễn Văn An",
            "city": { "name": "Thủ Đức" },
            "greeting": "Hello p1"
        } } })
    );
    assert_eq!(fed.requests("places"), 1);
}

/// A subgraph that breaks its own schema: null in non-null positions. Its
/// SDL comes from this schema; its answers are written by hand.
mod lax {
    use super::*;

    #[derive(SimpleObject)]
    pub struct Profile {
        pub name: String,
        pub tags: Option<Vec<String>>,
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn profile(&self) -> Option<Profile> {
            None
        }

        async fn owner(&self) -> Option<Profile> {
            None
        }
    }
}

#[tokio::test]
async fn nulls_in_non_null_positions_from_a_subgraph_propagate_with_errors() {
    use axum::routing::post;
    use congdan_tests::federation::{federation_sdl, spawn_router};
    let sdl = federation_sdl(&Schema::new(
        lax::Query,
        async_graphql::EmptyMutation,
        EmptySubscription,
    ));
    let answer = json!({ "data": {
        "profile": { "name": "Hồng", "tags": ["a", null] },
        "owner": { "name": null, "tags": null }
    } });
    let router = axum::Router::new().route(
        "/graphql",
        post(move || {
            let answer = answer.clone();
            async move { axum::Json(answer) }
        }),
    );
    let fed = Federation::start(vec![spawn_router("lax", sdl, router).await]).await;
    let body = fed
        .graphql("{ profile { name tags } owner { name tags } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "profile": { "name": "Hồng", "tags": null }, "owner": null },
            "errors": [
                {
                    "message": "cannot return null for a non-nullable field",
                    "path": ["profile", "tags", 1],
                    "extensions": { "code": "INTERNAL_SERVER_ERROR" }
                },
                {
                    "message": "cannot return null for a non-nullable field",
                    "path": ["owner", "name"],
                    "extensions": { "code": "INTERNAL_SERVER_ERROR" }
                }
            ]
        })
    );
}

#[tokio::test]
async fn same_entity_field_with_different_arguments_at_two_paths() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"{
                a: lookup(ids: ["p1", "p2"]) { greeting(lang: "en") }
                b: lookup(ids: ["p2"]) { greeting(lang: "vi") }
                c: person(id: "p3") { greeting }
            }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": {
            "a": [{ "greeting": "Hello p1" }, { "greeting": "Hello p2" }],
            "b": [{ "greeting": "Xin chào p2" }],
            "c": { "greeting": "Xin chào p3" }
        } })
    );
}

#[tokio::test]
async fn nullable_entity_field_error_lands_on_its_entity() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(
            r#"{ lookup(ids: ["p1", "p2", "nobody", "p3"]) { id mood } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "lookup": [
                { "id": "p1", "mood": "calm p1" },
                { "id": "p2", "mood": null },
                null,
                { "id": "p3", "mood": "calm p3" }
            ] },
            "errors": [{
                "message": "mood unknown",
                "path": ["lookup", 1, "mood"],
                "extensions": { "code": "NOT_FOUND" }
            }]
        })
    );
}

#[tokio::test]
async fn errors_of_several_kinds_in_one_entity_fetch() {
    let (fed, _) = town().await;
    let body = fed
        .graphql(r#"{ people { id mood badge } }"#, json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "people": [null, { "id": "p2", "mood": null, "badge": "badge-p2" }, null] },
            "errors": [
                {
                    "message": "badge is classified",
                    "path": ["people", 0, "badge"],
                    "extensions": { "code": "FORBIDDEN" }
                },
                {
                    "message": "mood unknown",
                    "path": ["people", 1, "mood"],
                    "extensions": { "code": "NOT_FOUND" }
                },
                {
                    "message": "badge is classified",
                    "path": ["people", 2, "badge"],
                    "extensions": { "code": "FORBIDDEN" }
                }
            ]
        })
    );
}
