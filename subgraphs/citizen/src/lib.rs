//! Citizen subgraph: the service catalog of the twelve feature groups;
//! citizens as they sign in with VNeID (their record, personal data and
//! roles); their profile, My Services and pins; the notification inbox
//! (filled from the event bus by [`inbox::spawn_consumer`]); push devices;
//! personal-data rights (consents, access log, export, account deletion);
//! `PERSONAL_DATA_KEY` checked at start ([`store::key_check::verify`]).

pub mod domain;
pub mod graphql;
pub mod inbox;
pub mod seed;
pub mod store;

use async_graphql::dataloader::DataLoader;
use async_graphql::{EmptySubscription, SchemaBuilder};
use congdan_common::loader::{by_citizen, by_key};
use congdan_common::personal_data::PersonalDataCipher;
use congdan_common::server::Deps;
use congdan_common::subgraph::Subgraph;
use entity::citizen::{
    citizen_record, consent, device, my_service, notification_preference, pin, profile, service,
};
use sea_orm::Order;

use graphql::{Mutation, Query};
use store::{personal_data, records};

/// The citizen subgraph.
pub struct Citizen;

impl Subgraph for Citizen {
    const NAME: &'static str = "citizen";
    type Query = Query;
    type Mutation = Mutation;
    type Subscription = EmptySubscription;

    fn roots() -> (Query, Mutation, EmptySubscription) {
        (Query, Mutation::default(), EmptySubscription)
    }

    fn data(
        &self,
        schema: SchemaBuilder<Query, Mutation, EmptySubscription>,
        deps: &Deps,
    ) -> SchemaBuilder<Query, Mutation, EmptySubscription> {
        let db = deps.db.clone();
        let cipher = PersonalDataCipher::new(&deps.secrets.personal_data_key);
        let bootstrap = records::BootstrapAdmins::new(&cipher, &deps.secrets.bootstrap_admins);
        schema
            .data(by_key::<service::Entity>(db.clone()))
            .data(by_key::<citizen_record::Entity>(db.clone()))
            .data(DataLoader::new(
                records::RolesLoader::new(db.clone()),
                tokio::spawn,
            ))
            .data(by_key::<profile::Entity>(db.clone()))
            .data(by_citizen::<notification_preference::Entity>(
                db.clone(),
                notification_preference::Column::CitizenId,
                vec![],
            ))
            .data(by_citizen::<my_service::Entity>(
                db.clone(),
                my_service::Column::CitizenId,
                vec![
                    (my_service::Column::Position, Order::Asc),
                    (my_service::Column::ServiceKey, Order::Asc),
                ],
            ))
            .data(by_citizen::<pin::Entity>(
                db.clone(),
                pin::Column::CitizenId,
                vec![
                    (pin::Column::PinnedAt, Order::Desc),
                    (pin::Column::Id, Order::Desc),
                ],
            ))
            .data(by_citizen::<device::Entity>(
                db.clone(),
                device::Column::CitizenId,
                vec![(device::Column::RegisteredAt, Order::Asc)],
            ))
            .data(by_citizen::<consent::Entity>(
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
    }
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
        let sdl = congdan_common::subgraph::sdl::<super::Citizen>();
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
