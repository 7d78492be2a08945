//! Geo subgraph: the city's administrative units (wards, communes and the
//! special zone), the reference other subgraphs point to by key.

pub mod domain;
pub mod graphql;
pub mod seed;
pub mod store;

use async_graphql::dataloader::DataLoader;
use congdan_common::loader::ByKey;
use congdan_common::subgraph::QueryOnly;
use sea_orm::DatabaseConnection;

use graphql::Query;

/// The geo subgraph.
pub struct Geo;

impl QueryOnly for Geo {
    const NAME: &'static str = "geo";
    type Query = Query;
    type Data = DataLoader<ByKey<entity::geo::admin_unit::Entity>>;

    fn data(db: DatabaseConnection) -> Self::Data {
        store::units_by_code(db)
    }
}
