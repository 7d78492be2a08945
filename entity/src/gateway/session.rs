//! A sign-in: a web session (its cookie) or a mobile app's refresh-token
//! family. Revoking it ends every token of the family.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "gateway_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub citizen_id: String,
    /// `web` or `mobile`.
    pub client: String,
    /// SHA-256 of the session cookie (web sessions only), hex.
    #[sea_orm(unique)]
    pub cookie_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
    /// `logout`, `refresh_token_reuse`, ...
    pub revoked_reason: Option<String>,
    /// Bumped when the citizen's roles change; access tokens carry the
    /// version they were issued under.
    pub roles_version: i32,
    /// Web sessions: the provider's ID token, for `id_token_hint` at
    /// logout, sealed under a key derived from the cookie (base64 of nonce ‖
    /// ChaCha20-Poly1305 ciphertext); None once the session has ended.
    #[sea_orm(column_type = "Text", nullable)]
    pub id_token_sealed: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
