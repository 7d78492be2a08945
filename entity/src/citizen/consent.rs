//! A consent a citizen gave for one purpose; withdrawn when `withdrawn_at`
//! is set. Giving it again after a withdrawal is a new row (the history
//! stays).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_consents")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub citizen_id: String,
    pub purpose: String,
    pub given_at: DateTimeUtc,
    pub withdrawn_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
