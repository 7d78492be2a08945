//! Every query of the dossiers subgraph, and its loaders.

use async_graphql::dataloader::DataLoader;
use congdan_common::loader::{self, ByKey};
use entity::dossiers::procedure;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Select};

use crate::domain::ProcedureFilter;

/// The procedures `filter` asks for, by code (paged by the caller).
pub fn procedures(filter: &ProcedureFilter) -> Select<procedure::Entity> {
    let mut select = procedure::Entity::find().order_by_asc(procedure::Column::Code);
    if let Some(search) = &filter.folded_search {
        select = select.filter(procedure::Column::NameFolded.contains(search));
    }
    select
}

/// Procedures by code, batched (`_entities` and single lookups).
pub fn procedures_by_code(db: DatabaseConnection) -> DataLoader<ByKey<procedure::Entity>> {
    loader::by_key(db)
}
