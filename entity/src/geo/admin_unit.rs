//! Commune-level administrative units of Ho Chi Minh City (wards, communes,
//! the special zone), keyed by their official code.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "geo_admin_units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    /// `name` folded to lowercase ASCII for diacritic-insensitive search.
    pub name_folded: String,
    /// `ward`, `commune` or `special_zone`.
    pub kind: String,
    pub province_code: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
