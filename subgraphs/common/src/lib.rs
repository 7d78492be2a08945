//! What every congdan subgraph shares: the HTTP surface (`/graphql`,
//! `/health`, `/ready`), one error type mapped to GraphQL error codes, Relay
//! pagination and Vietnamese text folding for search.

pub mod city_point;
pub mod control_characters;
pub mod directives;
pub mod error;
pub mod events;
pub mod identity;
pub mod language;
pub mod loader;
pub mod localize;
pub mod pagination;
pub mod personal_data;
pub mod personal_id;
pub mod server;
pub mod text;
pub mod user_error;

pub use error::{Error, Result};
