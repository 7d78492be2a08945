//! Content subgraph: news, festivals and events (later: alerts and surveys).

pub mod domain;
pub mod graphql;
pub mod seed;
pub mod store;

use async_graphql::dataloader::DataLoader;
use congdan_common::loader::ByKey;
use congdan_common::subgraph::QueryOnly;
use sea_orm::DatabaseConnection;

use graphql::Query;

/// The content subgraph.
pub struct Content;

impl QueryOnly for Content {
    const NAME: &'static str = "content";
    type Query = Query;
    type Data = DataLoader<ByKey<entity::content::article::Entity>>;

    fn data(db: DatabaseConnection) -> Self::Data {
        store::articles_by_id(db)
    }
}
