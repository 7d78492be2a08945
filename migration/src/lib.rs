//! Schema migrations. The same list runs on SQLite and PostgreSQL; each
//! subgraph's tables carry its name as prefix.
pub use sea_orm_migration::prelude::*;

mod m20261129_000001_seed_runs;
mod m20261129_000002_geo;
mod m20261129_000003_feedback;
mod m20261129_000004_citizen;
mod m20261129_000005_dossiers;
mod m20261129_000006_directories;
mod m20261129_000007_content;
mod m20261129_000008_feedback_categories;
mod m20261129_000009_outbox;
mod m20261129_000010_feedback_submissions;
mod m20261129_000011_citizen_records;
mod m20261129_000012_gateway_auth;
mod m20261129_000013_citizen_profiles;
mod m20261129_000014_citizen_my_services;
mod m20261129_000015_citizen_pins;
mod m20261129_000016_citizen_notifications;
mod m20261129_000017_citizen_devices;
mod m20261129_000018_citizen_personal_data;
mod m20261129_000020_feedback_workflow;
mod m20261129_000021_feedback_agencies;
mod m20261129_000022_feedback_timeline_messages;
mod m20261205_000023_gateway_session_roles;
mod m20261205_000024_citizen_key_check;
mod m20261205_000025_gateway_session_id_token;
mod m20261205_000026_outbox_event_version;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_seed_runs::Migration),
            Box::new(m20261129_000002_geo::Migration),
            Box::new(m20261129_000003_feedback::Migration),
            Box::new(m20261129_000004_citizen::Migration),
            Box::new(m20261129_000005_dossiers::Migration),
            Box::new(m20261129_000006_directories::Migration),
            Box::new(m20261129_000007_content::Migration),
            Box::new(m20261129_000008_feedback_categories::Migration),
            Box::new(m20261129_000009_outbox::Migration),
            Box::new(m20261129_000010_feedback_submissions::Migration),
            Box::new(m20261129_000011_citizen_records::Migration),
            Box::new(m20261129_000012_gateway_auth::Migration),
            Box::new(m20261129_000013_citizen_profiles::Migration),
            Box::new(m20261129_000014_citizen_my_services::Migration),
            Box::new(m20261129_000015_citizen_pins::Migration),
            Box::new(m20261129_000016_citizen_notifications::Migration),
            Box::new(m20261129_000017_citizen_devices::Migration),
            Box::new(m20261129_000018_citizen_personal_data::Migration),
            Box::new(m20261129_000020_feedback_workflow::Migration),
            Box::new(m20261129_000021_feedback_agencies::Migration),
            Box::new(m20261129_000022_feedback_timeline_messages::Migration),
            Box::new(m20261205_000023_gateway_session_roles::Migration),
            Box::new(m20261205_000024_citizen_key_check::Migration),
            Box::new(m20261205_000025_gateway_session_id_token::Migration),
            Box::new(m20261205_000026_outbox_event_version::Migration),
        ]
    }
}
