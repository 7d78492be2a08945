//! The content subgraph's GraphQL schema.

mod article;
mod query;

pub use article::Article;
pub use query::Query;
