//! A citizen's feedback report to the 1022 hotline.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub title: String,
    pub description: String,
    pub category: String,
    pub status: String,
    pub latitude: f64,
    pub longitude: f64,
    pub address: Option<String>,
    /// Code of the administrative unit (owned by geo) the report lies in.
    pub ward_code: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
