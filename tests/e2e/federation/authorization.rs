//! `@authenticated` and `@requiresScopes` enforced by the gateway: a denied
//! field is null with an `UNAUTHENTICATED` or `FORBIDDEN` error at its path
//! (null propagating from non-null fields), and no subgraph is asked for it.

use congdan_common::language::Language;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_graphql::{Object, Schema, SimpleObject, ID};
use async_graphql_axum::GraphQL;
use axum::Router;
use congdan_common::directives::authenticated;
use congdan_contracts::identity::{Identity, Role};
use congdan_gateway::pipeline::{Caller, GraphQLRequest};
use congdan_gateway::{Gateway, GatewayConfig};
use congdan_tests::federation::{compose, spawn_router, Federation, TestSubgraph};
use serde_json::{json, Value};

/// accounts: users, with guarded fields of every kind, and a guarded type.
mod accounts {
    use super::*;

    #[derive(SimpleObject, Clone)]
    pub struct User {
        pub id: ID,
        pub name: String,
        /// Any signed-in caller.
        #[graphql(directive = authenticated::apply())]
        pub email: Option<String>,
        /// Admins only.
        #[graphql(requires_scopes = "admin")]
        pub phone: Option<String>,
        /// An officer of agency q1, or an admin.
        #[graphql(requires_scopes = "officer agency:q1", requires_scopes = "admin")]
        pub national_id: Option<String>,
        /// Non-null and admins only: a denial nulls the user.
        #[graphql(requires_scopes = "admin")]
        pub birth_year: i32,
    }

    /// Every field of this type needs a signed-in caller.
    #[derive(SimpleObject)]
    #[graphql(directive = authenticated::apply())]
    pub struct AuditEntry {
        pub action: String,
    }

    pub fn user(id: &str) -> User {
        User {
            id: ID(id.to_string()),
            name: format!("name of {id}"),
            email: Some(format!("{id}@example.vn")),
            phone: Some("0900000000".into()),
            national_id: Some("079000000001".into()),
            birth_year: 1990,
        }
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn users(&self) -> Vec<User> {
            vec![user("u1"), user("u2")]
        }

        async fn user(&self, id: ID) -> Option<User> {
            Some(user(&id))
        }

        async fn audit_log(&self) -> Option<Vec<AuditEntry>> {
            Some(vec![AuditEntry {
                action: "login".into(),
            }])
        }

        #[graphql(entity)]
        async fn user_by_id(&self, id: ID) -> User {
            user(&id)
        }
    }
}

/// orders: more fields of the `User` entity, some guarded, and mutations.
mod orders {
    use super::*;

    pub struct User {
        pub id: ID,
    }

    #[derive(SimpleObject)]
    pub struct Order {
        pub id: ID,
        pub total: i32,
    }

    #[Object]
    impl User {
        async fn id(&self) -> &ID {
            &self.id
        }

        async fn order_count(&self) -> i32 {
            2
        }

        #[graphql(directive = authenticated::apply())]
        async fn orders(&self) -> Option<Vec<Order>> {
            Some(vec![Order {
                id: ID(format!("{}-o1", self.id.as_str())),
                total: 100,
            }])
        }

        #[graphql(requires_scopes = "admin")]
        async fn credit_limit(&self) -> i32 {
            5000
        }
    }

    pub struct Query;

    #[Object]
    impl Query {
        async fn order_total(&self) -> i32 {
            300
        }

        #[graphql(entity)]
        async fn user_by_id(&self, id: ID) -> User {
            User { id }
        }
    }

    /// Counts the mutations that really ran.
    #[derive(Default)]
    pub struct Executed(pub AtomicUsize);

    pub struct Mutation;

    #[Object]
    impl Mutation {
        #[graphql(requires_scopes = "admin")]
        async fn cancel_order(&self, ctx: &async_graphql::Context<'_>, id: ID) -> bool {
            ctx.data_unchecked::<Arc<Executed>>()
                .0
                .fetch_add(1, Ordering::SeqCst);
            !id.is_empty()
        }

        async fn ping(&self) -> bool {
            true
        }
    }
}

/// A subgraph whose SDL imports `@authenticated` (as ours do) and which
/// records the body of every request it receives.
async fn spawn_recorded<Q, M>(
    name: &str,
    schema: Schema<Q, M, async_graphql::EmptySubscription>,
) -> (TestSubgraph, Arc<Mutex<Vec<String>>>)
where
    Q: async_graphql::ObjectType + 'static,
    M: async_graphql::ObjectType + 'static,
{
    let sdl = congdan_common::server::federation_sdl(&schema);
    let log = Arc::new(Mutex::new(Vec::new()));
    let recorder = log.clone();
    let graphql = GraphQL::new(schema);
    let router = Router::new()
        .route("/graphql", axum::routing::post_service(graphql))
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let recorder = recorder.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = axum::body::to_bytes(body, usize::MAX)
                        .await
                        .expect("a request body");
                    recorder
                        .lock()
                        .expect("the log")
                        .push(String::from_utf8_lossy(&bytes).into_owned());
                    next.run(axum::extract::Request::from_parts(
                        parts,
                        axum::body::Body::from(bytes),
                    ))
                    .await
                }
            },
        ));
    (spawn_router(name, sdl, router).await, log)
}

struct Setup {
    gateway: Gateway,
    accounts: Arc<Mutex<Vec<String>>>,
    orders: Arc<Mutex<Vec<String>>>,
    mutations: Arc<orders::Executed>,
    supergraph: String,
    subgraphs: Vec<TestSubgraph>,
}

impl Setup {
    async fn start() -> Self {
        let (accounts, accounts_log) = spawn_recorded(
            "accounts",
            Schema::build(
                accounts::Query,
                async_graphql::EmptyMutation,
                async_graphql::EmptySubscription,
            )
            .finish(),
        )
        .await;
        let mutations = Arc::new(orders::Executed::default());
        let (orders, orders_log) = spawn_recorded(
            "orders",
            Schema::build(
                orders::Query,
                orders::Mutation,
                async_graphql::EmptySubscription,
            )
            .data(mutations.clone())
            .finish(),
        )
        .await;
        let subgraphs = vec![accounts, orders];
        let supergraph = compose(&subgraphs).expect("the subgraphs compose");
        let mut config = GatewayConfig::default();
        for subgraph in &subgraphs {
            config
                .subgraph_urls
                .insert(subgraph.name.clone(), subgraph.url.clone());
        }
        let gateway = Gateway::from_sdl(&supergraph, &config)
            .unwrap_or_else(|e| panic!("the gateway loads the supergraph: {e}\n{supergraph}"));
        Self {
            gateway,
            accounts: accounts_log,
            orders: orders_log,
            mutations,
            supergraph,
            subgraphs,
        }
    }

    async fn run(&self, query: &str, caller: &Caller) -> Value {
        self.run_with(query, json!({}), caller).await
    }

    async fn run_with(&self, query: &str, variables: Value, caller: &Caller) -> Value {
        let request = GraphQLRequest {
            query: Some(query.to_string()),
            variables: Some(variables),
            ..Default::default()
        };
        let response = self
            .gateway
            .execute(request, caller)
            .await
            .unwrap_or_else(|e| panic!("the gateway answers: {e}"));
        serde_json::from_str(&response.to_json()).expect("a JSON response")
    }

    /// The request bodies a subgraph received since the last call.
    fn received(log: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
        std::mem::take(&mut *log.lock().expect("the log"))
    }
}

/// Callers read the gateway's messages in English, the texts asserted here.
fn anonymous() -> Caller {
    Caller {
        language: Language::En,
        ..Default::default()
    }
}

fn caller(roles: &[Role], agencies: &[&str]) -> Caller {
    Caller {
        identity: Some(Identity {
            sub: "079000000001".into(),
            roles: roles.to_vec(),
            agencies: agencies.iter().map(|a| a.to_string()).collect(),
        }),
        language: Language::En,
        ..Default::default()
    }
}

fn error(message: &str, path: Value, code: &str) -> Value {
    json!({ "message": message, "path": path, "extensions": { "code": code } })
}

/// Whether any of the request bodies selects `field`.
fn selects(bodies: &[String], field: &str) -> bool {
    bodies.iter().any(|body| {
        body.split(|c: char| !c.is_alphanumeric() && c != '_')
            .any(|word| word == field)
    })
}

#[tokio::test]
async fn composition_links_the_specs_and_the_api_schema_hides_them() {
    let setup = Setup::start().await;
    for link in [
        "@link(url: \"https://specs.apollo.dev/authenticated/v0.1\", for: SECURITY)",
        "@link(url: \"https://specs.apollo.dev/requiresScopes/v0.1\", for: SECURITY)",
        "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
        "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!)",
        "scalar requiresScopes__Scope",
    ] {
        assert!(
            setup.supergraph.contains(link),
            "missing {link} in\n{}",
            setup.supergraph
        );
    }
    let api = setup
        .gateway
        .pipeline()
        .current()
        .supergraph
        .api_sdl
        .clone();
    assert!(api.contains("email: String"), "{api}");
    assert!(
        !api.contains("authenticated") && !api.contains("requiresScopes"),
        "{api}"
    );
    let body = setup
        .run(
            "{ __type(name: \"User\") { fields { name } } }",
            &anonymous(),
        )
        .await;
    let fields = body["data"]["__type"]["fields"]
        .as_array()
        .expect("User's fields")
        .len();
    assert_eq!(fields, 9, "{body}");
}

#[tokio::test]
async fn anonymous_callers_get_null_and_unauthenticated_and_subgraphs_never_see_the_field() {
    let setup = Setup::start().await;
    let body = setup
        .run("{ users { id name email } orderTotal }", &anonymous())
        .await;
    assert_eq!(
        body,
        json!({
            "data": {
                "users": [
                    { "id": "u1", "name": "name of u1", "email": null },
                    { "id": "u2", "name": "name of u2", "email": null },
                ],
                "orderTotal": 300,
            },
            "errors": [
                error("`User.email` requires signing in", json!(["users", 0, "email"]), "UNAUTHENTICATED"),
                error("`User.email` requires signing in", json!(["users", 1, "email"]), "UNAUTHENTICATED"),
            ],
        })
    );
    let accounts = Setup::received(&setup.accounts);
    assert_eq!(accounts.len(), 1);
    assert!(selects(&accounts, "name") && !selects(&accounts, "email"));

    // The same for aliases, fragments, and from a citizen: answered.
    let query = "{ a: user(id: \"u1\") { ...F } } fragment F on User { mail: email name }";
    let body = setup.run(query, &anonymous()).await;
    assert_eq!(
        body,
        json!({
            "data": { "a": { "mail": null, "name": "name of u1" } },
            "errors": [error("`User.email` requires signing in", json!(["a", "mail"]), "UNAUTHENTICATED")],
        })
    );
    assert!(!selects(&Setup::received(&setup.accounts), "email"));
    let body = setup.run(query, &caller(&[Role::Citizen], &[])).await;
    assert_eq!(
        body,
        json!({ "data": { "a": { "mail": "u1@example.vn", "name": "name of u1" } } })
    );
    assert!(selects(&Setup::received(&setup.accounts), "email"));
}

#[tokio::test]
async fn a_skipped_guarded_field_is_no_error() {
    let setup = Setup::start().await;
    let query = "query ($skip: Boolean!) { user(id: \"u1\") { name email @skip(if: $skip) } }";
    let body = setup
        .run_with(query, json!({ "skip": true }), &anonymous())
        .await;
    assert_eq!(
        body,
        json!({ "data": { "user": { "name": "name of u1" } } })
    );
    let body = setup
        .run_with(query, json!({ "skip": false }), &anonymous())
        .await;
    assert_eq!(
        body,
        json!({
            "data": { "user": { "name": "name of u1", "email": null } },
            "errors": [error("`User.email` requires signing in", json!(["user", "email"]), "UNAUTHENTICATED")],
        })
    );
}

#[tokio::test]
async fn wrong_scopes_are_forbidden_and_right_scopes_answer() {
    let setup = Setup::start().await;
    let query = "{ user(id: \"u1\") { name phone } }";
    let body = setup.run(query, &caller(&[Role::Citizen], &[])).await;
    assert_eq!(
        body,
        json!({
            "data": { "user": { "name": "name of u1", "phone": null } },
            "errors": [error(
                "`User.phone` requires a scope the caller does not have",
                json!(["user", "phone"]),
                "FORBIDDEN",
            )],
        })
    );
    assert!(!selects(&Setup::received(&setup.accounts), "phone"));
    let body = setup.run(query, &caller(&[Role::Admin], &[])).await;
    assert_eq!(
        body,
        json!({ "data": { "user": { "name": "name of u1", "phone": "0900000000" } } })
    );
}

#[tokio::test]
async fn scopes_are_any_group_with_all_its_scopes() {
    let setup = Setup::start().await;
    // (officer AND agency:q1) OR admin
    let query = "{ user(id: \"u1\") { nationalId } }";
    let answered = json!({ "data": { "user": { "nationalId": "079000000001" } } });
    let forbidden = json!({
        "data": { "user": { "nationalId": null } },
        "errors": [error(
            "`User.nationalId` requires a scope the caller does not have",
            json!(["user", "nationalId"]),
            "FORBIDDEN",
        )],
    });
    for (roles, agencies, expected) in [
        (&[Role::Officer][..], &["q1"][..], &answered),
        (&[Role::Admin][..], &[][..], &answered),
        (&[Role::Officer][..], &["q2"][..], &forbidden),
        (&[Role::Citizen][..], &["q1"][..], &forbidden),
        (&[Role::Officer][..], &[][..], &forbidden),
    ] {
        let body = setup.run(query, &caller(roles, agencies)).await;
        assert_eq!(&body, expected, "roles {roles:?}, agencies {agencies:?}");
    }
}

#[tokio::test]
async fn a_denied_non_null_field_nulls_its_parent() {
    let setup = Setup::start().await;
    let body = setup
        .run(
            "{ user(id: \"u1\") { name birthYear } orderTotal }",
            &caller(&[Role::Citizen], &[]),
        )
        .await;
    assert_eq!(
        body,
        json!({
            "data": { "user": null, "orderTotal": 300 },
            "errors": [error(
                "`User.birthYear` requires a scope the caller does not have",
                json!(["user", "birthYear"]),
                "FORBIDDEN",
            )],
        })
    );
    assert!(!selects(&Setup::received(&setup.accounts), "birthYear"));
}

#[tokio::test]
async fn guarded_fields_of_an_entity_from_the_second_subgraph() {
    let setup = Setup::start().await;
    let query = "{ user(id: \"u1\") { name orderCount orders { total } } }";
    let body = setup.run(query, &anonymous()).await;
    assert_eq!(
        body,
        json!({
            "data": { "user": { "name": "name of u1", "orderCount": 2, "orders": null } },
            "errors": [error("`User.orders` requires signing in", json!(["user", "orders"]), "UNAUTHENTICATED")],
        })
    );
    let orders = Setup::received(&setup.orders);
    assert_eq!(orders.len(), 1);
    assert!(selects(&orders, "orderCount") && !selects(&orders, "orders"));
    let body = setup.run(query, &caller(&[Role::Citizen], &[])).await;
    assert_eq!(
        body,
        json!({ "data": { "user": { "name": "name of u1", "orderCount": 2, "orders": [{ "total": 100 }] } } })
    );

    // Only a denied field from the second subgraph: no entity fetch at all,
    // and the non-null field nulls the user.
    Setup::received(&setup.orders);
    let query = "{ user(id: \"u1\") { name creditLimit } }";
    let body = setup.run(query, &caller(&[Role::Citizen], &[])).await;
    assert_eq!(
        body,
        json!({
            "data": { "user": null },
            "errors": [error(
                "`User.creditLimit` requires a scope the caller does not have",
                json!(["user", "creditLimit"]),
                "FORBIDDEN",
            )],
        })
    );
    assert_eq!(Setup::received(&setup.orders), Vec::<String>::new());
    let body = setup.run(query, &caller(&[Role::Admin], &[])).await;
    assert_eq!(
        body,
        json!({ "data": { "user": { "name": "name of u1", "creditLimit": 5000 } } })
    );
}

#[tokio::test]
async fn a_guarded_type_guards_the_fields_returning_it() {
    let setup = Setup::start().await;
    let query = "{ auditLog { action } orderTotal }";
    let body = setup.run(query, &anonymous()).await;
    assert_eq!(
        body,
        json!({
            "data": { "auditLog": null, "orderTotal": 300 },
            "errors": [error("`Query.auditLog` requires signing in", json!(["auditLog"]), "UNAUTHENTICATED")],
        })
    );
    assert_eq!(Setup::received(&setup.accounts), Vec::<String>::new());
    let body = setup.run(query, &caller(&[Role::Citizen], &[])).await;
    assert_eq!(
        body,
        json!({ "data": { "auditLog": [{ "action": "login" }], "orderTotal": 300 } })
    );
    // Every root field denied: no subgraph is called.
    Setup::received(&setup.accounts);
    Setup::received(&setup.orders);
    let body = setup.run("{ auditLog { action } }", &anonymous()).await;
    assert_eq!(body["data"], json!({ "auditLog": null }), "{body}");
    assert!(Setup::received(&setup.accounts).is_empty());
    assert!(Setup::received(&setup.orders).is_empty());
}

#[tokio::test]
async fn a_denied_mutation_is_not_executed() {
    let setup = Setup::start().await;
    let body = setup
        .run(
            "mutation { ping cancelOrder(id: \"o1\") }",
            &caller(&[Role::Citizen], &[]),
        )
        .await;
    // `cancelOrder: Boolean!` nulls the whole `data`.
    assert_eq!(
        body,
        json!({
            "data": null,
            "errors": [error(
                "`Mutation.cancelOrder` requires a scope the caller does not have",
                json!(["cancelOrder"]),
                "FORBIDDEN",
            )],
        })
    );
    let orders = Setup::received(&setup.orders);
    assert!(selects(&orders, "ping") && !selects(&orders, "cancelOrder"));
    assert_eq!(setup.mutations.0.load(Ordering::SeqCst), 0);

    let body = setup
        .run("mutation { cancelOrder(id: \"o1\") }", &anonymous())
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    assert!(Setup::received(&setup.orders).is_empty());
    assert_eq!(setup.mutations.0.load(Ordering::SeqCst), 0);

    let body = setup
        .run(
            "mutation { cancelOrder(id: \"o1\") }",
            &caller(&[Role::Admin], &[]),
        )
        .await;
    assert_eq!(body, json!({ "data": { "cancelOrder": true } }));
    assert_eq!(setup.mutations.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn repeated_denials_answer_alike() {
    let setup = Setup::start().await;
    let query = "{ user(id: \"u1\") { name phone email } }";
    let citizen = caller(&[Role::Citizen], &[]);
    let first = setup.run(query, &citizen).await;
    let second = setup.run(query, &citizen).await;
    assert_eq!(first, second);
    assert_eq!(first["data"]["user"]["email"], "u1@example.vn");
    // An admin running the same prepared operation gets everything.
    let body = setup.run(query, &caller(&[Role::Admin], &[])).await;
    assert_eq!(body["data"]["user"]["phone"], "0900000000");
    assert!(body.get("errors").is_none(), "{body}");
}

#[tokio::test]
async fn over_http_an_anonymous_caller_is_denied() {
    let mut setup = Setup::start().await;
    let fed = Federation::start(std::mem::take(&mut setup.subgraphs)).await;
    let body = fed
        .graphql("{ user(id: \"u1\") { name email } }", json!({}))
        .await
        .ok();
    assert_eq!(
        body,
        json!({
            "data": { "user": { "name": "name of u1", "email": null } },
            "errors": [error("`User.email` requires signing in", json!(["user", "email"]), "UNAUTHENTICATED")],
        })
    );
}
