//! Feedback's read model of an agency of the directories subgraph: only
//! what checking an agency id and routing a report need.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_agencies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `commune_committee`, `police`, `water_company`, ...
    pub kind: String,
    /// The ward or commune it serves; None for a city-wide agency.
    pub ward_code: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
