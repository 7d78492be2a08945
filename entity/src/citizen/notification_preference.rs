//! A citizen's choice for one notification topic on one channel; topics and
//! channels without a row keep their default.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_notification_preferences")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub citizen_id: String,
    /// `feedback`, `dossiers`, `alerts`, `news` or `surveys`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub topic: String,
    /// `in_app` or `push`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: String,
    pub enabled: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
