use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use congdan_common::identity::{self, Role};
use congdan_common::personal_data::PersonalDataCipher;
use congdan_common::personal_id::PersonalId;
use congdan_common::Error;
use entity::citizen::{citizen_record, role_grant};

use crate::domain::Sex;
use crate::records::{self, RolesLoader};

/// A person who has signed in with VNeID. Only the citizen themself and
/// admins see their personal data (`FORBIDDEN` for anyone else,
/// `UNAUTHENTICATED` without sign-in); the full personal identification
/// number only its owner.
pub struct Citizen {
    row: citizen_record::Model,
}

impl TryFrom<citizen_record::Model> for Citizen {
    type Error = Error;

    fn try_from(row: citizen_record::Model) -> Result<Self, Error> {
        Ok(Self { row })
    }
}

/// Who may read what of a citizen.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// The citizen, or an admin.
    OwnerOrAdmin,
    /// The citizen only.
    Owner,
}

impl Citizen {
    pub fn new(row: citizen_record::Model) -> Self {
        Self { row }
    }

    fn allow(&self, ctx: &Context<'_>, reader: Reader) -> Result<(), Error> {
        let identity = identity::current(ctx).ok_or(Error::Unauthenticated)?;
        let owner = identity.citizen_id() == Some(self.row.id.as_str());
        let admin = identity.has_role(Role::Admin);
        if owner || (reader == Reader::OwnerOrAdmin && admin) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    fn personal_id(&self, ctx: &Context<'_>) -> Result<PersonalId, Error> {
        let plain = ctx
            .data::<PersonalDataCipher>()
            .map_err(|_| Error::Database(sea_orm::DbErr::Custom("no cipher".into())))?
            .open(&self.row.personal_id_sealed)?;
        // Stored numbers were checked at sign-in; any year is fine here.
        PersonalId::parse(&plain, i32::MAX).map_err(|_| {
            Error::Database(sea_orm::DbErr::Custom(
                "a sealed personal identification number is malformed".into(),
            ))
        })
    }

    async fn grants(&self, ctx: &Context<'_>) -> Result<Vec<role_grant::Model>, Error> {
        let loader = ctx
            .data::<DataLoader<RolesLoader>>()
            .map_err(|_| Error::Database(sea_orm::DbErr::Custom("no roles loader".into())))?;
        Ok(loader
            .load_one(self.row.id.clone())
            .await?
            .unwrap_or_default())
    }
}

#[Object]
impl Citizen {
    #[graphql(name = "id")]
    async fn graphql_id(&self) -> ID {
        ID(self.row.id.clone())
    }

    /// Name as on the citizen ID card, from VNeID.
    async fn full_name(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.allow(ctx, Reader::OwnerOrAdmin)?;
        Ok(Some(&self.row.full_name))
    }

    /// `YYYY-MM-DD`, when VNeID gave it.
    async fn date_of_birth(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.allow(ctx, Reader::OwnerOrAdmin)?;
        Ok(self
            .row
            .date_of_birth
            .map(|d| d.format("%Y-%m-%d").to_string()))
    }

    async fn sex(&self, ctx: &Context<'_>) -> Result<Option<Sex>> {
        self.allow(ctx, Reader::OwnerOrAdmin)?;
        Ok(self.row.sex.as_deref().and_then(Sex::parse))
    }

    /// The personal identification number with all but its last four digits
    /// hidden: `********1234`.
    async fn masked_personal_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.allow(ctx, Reader::OwnerOrAdmin)?;
        Ok(Some(self.personal_id(ctx)?.masked()))
    }

    /// The full 12-digit personal identification number: its owner only.
    #[graphql(name = "personalId")]
    async fn graphql_personal_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.allow(ctx, Reader::Owner)?;
        Ok(Some(self.personal_id(ctx)?.expose().to_string()))
    }

    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.allow(ctx, Reader::OwnerOrAdmin)?;
        Ok(self.row.phone.as_deref())
    }

    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.allow(ctx, Reader::OwnerOrAdmin)?;
        Ok(self.row.email.as_deref())
    }

    /// `CITIZEN`, then the staff roles held.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        self.allow(ctx, Reader::OwnerOrAdmin)?;
        Ok(records::access_of(&self.grants(ctx).await?).0)
    }

    /// The agencies the citizen acts for as an officer.
    async fn agency_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        self.allow(ctx, Reader::OwnerOrAdmin)?;
        Ok(records::access_of(&self.grants(ctx).await?)
            .1
            .into_iter()
            .map(ID)
            .collect())
    }
}

/// What the gateway puts into a citizen's tokens (internal).
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
#[graphql(inaccessible)]
pub struct CitizenAccess {
    pub citizen_id: ID,
    pub roles: Vec<Role>,
    pub agency_ids: Vec<ID>,
}

impl CitizenAccess {
    pub fn new(citizen_id: &str, grants: &[role_grant::Model]) -> Self {
        let (roles, agencies) = records::access_of(grants);
        Self {
            citizen_id: ID(citizen_id.to_string()),
            roles,
            agency_ids: agencies.into_iter().map(ID).collect(),
        }
    }
}
