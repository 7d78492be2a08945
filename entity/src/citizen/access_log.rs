//! A read of a citizen's personal data by someone else: who, when, which
//! fields.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_access_log")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Whose data was read.
    pub citizen_id: String,
    /// Who read it.
    pub accessor_id: String,
    /// The reader's roles then, comma-separated.
    pub accessor_roles: String,
    /// The fields read, comma-separated.
    pub fields: String,
    pub accessed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
