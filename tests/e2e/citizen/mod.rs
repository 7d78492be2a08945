//! The citizen subgraph through the gateway: records, the inbox, services
//! and personal data.

mod inbox;
mod my_services;
mod personal_data;
mod record;
pub mod support;
