use async_graphql::{ComplexObject, Context, Json, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use congdan_common::access;
use congdan_common::directives::authenticated;
use congdan_common::language::Text;
use congdan_common::personal_data::PersonalDataCipher;
use congdan_common::user_error::UserError;
use congdan_common::Error;
use congdan_contracts::identity::Role;
use entity::citizen::{access_log, consent};
use sea_orm::DatabaseConnection;

use super::account::signed_in;
use crate::domain::consent::ConsentPurpose;
use crate::store::personal_data as store;

/// A consent a citizen gave for one purpose.
#[derive(SimpleObject)]
pub struct Consent {
    pub id: ID,
    pub purpose: ConsentPurpose,
    pub given_at: DateTime<Utc>,
    /// Null while the consent stands.
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// Whether it stands (given and not withdrawn).
    pub active: bool,
}

impl Consent {
    pub fn from_row(row: consent::Model) -> Option<Self> {
        Some(Self {
            id: ID(row.id),
            purpose: ConsentPurpose::parse(&row.purpose)?,
            given_at: row.given_at,
            active: row.withdrawn_at.is_none(),
            withdrawn_at: row.withdrawn_at,
        })
    }
}

/// A read of the citizen's personal data by someone else.
#[derive(SimpleObject)]
pub struct AccessLogEntry {
    pub id: ID,
    pub accessed_at: DateTime<Utc>,
    /// Who read it (a staff member's citizen id).
    pub accessor_id: ID,
    /// Their roles at the time.
    pub accessor_roles: Vec<Role>,
    /// The fields read, e.g. `fullName`, `phone`, `profile`.
    pub fields: Vec<String>,
}

impl From<access_log::Model> for AccessLogEntry {
    fn from(row: access_log::Model) -> Self {
        Self {
            id: ID(row.id),
            accessed_at: row.accessed_at,
            accessor_id: ID(row.accessor_id),
            accessor_roles: row
                .accessor_roles
                .split(',')
                .filter_map(Role::parse)
                .collect(),
            fields: row
                .fields
                .split(',')
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

/// Everything held about a citizen, one field per subgraph that holds
/// some: `citizen` here; other subgraphs add theirs to this entity (a
/// field of type `JSON`, for its owner only).
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PersonalDataExport {
    pub citizen_id: ID,
}

#[ComplexObject]
impl PersonalDataExport {
    /// What the citizen subgraph holds: the record from VNeID (with the
    /// full personal identification number), roles, profile, notification
    /// preferences, My Services, pins, notifications, devices, consents and
    /// the access log.
    #[graphql(directive = authenticated::apply())]
    async fn citizen(&self, ctx: &Context<'_>) -> Result<Json<serde_json::Value>> {
        let me = access::require_citizen(ctx)?;
        if me != self.citizen_id.as_str() {
            return Err(Error::Forbidden.into());
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let cipher = ctx.data::<PersonalDataCipher>()?;
        let document = store::export(db, cipher, me)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| Error::not_found("công dân", "citizen"))?;
        Ok(Json(document))
    }

    /// When this export was made.
    async fn generated_at(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(SimpleObject)]
pub struct ConsentPayload {
    pub consent: Option<Consent>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct DeleteMyAccountPayload {
    /// The id of the account erased.
    pub deleted_citizen_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct PersonalDataMutation;

#[Object]
impl PersonalDataMutation {
    /// Gives consent for a purpose; giving it while it stands changes
    /// nothing.
    #[graphql(directive = authenticated::apply())]
    async fn give_consent(
        &self,
        ctx: &Context<'_>,
        purpose: ConsentPurpose,
    ) -> Result<ConsentPayload> {
        let record = signed_in(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = store::give_consent(db, &record.id, purpose)
            .await
            .map_err(Error::from)?;
        Ok(ConsentPayload {
            consent: Consent::from_row(row),
            user_errors: Vec::new(),
        })
    }

    /// Withdraws the consent for a purpose (`NOT_GIVEN` when none stands).
    #[graphql(directive = authenticated::apply())]
    async fn withdraw_consent(
        &self,
        ctx: &Context<'_>,
        purpose: ConsentPurpose,
    ) -> Result<ConsentPayload> {
        let record = signed_in(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = store::withdraw_consent(db, &record.id, purpose)
            .await
            .map_err(Error::from)?;
        Ok(match row {
            Some(row) => ConsentPayload {
                consent: Consent::from_row(row),
                user_errors: Vec::new(),
            },
            None => ConsentPayload {
                consent: None,
                user_errors: vec![UserError::new(
                    &["purpose"],
                    "NOT_GIVEN",
                    Text::new(
                        "Không có sự đồng ý nào đang hiệu lực cho mục đích này",
                        "no consent for this purpose stands",
                    ),
                )],
            },
        })
    }

    /// Erases the signed-in citizen's account: the record, profile, My
    /// Services, pins, notifications, devices, consents, roles and access
    /// log; then `citizen.account.deleted` tells the other subgraphs to
    /// erase or anonymise theirs and the gateway to end the sessions.
    #[graphql(directive = authenticated::apply())]
    async fn delete_my_account(&self, ctx: &Context<'_>) -> Result<DeleteMyAccountPayload> {
        let me = access::require_citizen(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let deleted = store::delete_account(db, me).await.map_err(Error::from)?;
        Ok(if deleted {
            DeleteMyAccountPayload {
                deleted_citizen_id: Some(ID(me.to_string())),
                user_errors: Vec::new(),
            }
        } else {
            DeleteMyAccountPayload {
                deleted_citizen_id: None,
                user_errors: vec![UserError::new(
                    &[],
                    "NOT_FOUND",
                    Text::new(
                        "Tài khoản này không còn tồn tại",
                        "this account no longer exists",
                    ),
                )],
            }
        })
    }
}
