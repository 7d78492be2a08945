//! A citizen who has signed in with VNeID. The personal identification
//! number is kept only as a keyed hash (lookup) and a sealed copy (for its
//! owner); see `congdan_common::personal_data`.
use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_citizens")]
pub struct Model {
    /// UUID v7.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The `sub` of the citizen's VNeID ID token.
    #[sea_orm(unique)]
    pub vneid_subject: String,
    /// Hex HMAC-SHA256 of the personal identification number.
    #[sea_orm(unique)]
    pub personal_id_hash: String,
    /// Base64 of nonce ‖ ChaCha20-Poly1305 ciphertext of the number.
    #[sea_orm(column_type = "Text")]
    pub personal_id_sealed: String,
    pub full_name: String,
    pub date_of_birth: Option<Date>,
    /// `male` or `female`.
    pub sex: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub last_sign_in_at: DateTimeUtc,
}

/// Personal data stays out of logs: only the id and timestamps are shown.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CitizenRecord")
            .field("id", &self.id)
            .field("created_at", &self.created_at)
            .field("last_sign_in_at", &self.last_sign_in_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::role_grant::Entity")]
    RoleGrant,
}

impl Related<super::role_grant::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::RoleGrant.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
