//! Interfaces and unions whose members get fields from different subgraphs,
//! and `@interfaceObject`.

use async_graphql::{
    EmptyMutation, EmptySubscription, Interface, Object, Schema, SimpleObject, Union,
};
use congdan_tests::federation::{spawn_subgraph, Federation};
use serde_json::json;

/// zoo: `interface Animal` (Cat, Dog) and `union Resident = Cat | Keeper`.
mod zoo {
    use super::*;

    #[derive(SimpleObject, Clone)]
    pub struct Cat {
        pub id: String,
        pub name: String,
        pub lives: i32,
    }

    #[derive(SimpleObject, Clone)]
    pub struct Dog {
        pub id: String,
        pub name: String,
    }

    #[derive(SimpleObject, Clone)]
    pub struct Keeper {
        pub id: String,
        pub name: String,
    }

    // Several `field(...)` entries are how async-graphql lists interface
    // fields, not a duplicated attribute.
    #[allow(clippy::duplicated_attributes)]
    #[derive(Interface, Clone)]
    #[graphql(
        field(name = "id", ty = "&String"),
        field(name = "name", ty = "&String")
    )]
    pub enum Animal {
        Cat(Cat),
        Dog(Dog),
    }

    #[derive(Union, Clone)]
    pub enum Resident {
        Cat(Cat),
        Keeper(Keeper),
    }

    fn mimi() -> Cat {
        Cat {
            id: "c1".into(),
            name: "Mimi".into(),
            lives: 9,
        }
    }

    fn vang() -> Dog {
        Dog {
            id: "d1".into(),
            name: "Vàng".into(),
        }
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn animals(&self) -> Vec<Animal> {
            vec![Animal::Dog(vang()), Animal::Cat(mimi())]
        }

        async fn residents(&self) -> Vec<Resident> {
            vec![
                Resident::Keeper(Keeper {
                    id: "k1".into(),
                    name: "Ông Tư".into(),
                }),
                Resident::Cat(mimi()),
            ]
        }

        #[graphql(entity)]
        async fn dog_by_id(&self, id: String) -> Option<Dog> {
            (id == "d1").then(vang)
        }

        #[graphql(entity)]
        async fn keeper_by_id(&self, id: String) -> Keeper {
            Keeper {
                id,
                name: "Ông Tư".into(),
            }
        }
    }
}

/// vet: `Dog.barkVolume` and `Keeper.phone`.
mod vet {
    use super::*;

    #[derive(SimpleObject)]
    pub struct Dog {
        pub id: String,
        pub bark_volume: i32,
    }

    #[derive(SimpleObject)]
    pub struct Keeper {
        pub id: String,
        pub phone: String,
    }

    pub struct Query;

    #[Object]
    impl Query {
        #[graphql(entity)]
        async fn dog_by_id(&self, id: String) -> Dog {
            Dog {
                id,
                bark_volume: 11,
            }
        }

        #[graphql(entity)]
        async fn keeper_by_id(&self, id: String) -> Keeper {
            Keeper {
                id,
                phone: "0909 000 111".into(),
            }
        }
    }
}

async fn zoo() -> Federation {
    Federation::start(vec![
        spawn_subgraph(
            "zoo",
            Schema::new(zoo::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "vet",
            Schema::new(vet::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await
}

#[tokio::test]
async fn interface_member_fields_from_another_subgraph() {
    let fed = zoo().await;
    let body = fed
        .graphql(
            "{ animals { __typename name ... on Dog { barkVolume } ... on Cat { lives } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "animals": [
            { "__typename": "Dog", "name": "Vàng", "barkVolume": 11 },
            { "__typename": "Cat", "name": "Mimi", "lives": 9 }
        ] } })
    );
    assert_eq!(fed.requests("vet"), 1);
}

#[tokio::test]
async fn interface_fields_only_need_no_other_subgraph() {
    let fed = zoo().await;
    let body = fed.graphql("{ animals { id name } }", json!({})).await.ok();
    assert_eq!(
        body,
        json!({ "data": { "animals": [
            { "id": "d1", "name": "Vàng" },
            { "id": "c1", "name": "Mimi" }
        ] } })
    );
    assert_eq!(fed.requests("vet"), 0);
}

#[tokio::test]
async fn union_member_fields_from_another_subgraph() {
    let fed = zoo().await;
    let body = fed
        .graphql(
            r#"{ residents {
                __typename
                ... on Keeper { name phone }
                ... on Cat { name lives }
            } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "residents": [
            { "__typename": "Keeper", "name": "Ông Tư", "phone": "0909 000 111" },
            { "__typename": "Cat", "name": "Mimi", "lives": 9 }
        ] } })
    );
}

#[tokio::test]
async fn interface_fragment_inside_a_union_and_named_fragments() {
    let fed = zoo().await;
    let body = fed
        .graphql(
            r#"{ residents { ...Named ... on Keeper { ...Reach } } }
            fragment Named on Resident { ... on Animal { kind: __typename name } }
            fragment Reach on Keeper { phone }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "residents": [
            { "phone": "0909 000 111" },
            { "kind": "Cat", "name": "Mimi" }
        ] } })
    );
}

/// media: `interface Media @key(fields: "id")` with Book and Movie.
mod media {
    use super::*;

    #[derive(SimpleObject, Clone)]
    pub struct Book {
        pub id: String,
        pub title: String,
        pub author: String,
    }

    #[derive(SimpleObject, Clone)]
    pub struct Movie {
        pub id: String,
        pub title: String,
        pub minutes: i32,
    }

    // Several `field(...)` entries are how async-graphql lists interface
    // fields, not a duplicated attribute.
    #[allow(clippy::duplicated_attributes)]
    #[derive(Interface, Clone)]
    #[graphql(
        field(name = "id", ty = "&String"),
        field(name = "title", ty = "&String")
    )]
    pub enum Media {
        Book(Book),
        Movie(Movie),
    }

    pub fn find(id: &str) -> Option<Media> {
        match id {
            "b1" => Some(Media::Book(Book {
                id: "b1".into(),
                title: "Dế Mèn phiêu lưu ký".into(),
                author: "Tô Hoài".into(),
            })),
            "m1" => Some(Media::Movie(Movie {
                id: "m1".into(),
                title: "Mùi đu đủ xanh".into(),
                minutes: 104,
            })),
            _ => None,
        }
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn library(&self) -> Vec<Media> {
            ["m1", "b1"].into_iter().filter_map(find).collect()
        }

        #[graphql(entity)]
        async fn media_by_id(&self, id: String) -> Option<Media> {
            find(&id)
        }

        #[graphql(entity)]
        async fn book_by_id(&self, id: String) -> Option<Book> {
            match find(&id) {
                Some(Media::Book(book)) => Some(book),
                _ => None,
            }
        }

        #[graphql(entity)]
        async fn movie_by_id(&self, id: String) -> Option<Movie> {
            match find(&id) {
                Some(Media::Movie(movie)) => Some(movie),
                _ => None,
            }
        }
    }
}

/// ratings: `type Media @interfaceObject @key(fields: "id")` adds `stars`
/// to every Media without knowing Book or Movie.
mod ratings {
    use super::*;

    #[derive(SimpleObject)]
    #[graphql(name = "Media", interface_object)]
    pub struct MediaRating {
        pub id: String,
        pub stars: i32,
    }

    fn stars(id: &str) -> i32 {
        if id == "b1" {
            5
        } else {
            4
        }
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn top_rated(&self) -> Vec<MediaRating> {
            ["b1", "m1"]
                .into_iter()
                .map(|id| MediaRating {
                    id: id.into(),
                    stars: stars(id),
                })
                .collect()
        }

        #[graphql(entity)]
        async fn media_by_id(&self, id: String) -> MediaRating {
            MediaRating {
                stars: stars(&id),
                id,
            }
        }
    }
}

async fn library() -> Federation {
    Federation::start(vec![
        spawn_subgraph(
            "media",
            Schema::new(media::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "ratings",
            Schema::new(ratings::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await
}

#[tokio::test]
async fn interface_object_adds_a_field_to_every_implementation() {
    let fed = library().await;
    assert!(
        fed.supergraph.contains("isInterfaceObject: true"),
        "{}",
        fed.supergraph
    );
    let body = fed
        .graphql(
            "{ library { __typename title stars ... on Book { author } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "library": [
            { "__typename": "Movie", "title": "Mùi đu đủ xanh", "stars": 4 },
            { "__typename": "Book", "title": "Dế Mèn phiêu lưu ký", "stars": 5, "author": "Tô Hoài" }
        ] } })
    );
}

#[tokio::test]
async fn interface_object_root_field_learns_the_concrete_types() {
    let fed = library().await;
    let body = fed
        .graphql(
            r#"{ topRated {
                __typename id stars title
                ... on Movie { minutes }
                ... on Book { author }
            } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "topRated": [
            { "__typename": "Book", "id": "b1", "stars": 5, "title": "Dế Mèn phiêu lưu ký", "author": "Tô Hoài" },
            { "__typename": "Movie", "id": "m1", "stars": 4, "title": "Mùi đu đủ xanh", "minutes": 104 }
        ] } })
    );
}

#[tokio::test]
async fn interface_object_fields_alone_come_from_one_subgraph() {
    let fed = library().await;
    let body = fed
        .graphql("{ topRated { id stars } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "topRated": [
            { "id": "b1", "stars": 5 },
            { "id": "m1", "stars": 4 }
        ] } })
    );
    assert_eq!(fed.requests("media"), 0);
}

#[tokio::test]
async fn interface_object_typename_alone_comes_from_the_interface_subgraph() {
    let fed = library().await;
    let body = fed
        .graphql(
            "{ topRated { __typename } library { ... on Media { t: __typename stars } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": {
            "topRated": [{ "__typename": "Book" }, { "__typename": "Movie" }],
            "library": [{ "t": "Movie", "stars": 4 }, { "t": "Book", "stars": 5 }]
        } })
    );
}

/// search: `union Hit = Article | Video` and `interface Item { id }`, whose
/// members are stubs here (`resolvable: false`) and live in their own
/// subgraphs.
mod search {
    use super::*;

    #[derive(SimpleObject)]
    #[graphql(unresolvable = "id")]
    pub struct Article {
        pub id: String,
    }

    #[derive(SimpleObject)]
    #[graphql(unresolvable = "id")]
    pub struct Video {
        pub id: String,
    }

    #[derive(Union)]
    pub enum Hit {
        Article(Article),
        Video(Video),
    }

    #[allow(clippy::duplicated_attributes)]
    #[derive(Interface)]
    #[graphql(field(name = "id", ty = "&String"))]
    pub enum Item {
        Article(Article),
        Video(Video),
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn hits(&self) -> Vec<Hit> {
            vec![
                Hit::Video(Video { id: "v1".into() }),
                Hit::Article(Article { id: "a1".into() }),
                Hit::Video(Video { id: "v2".into() }),
            ]
        }

        async fn items(&self) -> Vec<Item> {
            vec![
                Item::Article(Article { id: "a1".into() }),
                Item::Video(Video { id: "v2".into() }),
            ]
        }
    }
}

mod articles {
    use super::*;

    #[derive(SimpleObject)]
    pub struct Article {
        pub id: String,
        pub headline: String,
    }

    pub struct Query;

    #[Object]
    impl Query {
        #[graphql(entity)]
        async fn article_by_id(&self, id: String) -> Article {
            Article {
                headline: format!("Headline {id}"),
                id,
            }
        }
    }
}

mod videos {
    use super::*;

    #[derive(SimpleObject)]
    pub struct Video {
        pub id: String,
        pub seconds: i32,
    }

    pub struct Query;

    #[Object]
    impl Query {
        #[graphql(entity)]
        async fn video_by_id(&self, id: String) -> Video {
            Video {
                seconds: if id == "v1" { 60 } else { 90 },
                id,
            }
        }
    }
}

async fn newsroom() -> Federation {
    Federation::start(vec![
        spawn_subgraph(
            "search",
            Schema::new(search::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "articles",
            Schema::new(articles::Query, EmptyMutation, EmptySubscription),
        )
        .await,
        spawn_subgraph(
            "videos",
            Schema::new(videos::Query, EmptyMutation, EmptySubscription),
        )
        .await,
    ])
    .await
}

#[tokio::test]
async fn union_members_each_from_their_own_subgraph() {
    let fed = newsroom().await;
    let body = fed
        .graphql(
            r#"{ hits {
                __typename
                ... on Article { id headline }
                ... on Video { id seconds }
            } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "hits": [
            { "__typename": "Video", "id": "v1", "seconds": 60 },
            { "__typename": "Article", "id": "a1", "headline": "Headline a1" },
            { "__typename": "Video", "id": "v2", "seconds": 90 }
        ] } })
    );
    assert_eq!(fed.requests("articles"), 1);
    assert_eq!(fed.requests("videos"), 1);
}

#[tokio::test]
async fn interface_members_each_from_their_own_subgraph() {
    let fed = newsroom().await;
    let body = fed
        .graphql(
            r#"{ items {
                id
                ... on Video { seconds }
                ... on Article { headline }
            } }"#,
            json!({}),
        )
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "items": [
            { "id": "a1", "headline": "Headline a1" },
            { "id": "v2", "seconds": 90 }
        ] } })
    );
}
