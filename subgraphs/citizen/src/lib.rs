//! Citizen subgraph: the service catalog of the twelve feature groups, and
//! citizens as they sign in with VNeID (their record, personal data and
//! roles). Later: My Services, the notification inbox, personal-data rights.

pub mod domain;
pub mod graphql;
pub mod records;
pub mod seed;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema, SchemaBuilder};
use congdan_common::personal_data::PersonalDataCipher;
use congdan_common::server::Deps;
use entity::citizen::{citizen_record, service};

pub use graphql::{Mutation, Query};

pub type CitizenSchema = Schema<Query, Mutation, EmptySubscription>;

pub const NAME: &str = "citizen";

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation, EmptySubscription).enable_federation()
}

/// The schema with what its resolvers use: the database, the personal-data
/// cipher and the bootstrap admins (from `deps.secrets`), and dataloaders.
pub fn schema(deps: &Deps) -> CitizenSchema {
    let db = deps.db.clone();
    let cipher = PersonalDataCipher::new(&deps.secrets.personal_data_key);
    let bootstrap = records::BootstrapAdmins::new(&cipher, &deps.secrets.bootstrap_admins);
    builder()
        .data(congdan_common::loader::by_key::<service::Entity>(
            db.clone(),
        ))
        .data(congdan_common::loader::by_key::<citizen_record::Entity>(
            db.clone(),
        ))
        .data(DataLoader::new(
            records::RolesLoader::new(db.clone()),
            tokio::spawn,
        ))
        .data(cipher)
        .data(bootstrap)
        .data(db)
        .finish()
}

pub fn router(deps: &Deps) -> axum::Router {
    congdan_common::server::router(schema(deps), deps)
}

/// The subgraph's federation SDL, as `_service { sdl }` returns it.
pub fn sdl() -> String {
    congdan_common::server::federation_sdl(&builder().finish())
}

#[cfg(test)]
mod tests {
    /// The line of `sdl` that declares `field` (first match).
    fn line<'a>(sdl: &'a str, field: &str) -> &'a str {
        sdl.lines()
            .find(|l| l.trim_start().starts_with(field))
            .unwrap_or_else(|| panic!("no `{field}` in\n{sdl}"))
    }

    #[test]
    fn sdl_declares_access_rules() {
        let sdl = super::sdl();
        println!("{sdl}");
        assert!(line(&sdl, "me:").contains("@authenticated"));
        for field in ["grantRole(", "revokeRole("] {
            assert!(
                line(&sdl, field).contains(r#"@requiresScopes(scopes: [["admin"]])"#),
                "{field}"
            );
        }
        for field in ["signInFromVneid(", "citizenAccess("] {
            assert!(line(&sdl, field).contains("@inaccessible"), "{field}");
        }
        assert!(sdl.contains(r#"type Citizen @key(fields: "id")"#));
    }
}
