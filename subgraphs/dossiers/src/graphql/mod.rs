//! The dossiers subgraph's GraphQL schema.

mod procedure;
mod query;

pub use procedure::Procedure;
pub use query::Query;
