//! A notification in a citizen's inbox, in Vietnamese and English, with the
//! entity it is about.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_notifications")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub citizen_id: String,
    /// The bus event it came from (unique per citizen).
    pub event_id: String,
    /// `feedback`, `dossiers`, `alerts`, `news` or `surveys`.
    pub topic: String,
    pub title_vi: String,
    pub title_en: String,
    pub body_vi: String,
    pub body_en: String,
    /// Entity type of the subject (`report`, ...), if any.
    pub subject_type: Option<String>,
    pub subject_key: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
