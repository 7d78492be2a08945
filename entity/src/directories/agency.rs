//! A government agency with its hotline, optionally tied to one administrative unit.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "directories_agencies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub name_folded: String,
    /// `city_department`, `commune_committee`, `police`, `hotline`, ...
    pub kind: String,
    pub hotline: Option<String>,
    pub address: Option<String>,
    pub ward_code: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
