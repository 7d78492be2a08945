//! Every query of the geo subgraph, and its loaders.

use async_graphql::dataloader::DataLoader;
use congdan_common::loader::{self, ByKey};
use entity::geo::admin_unit;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Select};

use crate::domain::UnitFilter;

/// The units `filter` asks for, in code order (paged by the caller).
pub fn units(filter: &UnitFilter) -> Select<admin_unit::Entity> {
    let mut select = admin_unit::Entity::find().order_by_asc(admin_unit::Column::Code);
    if let Some(kind) = filter.kind {
        select = select.filter(admin_unit::Column::Kind.eq(kind.as_str()));
    }
    if let Some(search) = &filter.folded_search {
        select = select.filter(admin_unit::Column::NameFolded.contains(search));
    }
    select
}

/// Units by code, batched (`_entities` and single lookups).
pub fn units_by_code(db: DatabaseConnection) -> DataLoader<ByKey<admin_unit::Entity>> {
    loader::by_key(db)
}
