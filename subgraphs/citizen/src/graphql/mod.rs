//! The citizen subgraph's GraphQL schema.

mod account;
mod citizen;
mod devices;
mod mutation;
mod my_services;
mod notifications;
mod personal_data;
mod pins;
mod profile;
mod query;
mod refs;
mod service;

pub use citizen::{Citizen, CitizenAccess};
pub use mutation::{Mutation, RolesMutation, VneidSignInInput};
pub use personal_data::PersonalDataExport;
pub use query::Query;
pub use service::Service;
