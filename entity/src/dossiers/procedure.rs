//! An administrative procedure a citizen can file a dossier for.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dossiers_procedures")]
pub struct Model {
    /// National procedure code, e.g. `1.000494.000.00.00.H29`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub field: String,
    /// `city` or `commune`: the level of government that receives it.
    pub level: String,
    pub processing_days: i32,
    pub fee_vnd: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
