//! What every congdan subgraph shares: the HTTP surface (`/graphql`,
//! `/health`, `/ready`), one error type mapped to GraphQL error codes, Relay
//! pagination and Vietnamese text folding for search.

pub mod access;
pub mod city_point;
pub mod control_characters;
pub mod directives;
pub mod error;
pub mod language;
pub mod loader;
pub mod localize;
pub mod outbox;
pub mod pagination;
pub mod personal_data;
pub mod personal_id;
pub mod server;
pub mod subgraph;
pub mod text;
pub mod user_error;

pub use error::{Error, Result};
