//! Every query of the directories subgraph, and its loaders.

use async_graphql::dataloader::DataLoader;
use congdan_common::loader::{self, ByKey};
use entity::directories::agency;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Select};

use crate::domain::AgencyFilter;

/// The agencies `filter` asks for, by name (paged by the caller).
pub fn agencies(filter: &AgencyFilter) -> Select<agency::Entity> {
    let mut select = agency::Entity::find()
        .order_by_asc(agency::Column::NameFolded)
        .order_by_asc(agency::Column::Id);
    if let Some(ward) = &filter.ward_code {
        select = select.filter(agency::Column::WardCode.eq(ward.as_str()));
    }
    if let Some(search) = &filter.folded_search {
        select = select.filter(agency::Column::NameFolded.contains(search));
    }
    select
}

/// Agencies by id, batched (`_entities` and single lookups).
pub fn agencies_by_id(db: DatabaseConnection) -> DataLoader<ByKey<agency::Entity>> {
    loader::by_key(db)
}
