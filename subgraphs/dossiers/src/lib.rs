//! Dossiers subgraph: administrative procedures (later: citizens' dossiers and
//! their status).

pub mod domain;
pub mod graphql;
pub mod seed;
pub mod store;

use async_graphql::dataloader::DataLoader;
use congdan_common::loader::ByKey;
use congdan_common::subgraph::QueryOnly;
use sea_orm::DatabaseConnection;

use graphql::Query;

/// The dossiers subgraph.
pub struct Dossiers;

impl QueryOnly for Dossiers {
    const NAME: &'static str = "dossiers";
    type Query = Query;
    type Data = DataLoader<ByKey<entity::dossiers::procedure::Entity>>;

    fn data(db: DatabaseConnection) -> Self::Data {
        store::procedures_by_code(db)
    }
}
