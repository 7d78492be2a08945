//! A catalog service in a citizen's My Services, at its position.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_my_services")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub citizen_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub service_key: String,
    /// 0 first.
    pub position: i32,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
