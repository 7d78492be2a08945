//! A device a citizen receives push notifications on.
use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_devices")]
pub struct Model {
    /// The push token (APNs, FCM or Web Push); one citizen's at a time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token: String,
    /// UUID v7, what GraphQL shows as the device's id.
    #[sea_orm(unique)]
    pub id: String,
    pub citizen_id: String,
    /// `ios`, `android` or `web`.
    pub platform: String,
    pub app_version: String,
    pub registered_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

/// Push tokens stay out of logs.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CitizenDevice")
            .field("id", &self.id)
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
