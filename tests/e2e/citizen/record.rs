//! The citizen record, called over HTTP on the citizen subgraph as the
//! gateway calls it: identity tokens signed by a test key the subgraph
//! trusts. VNeID sign-in (create once, refresh later, checks against the
//! personal identification number), who sees which personal field, and
//! staff roles granted by admins.

use std::sync::Arc;

use congdan_common::server::{Deps, Secrets};
use congdan_contracts::identity::jws::{KeyPair, TimeClaims};
use congdan_contracts::identity::{
    Identity, IdentityClaims, IdentityVerifier, Role, GATEWAY_ISSUER, SUBGRAPH_AUDIENCE,
};
use congdan_tests::{Request, TestDatabase};
use entity::citizen::{citizen_record, role_grant};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

const ADMIN_NUMBER: &str = "074301005555";
/// Male, born 2003 in Ho Chi Minh City.
const AN_NUMBER: &str = "079203001234";
/// Female, born 1985.
const BINH_NUMBER: &str = "001185009876";
/// Male, born 1990.
const CUONG_NUMBER: &str = "079090004321";

/// The citizen subgraph on a free port, with its own migrated database and
/// a key pair whose identity tokens it trusts.
struct Subgraph {
    url: String,
    db: sea_orm::DatabaseConnection,
    database: TestDatabase,
    pair: KeyPair,
    http: reqwest::Client,
    task: tokio::task::JoinHandle<()>,
}

impl Subgraph {
    async fn spawn(database: TestDatabase) -> Self {
        congdan::db::migrate(&database.db)
            .await
            .expect("migrations");
        let pair = KeyPair::generate();
        let deps = Deps {
            db: database.db.clone(),
            identity: IdentityVerifier::trusting([(pair.kid.clone(), pair.public())]),
            secrets: Arc::new(Secrets {
                personal_data_key: rand::random(),
                bootstrap_admins: vec![ADMIN_NUMBER.to_string()],
            }),
            bus: Arc::new(congdan_contracts::bus::InProcessBus::new(16)),
        };
        let router = congdan_common::subgraph::router(&congdan_citizen::Citizen, &deps);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/graphql", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            url,
            db: database.db.clone(),
            database,
            pair,
            http: reqwest::Client::new(),
            task,
        }
    }

    async fn sqlite() -> Self {
        Self::spawn(TestDatabase::sqlite().await).await
    }

    async fn postgres() -> Option<Self> {
        Some(Self::spawn(TestDatabase::postgres().await?).await)
    }

    async fn stop(self) {
        self.task.abort();
        self.database.drop().await;
    }

    /// A token for `identity`, valid now for 60 s, signed with the trusted key.
    fn token(&self, identity: Identity) -> String {
        let now = chrono::Utc::now().timestamp();
        sign(&self.pair, identity, now, now + 60)
    }

    fn service(&self) -> String {
        self.token(Identity {
            sub: "gateway".into(),
            roles: vec![Role::Service],
            agencies: vec![],
        })
    }

    fn citizen(&self, citizen_id: &str) -> String {
        self.token(citizen(citizen_id))
    }

    fn admin(&self, citizen_id: &str) -> String {
        self.token(Identity {
            sub: citizen_id.into(),
            roles: vec![Role::Citizen, Role::Admin],
            agencies: vec![],
        })
    }

    /// A GraphQL request to the subgraph (`.identity(..)` as a caller).
    fn graphql(&self, query: &str, variables: Value) -> Request {
        Request::with_client(self.http.clone(), &self.url, query, variables)
    }

    async fn sign_in(&self, token: Option<&str>, input: Value) -> Value {
        self.graphql("mutation($input: VneidSignInInput!) { signInFromVneid(input: $input) { citizenId roles agencyIds } }", json!({ "input": input })).identity(token).await.ok()
    }

    /// Signs `input` in as the gateway; the new or existing citizen id.
    async fn signed_in(&self, input: Value) -> String {
        let body = self.sign_in(Some(&self.service()), input).await;
        body["data"]["signInFromVneid"]["citizenId"]
            .as_str()
            .unwrap_or_else(|| panic!("signed in: {body}"))
            .to_string()
    }

    async fn citizen_rows(&self) -> Vec<citizen_record::Model> {
        citizen_record::Entity::find().all(&self.db).await.unwrap()
    }

    async fn access(&self, citizen_id: &str) -> Value {
        let body = self
            .graphql(
                "query($id: ID!) { citizenAccess(citizenId: $id) { citizenId roles agencyIds } }",
                json!({ "id": citizen_id }),
            )
            .identity(Some(&self.service()))
            .await
            .ok();
        assert!(body.get("errors").is_none(), "{body}");
        body["data"]["citizenAccess"].clone()
    }
}

fn sign(pair: &KeyPair, identity: Identity, iat: i64, exp: i64) -> String {
    pair.sign(&IdentityClaims {
        time: TimeClaims {
            iss: GATEWAY_ISSUER.into(),
            aud: SUBGRAPH_AUDIENCE.into(),
            iat,
            exp,
        },
        identity,
    })
    .unwrap()
}

fn citizen(citizen_id: &str) -> Identity {
    Identity {
        sub: citizen_id.into(),
        roles: vec![Role::Citizen],
        agencies: vec![],
    }
}

fn an(full_name: &str) -> Value {
    json!({
        "subject": "vneid-an",
        "personalId": AN_NUMBER,
        "fullName": full_name,
        "birthdate": "2003-04-05",
        "gender": "male",
        "phoneNumber": "0909123456",
        "email": "an@example.vn",
    })
}

fn binh() -> Value {
    json!({
        "subject": "vneid-binh",
        "personalId": BINH_NUMBER,
        "fullName": "Trần Thị Bình",
        "birthdate": "1985-11-20",
        "gender": "female",
    })
}

fn cuong() -> Value {
    json!({ "subject": "vneid-cuong", "personalId": CUONG_NUMBER, "fullName": "Lê Văn Cường" })
}

fn admin_claims() -> Value {
    json!({ "subject": "vneid-admin", "personalId": ADMIN_NUMBER, "fullName": "Phạm Ngọc Dung" })
}

/// The `extensions.code` of every error in `body`.
fn codes(body: &Value) -> Vec<&str> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["extensions"]["code"].as_str().unwrap_or("?"))
                .collect()
        })
        .unwrap_or_default()
}

async fn first_sign_in_creates_and_later_ones_refresh(subgraph: &Subgraph) {
    let body = subgraph
        .sign_in(Some(&subgraph.service()), an("Nguyễn Văn An"))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let access = &body["data"]["signInFromVneid"];
    let id = access["citizenId"].as_str().unwrap().to_string();
    assert_eq!(
        access,
        &json!({ "citizenId": id, "roles": ["CITIZEN"], "agencyIds": [] })
    );
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);

    let rows = subgraph.citizen_rows().await;
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row.id, id);
    assert_eq!(row.full_name, "Nguyễn Văn An");
    assert_eq!(row.sex.as_deref(), Some("male"));
    assert_eq!(row.phone.as_deref(), Some("0909123456"));
    assert_eq!(row.date_of_birth.unwrap().to_string(), "2003-04-05");
    for stored in [&row.personal_id_hash, &row.personal_id_sealed] {
        assert!(!stored.contains(AN_NUMBER), "the plain number is stored");
        assert!(!stored.contains("0909123456"), "the phone is stored");
    }
    assert_eq!(row.personal_id_hash.len(), 64);
    // Nowhere in the row, whatever the column.
    for column in [&row.id, &row.vneid_subject, &row.full_name] {
        assert!(!column.contains(AN_NUMBER));
    }
    let first_sign_in = row.last_sign_in_at;
    let grants = role_grant::Entity::find().all(&subgraph.db).await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(
        (grants[0].role.as_str(), grants[0].agency_id.as_str()),
        ("citizen", "")
    );

    // The second sign-in finds the same citizen and takes the new claims.
    let again = subgraph.signed_in(an("Nguyễn Văn An Khang")).await;
    assert_eq!(again, id);
    let rows = subgraph.citizen_rows().await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].full_name, "Nguyễn Văn An Khang");
    assert!(rows[0].last_sign_in_at >= first_sign_in);
    assert_eq!(rows[0].created_at, row.created_at);
    assert_eq!(
        role_grant::Entity::find()
            .count(&subgraph.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn first_sign_in_creates_one_citizen_and_later_ones_refresh_it() {
    let subgraph = Subgraph::sqlite().await;
    first_sign_in_creates_and_later_ones_refresh(&subgraph).await;
    subgraph.stop().await;
}

#[tokio::test]
async fn first_sign_in_creates_one_citizen_and_later_ones_refresh_it_on_postgres() {
    let Some(subgraph) = Subgraph::postgres().await else {
        return;
    };
    first_sign_in_creates_and_later_ones_refresh(&subgraph).await;
    subgraph.stop().await;
}

#[tokio::test]
async fn claims_that_disagree_with_the_number_are_refused() {
    let subgraph = Subgraph::sqlite().await;
    let service = subgraph.service();
    let cases = [
        (
            json!({ "subject": "s", "personalId": "07920300123", "fullName": "An" }),
            "personalId",
        ),
        (
            json!({ "subject": "s", "personalId": "003203001234", "fullName": "An" }),
            "personalId",
        ),
        (
            json!({ "subject": "s", "personalId": AN_NUMBER, "fullName": "An", "birthdate": "2004-04-05" }),
            "does not match",
        ),
        (
            json!({ "subject": "s", "personalId": AN_NUMBER, "fullName": "An", "gender": "female" }),
            "does not match",
        ),
        (
            json!({ "subject": "s", "personalId": AN_NUMBER, "fullName": "An", "birthdate": "5/4/2003" }),
            "birthdate",
        ),
        (
            json!({ "subject": "s", "personalId": AN_NUMBER, "fullName": "  " }),
            "fullName",
        ),
    ];
    for (input, message) in cases {
        let number = input["personalId"].as_str().unwrap().to_string();
        let body = subgraph.sign_in(Some(&service), input).await;
        assert_eq!(body["data"], Value::Null, "{body}");
        assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
        let text = body["errors"][0]["message"].as_str().unwrap();
        assert!(text.contains(message), "{text}");
        assert!(
            !body.to_string().contains(&number),
            "the number is echoed: {body}"
        );
    }
    assert!(subgraph.citizen_rows().await.is_empty());
    subgraph.stop().await;
}

#[tokio::test]
async fn only_the_gateway_signs_citizens_in() {
    let subgraph = Subgraph::sqlite().await;
    let body = subgraph.sign_in(None, an("An")).await;
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
    let body = subgraph
        .sign_in(Some(&subgraph.citizen("someone")), an("An"))
        .await;
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let body = subgraph
        .sign_in(Some(&subgraph.admin("someone")), an("An"))
        .await;
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    assert!(subgraph.citizen_rows().await.is_empty());

    let id = subgraph.signed_in(an("An")).await;
    let query = "query($id: ID!) { citizenAccess(citizenId: $id) { citizenId } }";
    let body = subgraph
        .graphql(query, json!({ "id": id }))
        .identity(Some(&subgraph.citizen(&id)))
        .await
        .ok();
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    assert_eq!(body["data"]["citizenAccess"], Value::Null);
    let body = subgraph
        .graphql(query, json!({ "id": id }))
        .identity(None)
        .await
        .ok();
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
    assert_eq!(subgraph.access("no-such-citizen").await, Value::Null);
    subgraph.stop().await;
}

#[tokio::test]
async fn me_needs_a_valid_identity() {
    let subgraph = Subgraph::sqlite().await;
    let id = subgraph.signed_in(an("Nguyễn Văn An")).await;
    let query = "{ me { id fullName personalId maskedPersonalId dateOfBirth sex phone email roles agencyIds } }";

    let body = subgraph
        .graphql(query, json!({}))
        .identity(Some(&subgraph.citizen(&id)))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "me": {
            "id": id,
            "fullName": "Nguyễn Văn An",
            "personalId": AN_NUMBER,
            "maskedPersonalId": "********1234",
            "dateOfBirth": "2003-04-05",
            "sex": "MALE",
            "phone": "0909123456",
            "email": "an@example.vn",
            "roles": ["CITIZEN"],
            "agencyIds": [],
        } } })
    );

    let now = chrono::Utc::now().timestamp();
    let forged = sign(&KeyPair::generate(), citizen(&id), now, now + 60);
    let expired = sign(&subgraph.pair, citizen(&id), now - 300, now - 250);
    for token in [Some(forged.as_str()), Some(expired.as_str()), None] {
        let body = subgraph
            .graphql(query, json!({}))
            .identity(token)
            .await
            .ok();
        // async-graphql leaves a failed field out (here: `data` is null);
        // either way `me` is null.
        assert_eq!(body["data"]["me"], Value::Null, "{body}");
        assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
        let text = body.to_string();
        for personal in [AN_NUMBER, "Nguyễn", "0909123456", "an@example.vn", "1234"] {
            assert!(!text.contains(personal), "{body}");
        }
    }
    subgraph.stop().await;
}

const CITIZEN_ENTITY: &str = r#"query($id: ID!) {
  _entities(representations: [{ __typename: "Citizen", id: $id }]) {
    ... on Citizen { id fullName dateOfBirth sex maskedPersonalId personalId phone email }
  }
}"#;

#[tokio::test]
async fn personal_fields_are_for_their_owner_and_admins() {
    let subgraph = Subgraph::sqlite().await;
    let an_id = subgraph.signed_in(an("Nguyễn Văn An")).await;
    let binh_id = subgraph.signed_in(binh()).await;
    let vars = json!({ "id": an_id });
    let personal = [
        "fullName",
        "dateOfBirth",
        "sex",
        "maskedPersonalId",
        "personalId",
        "phone",
        "email",
    ];

    // Another citizen: the id, and FORBIDDEN for every personal field.
    let body = subgraph
        .graphql(CITIZEN_ENTITY, vars.clone())
        .identity(Some(&subgraph.citizen(&binh_id)))
        .await
        .ok();
    let entity = &body["data"]["_entities"][0];
    assert_eq!(entity["id"], json!(an_id), "{body}");
    for field in personal {
        assert_eq!(entity[field], Value::Null, "{field}: {body}");
    }
    assert_eq!(codes(&body), vec!["FORBIDDEN"; personal.len()], "{body}");
    let text = body.to_string();
    for value in [AN_NUMBER, "Nguyễn", "0909123456", "an@example.vn", "1234"] {
        assert!(!text.contains(value), "{body}");
    }
    // Roles are theirs too.
    let body = subgraph
        .graphql(r#"query($id: ID!) { _entities(representations: [{ __typename: "Citizen", id: $id }]) { ... on Citizen { roles } } }"#, vars.clone()).identity(Some(&subgraph.citizen(&binh_id))).await.ok();
    assert_eq!(body["data"]["_entities"][0]["roles"], Value::Null, "{body}");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");

    // Without an identity: UNAUTHENTICATED.
    let body = subgraph
        .graphql(CITIZEN_ENTITY, vars.clone())
        .identity(None)
        .await
        .ok();
    assert_eq!(body["data"]["_entities"][0]["fullName"], Value::Null);
    assert!(
        codes(&body).iter().all(|c| *c == "UNAUTHENTICATED"),
        "{body}"
    );
    assert!(!body.to_string().contains("Nguyễn"), "{body}");

    // An admin sees the record, but the full number stays its owner's.
    let admin_id = subgraph.signed_in(admin_claims()).await;
    let body = subgraph
        .graphql(CITIZEN_ENTITY, vars)
        .identity(Some(&subgraph.admin(&admin_id)))
        .await
        .ok();
    let mut entity = body["data"]["_entities"][0].clone();
    // Null, or left out as async-graphql does with a failed field.
    assert_eq!(entity["personalId"], Value::Null, "{body}");
    entity.as_object_mut().unwrap().remove("personalId");
    assert_eq!(
        entity,
        json!({
            "id": an_id,
            "fullName": "Nguyễn Văn An",
            "dateOfBirth": "2003-04-05",
            "sex": "MALE",
            "maskedPersonalId": "********1234",
            "phone": "0909123456",
            "email": "an@example.vn",
        }),
        "{body}"
    );
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    assert_eq!(
        body["errors"][0]["path"].as_array().unwrap().last(),
        Some(&json!("personalId"))
    );
    subgraph.stop().await;
}

const GRANT: &str = r#"mutation($id: ID!, $role: StaffRole!, $agencies: [ID!]) {
  grantRole(citizenId: $id, role: $role, agencyIds: $agencies) { id roles agencyIds }
}"#;
const REVOKE: &str = r#"mutation($id: ID!, $role: StaffRole!) {
  revokeRole(citizenId: $id, role: $role) { id roles agencyIds }
}"#;

#[tokio::test]
async fn admins_grant_and_revoke_staff_roles() {
    let subgraph = Subgraph::sqlite().await;

    // The bootstrap admin is an admin from their first sign-in.
    let body = subgraph
        .sign_in(Some(&subgraph.service()), admin_claims())
        .await;
    let admin_id = body["data"]["signInFromVneid"]["citizenId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        body["data"]["signInFromVneid"]["roles"],
        json!(["CITIZEN", "ADMIN"]),
        "{body}"
    );
    let grant = role_grant::Entity::find_by_id((admin_id.clone(), "admin".into(), String::new()))
        .one(&subgraph.db)
        .await
        .unwrap()
        .expect("an admin grant");
    assert_eq!(grant.granted_by, "bootstrap");
    // Others are not.
    let cuong_id = subgraph.signed_in(cuong()).await;
    assert_eq!(
        subgraph.access(&cuong_id).await,
        json!({ "citizenId": cuong_id, "roles": ["CITIZEN"], "agencyIds": [] })
    );

    let admin = subgraph.admin(&admin_id);
    let officer =
        json!({ "id": cuong_id, "role": "OFFICER", "agencies": ["so-tttt", "ubnd-ben-thanh"] });
    let expected = json!({ "grantRole": {
        "id": cuong_id, "roles": ["CITIZEN", "OFFICER"], "agencyIds": ["so-tttt", "ubnd-ben-thanh"]
    } });
    let body = subgraph
        .graphql(GRANT, officer.clone())
        .identity(Some(&admin))
        .await
        .ok();
    assert_eq!(body, json!({ "data": expected }));
    // Granting again changes nothing.
    let body = subgraph
        .graphql(GRANT, officer)
        .identity(Some(&admin))
        .await
        .ok();
    assert_eq!(body, json!({ "data": expected }));
    assert_eq!(
        subgraph.access(&cuong_id).await,
        json!({ "citizenId": cuong_id, "roles": ["CITIZEN", "OFFICER"], "agencyIds": ["so-tttt", "ubnd-ben-thanh"] })
    );
    let grant =
        role_grant::Entity::find_by_id((cuong_id.clone(), "officer".into(), "so-tttt".into()))
            .one(&subgraph.db)
            .await
            .unwrap()
            .expect("an officer grant");
    assert_eq!(grant.granted_by, admin_id);
    // Signing in again keeps the roles.
    subgraph.signed_in(cuong()).await;
    assert_eq!(
        subgraph.access(&cuong_id).await["roles"],
        json!(["CITIZEN", "OFFICER"])
    );

    // Refused: non-admins, officers without agencies, agencies on other
    // roles, unknown citizens.
    let body = subgraph
        .graphql(GRANT, json!({ "id": cuong_id, "role": "ADMIN" }))
        .identity(Some(&subgraph.citizen(&cuong_id)))
        .await
        .ok();
    assert_eq!(body["data"]["grantRole"], Value::Null, "{body}");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let body = subgraph
        .graphql(GRANT, json!({ "id": cuong_id, "role": "ADMIN" }))
        .identity(None)
        .await
        .ok();
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
    let body = subgraph
        .graphql(REVOKE, json!({ "id": admin_id, "role": "ADMIN" }))
        .identity(Some(&subgraph.citizen(&cuong_id)))
        .await
        .ok();
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    for refused in [
        json!({ "id": cuong_id, "role": "OFFICER" }),
        json!({ "id": cuong_id, "role": "OFFICER", "agencies": [] }),
        json!({ "id": cuong_id, "role": "OFFICER", "agencies": [" "] }),
        json!({ "id": cuong_id, "role": "EDITOR", "agencies": ["so-tttt"] }),
    ] {
        let body = subgraph
            .graphql(GRANT, refused)
            .identity(Some(&admin))
            .await
            .ok();
        assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
    }
    let body = subgraph
        .graphql(GRANT, json!({ "id": "no-such-citizen", "role": "EDITOR" }))
        .identity(Some(&admin))
        .await
        .ok();
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let body = subgraph
        .graphql(REVOKE, json!({ "id": "no-such-citizen", "role": "EDITOR" }))
        .identity(Some(&admin))
        .await
        .ok();
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");

    // An editor besides; revoking the officer role drops every agency.
    let body = subgraph
        .graphql(GRANT, json!({ "id": cuong_id, "role": "EDITOR" }))
        .identity(Some(&admin))
        .await
        .ok();
    assert_eq!(
        body["data"]["grantRole"]["roles"],
        json!(["CITIZEN", "OFFICER", "EDITOR"]),
        "{body}"
    );
    let body = subgraph
        .graphql(REVOKE, json!({ "id": cuong_id, "role": "OFFICER" }))
        .identity(Some(&admin))
        .await
        .ok();
    assert_eq!(
        body,
        json!({ "data": { "revokeRole": { "id": cuong_id, "roles": ["CITIZEN", "EDITOR"], "agencyIds": [] } } })
    );
    assert_eq!(
        subgraph.access(&cuong_id).await,
        json!({ "citizenId": cuong_id, "roles": ["CITIZEN", "EDITOR"], "agencyIds": [] })
    );
    subgraph.stop().await;
}

async fn concurrent_first_sign_ins_make_one_citizen(subgraph: &Subgraph) {
    let service = subgraph.service();
    for input in [an("An"), binh(), cuong(), admin_claims()] {
        // Two requests in flight at once; the subgraph serves each on its
        // own task.
        let (first, second) = tokio::join!(
            subgraph.sign_in(Some(&service), input.clone()),
            subgraph.sign_in(Some(&service), input.clone()),
        );
        for body in [&first, &second] {
            assert!(body.get("errors").is_none(), "{body}");
        }
        assert_eq!(
            first["data"]["signInFromVneid"]["citizenId"],
            second["data"]["signInFromVneid"]["citizenId"]
        );
    }
    assert_eq!(subgraph.citizen_rows().await.len(), 4);
    // One citizen grant each, and the bootstrap admin's.
    assert_eq!(
        role_grant::Entity::find()
            .count(&subgraph.db)
            .await
            .unwrap(),
        5
    );
}

#[tokio::test]
async fn concurrent_first_sign_ins_make_one_citizen_on_sqlite() {
    let subgraph = Subgraph::sqlite().await;
    concurrent_first_sign_ins_make_one_citizen(&subgraph).await;
    subgraph.stop().await;
}

#[tokio::test]
async fn concurrent_first_sign_ins_make_one_citizen_on_postgres() {
    let Some(subgraph) = Subgraph::postgres().await else {
        return;
    };
    concurrent_first_sign_ins_make_one_citizen(&subgraph).await;
    subgraph.stop().await;
}
