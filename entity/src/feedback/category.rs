//! A category of feedback: who handles it and how fast.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_categories")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// The group it belongs to, e.g. `technical_infrastructure`.
    pub group_key: String,
    pub title_vi: String,
    pub title_en: String,
    /// The kind of agency responsible, e.g. `commune_committee`.
    pub agency_kind: String,
    /// Target handling time, in hours.
    pub target_hours: i32,
    /// Whether a report may be sent without signing in.
    pub allows_anonymous: bool,
    pub position: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
