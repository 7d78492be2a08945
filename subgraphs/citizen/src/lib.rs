//! Citizen subgraph: the service catalog of the twelve feature groups;
//! citizens as they sign in with VNeID (their record, personal data and
//! roles); their profile, My Services and pins; the notification inbox
//! (filled from the event bus by [`inbox::spawn_consumer`]); push devices;
//! personal-data rights (consents, access log, export, account deletion);
//! `PERSONAL_DATA_KEY` checked at start ([`key_check::verify`]).

pub mod devices;
pub mod domain;
pub mod graphql;
pub mod inbox;
pub mod key_check;
pub mod loaders;
pub mod my_services;
pub mod personal_data;
pub mod pins;
pub mod profile;
pub mod records;
pub mod seed;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, Schema, SchemaBuilder};
use congdan_common::personal_data::PersonalDataCipher;
use congdan_common::server::Deps;
use entity::citizen::{
    citizen_record, consent, device, my_service, notification_preference, pin, service,
};
use sea_orm::Order;

pub use graphql::{Mutation, Query};
pub use inbox::spawn_consumer;

pub type CitizenSchema = Schema<Query, Mutation, EmptySubscription>;

pub const NAME: &str = "citizen";

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query, Mutation::default(), EmptySubscription)
        .enable_federation()
        .extension(congdan_common::control_characters::RefuseControlCharacters)
        .extension(congdan_common::localize::LocalizeErrors)
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
        .data(congdan_common::loader::by_key::<
            entity::citizen::profile::Entity,
        >(db.clone()))
        .data(loaders::by_citizen::<notification_preference::Entity>(
            db.clone(),
            notification_preference::Column::CitizenId,
            vec![],
        ))
        .data(loaders::by_citizen::<my_service::Entity>(
            db.clone(),
            my_service::Column::CitizenId,
            vec![
                (my_service::Column::Position, Order::Asc),
                (my_service::Column::ServiceKey, Order::Asc),
            ],
        ))
        .data(loaders::by_citizen::<pin::Entity>(
            db.clone(),
            pin::Column::CitizenId,
            vec![
                (pin::Column::PinnedAt, Order::Desc),
                (pin::Column::Id, Order::Desc),
            ],
        ))
        .data(loaders::by_citizen::<device::Entity>(
            db.clone(),
            device::Column::CitizenId,
            vec![(device::Column::RegisteredAt, Order::Asc)],
        ))
        .data(loaders::by_citizen::<consent::Entity>(
            db.clone(),
            consent::Column::CitizenId,
            vec![(consent::Column::GivenAt, Order::Asc)],
        ))
        .data(DataLoader::new(
            personal_data::AccessLogWriter::new(db.clone()),
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
        // Everything private to a citizen is refused to anonymous callers
        // by the gateway before execution.
        for field in [
            "profile:",
            "myServices:",
            "pins:",
            "notifications(",
            "devices:",
            "consents:",
            "accessLog(",
            "exportMyData:",
            "updateProfile(",
            "addMyService(",
            "removeMyService(",
            "reorderMyServices(",
            "pin(",
            "unpin(",
            "markNotificationRead(",
            "markAllNotificationsRead:",
            "deleteNotification(",
            "registerDevice(",
            "unregisterDevice(",
            "giveConsent(",
            "withdrawConsent(",
            "deleteMyAccount:",
        ] {
            assert!(line(&sdl, field).contains("@authenticated"), "{field}");
        }
        assert!(sdl.contains(r#"type PersonalDataExport @key(fields: "citizenId")"#));
        for stub in [
            "Report",
            "AdministrativeUnit",
            "Agency",
            "Procedure",
            "Article",
        ] {
            assert!(
                sdl.contains(&format!(
                    r#"type {stub} @key(fields: "id", resolvable: false)"#
                )),
                "{stub}"
            );
        }
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
