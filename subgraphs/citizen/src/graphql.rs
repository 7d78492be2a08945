//! The citizen subgraph's GraphQL schema.

mod citizen;
mod mutation;
mod query;
mod service;

pub use citizen::{Citizen, CitizenAccess};
pub use mutation::{Mutation, VneidSignInInput};
pub use query::Query;
pub use service::Service;
