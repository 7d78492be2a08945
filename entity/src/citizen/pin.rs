//! An item of another subgraph a citizen pinned, by type and key only.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_pins")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub citizen_id: String,
    /// `report`, `administrative_unit`, `agency`, `procedure` or `article`.
    pub item_type: String,
    /// The owner's key of the item.
    pub item_key: String,
    pub pinned_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
