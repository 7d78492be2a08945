//! The catalog of services the app offers, grouped by the twelve feature groups.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub group_key: String,
    pub title_vi: String,
    pub title_en: String,
    pub icon: String,
    pub requires_sign_in: bool,
    pub deep_link: String,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
