use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use congdan_common::access;
use congdan_common::directives::authenticated;
use congdan_common::language::Language;
use congdan_common::pagination::{self, ListInfo, PageRequest};
use congdan_common::personal_data::PersonalDataCipher;
use congdan_common::personal_id::PersonalId;
use congdan_common::Error;
use congdan_contracts::identity::{Identity, Role};
use entity::citizen::{citizen_record, consent, device, pin, profile, role_grant};
use sea_orm::DatabaseConnection;

use super::devices::Device;
use super::my_services::MyService;
use super::notifications::NotificationConnection;
use super::personal_data::{AccessLogEntry, Consent};
use super::pins::Pin;
use super::profile::CitizenProfile;
use crate::domain::Sex;
use crate::store::inbox;
use crate::store::personal_data::{AccessLogWriter, PersonalRead};
use crate::store::records::{self, RolesLoader};
use congdan_common::loader::{load_row, of_citizen};

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

    /// Lets the citizen themself through, and admins where `reader`
    /// allows them, recording an admin's read of `field` in the citizen's
    /// access log first (a read that cannot be recorded is refused).
    async fn read(
        &self,
        ctx: &Context<'_>,
        reader: Reader,
        field: &'static str,
    ) -> Result<(), Error> {
        let identity = access::current(ctx).ok_or(Error::Unauthenticated)?;
        if identity.citizen_id() == Some(self.row.id.as_str()) {
            return Ok(());
        }
        if reader == Reader::OwnerOrAdmin && identity.has_role(Role::Admin) {
            record_read(ctx, identity, &self.row.id, field).await
        } else {
            Err(Error::Forbidden)
        }
    }

    /// The citizen themself only (`FORBIDDEN` for anyone else).
    fn owner(&self, ctx: &Context<'_>) -> Result<&str, Error> {
        let identity = access::current(ctx).ok_or(Error::Unauthenticated)?;
        if identity.citizen_id() == Some(self.row.id.as_str()) {
            Ok(&self.row.id)
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
        self.read(ctx, Reader::OwnerOrAdmin, "fullName").await?;
        Ok(Some(&self.row.full_name))
    }

    /// `YYYY-MM-DD`, when VNeID gave it.
    async fn date_of_birth(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.read(ctx, Reader::OwnerOrAdmin, "dateOfBirth").await?;
        Ok(self
            .row
            .date_of_birth
            .map(|d| d.format("%Y-%m-%d").to_string()))
    }

    async fn sex(&self, ctx: &Context<'_>) -> Result<Option<Sex>> {
        self.read(ctx, Reader::OwnerOrAdmin, "sex").await?;
        Ok(self.row.sex.as_deref().and_then(Sex::parse))
    }

    /// The personal identification number with all but its last four digits
    /// hidden: `********1234`.
    async fn masked_personal_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.read(ctx, Reader::OwnerOrAdmin, "maskedPersonalId")
            .await?;
        Ok(Some(self.personal_id(ctx)?.masked()))
    }

    /// The full 12-digit personal identification number: its owner only.
    #[graphql(name = "personalId")]
    async fn graphql_personal_id(&self, ctx: &Context<'_>) -> Result<Option<String>> {
        self.read(ctx, Reader::Owner, "personalId").await?;
        Ok(Some(self.personal_id(ctx)?.expose().to_string()))
    }

    async fn phone(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.read(ctx, Reader::OwnerOrAdmin, "phone").await?;
        Ok(self.row.phone.as_deref())
    }

    async fn email(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        self.read(ctx, Reader::OwnerOrAdmin, "email").await?;
        Ok(self.row.email.as_deref())
    }

    /// `CITIZEN`, then the staff roles held.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        self.read(ctx, Reader::OwnerOrAdmin, "roles").await?;
        Ok(records::access_of(&self.grants(ctx).await?).0)
    }

    /// The agencies the citizen acts for as an officer.
    async fn agency_ids(&self, ctx: &Context<'_>) -> Result<Vec<ID>> {
        self.read(ctx, Reader::OwnerOrAdmin, "agencyIds").await?;
        Ok(records::access_of(&self.grants(ctx).await?)
            .1
            .into_iter()
            .map(ID)
            .collect())
    }

    /// Contact details, home ward, language and notification preferences:
    /// the citizen's, and admins' (each admin read is in the citizen's
    /// access log).
    #[graphql(directive = authenticated::apply())]
    async fn profile(&self, ctx: &Context<'_>) -> Result<Option<CitizenProfile>> {
        self.read(ctx, Reader::OwnerOrAdmin, "profile").await?;
        let row = load_row::<profile::Entity>(ctx, &self.row.id).await?;
        Ok(Some(CitizenProfile::new(&self.row, row)))
    }

    /// The catalog services the citizen keeps, in their order; a new
    /// citizen starts with a default list.
    #[graphql(directive = authenticated::apply())]
    async fn my_services(&self, ctx: &Context<'_>) -> Result<Option<Vec<MyService>>> {
        let id = self.owner(ctx)?;
        Ok(Some(super::my_services::of_citizen(ctx, id).await?))
    }

    /// Items of other domains the citizen pinned, newest first (at most
    /// 100).
    #[graphql(directive = authenticated::apply())]
    async fn pins(&self, ctx: &Context<'_>) -> Result<Option<Vec<Pin>>> {
        let id = self.owner(ctx)?;
        Ok(Some(
            of_citizen::<pin::Entity>(ctx, id)
                .await?
                .into_iter()
                .filter_map(Pin::from_row)
                .collect(),
        ))
    }

    /// The notification inbox, newest first.
    #[graphql(directive = authenticated::apply())]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        #[graphql(default)] unread_only: bool,
    ) -> Result<Option<NotificationConnection>> {
        let id = self.owner(ctx)?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let inbox = inbox::page(db, id, unread_only, page)
            .await
            .map_err(Error::from)?;
        Ok(Some(super::notifications::connection(inbox, page)))
    }

    /// The devices that receive the citizen's push notifications.
    #[graphql(directive = authenticated::apply())]
    async fn devices(&self, ctx: &Context<'_>) -> Result<Option<Vec<Device>>> {
        let id = self.owner(ctx)?;
        Ok(Some(
            of_citizen::<device::Entity>(ctx, id)
                .await?
                .into_iter()
                .filter_map(Device::from_row)
                .collect(),
        ))
    }

    /// Consents given and withdrawn, oldest first (the history stays).
    #[graphql(directive = authenticated::apply())]
    async fn consents(&self, ctx: &Context<'_>) -> Result<Option<Vec<Consent>>> {
        let id = self.owner(ctx)?;
        Ok(Some(
            of_citizen::<consent::Entity>(ctx, id)
                .await?
                .into_iter()
                .filter_map(Consent::from_row)
                .collect(),
        ))
    }

    /// Who else read the citizen's personal data, when, and what: newest
    /// first.
    #[graphql(directive = authenticated::apply())]
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Option<Connection<String, AccessLogEntry, ListInfo, EmptyFields>>> {
        let id = self.owner(ctx)?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let db = ctx.data::<DatabaseConnection>()?;
        let select = crate::store::personal_data::access_log(id);
        Ok(Some(
            pagination::connection(db, select, page, |row| Ok(AccessLogEntry::from(row))).await?,
        ))
    }
}

/// Records that `identity` read `field` of citizen `citizen_id`; the reads
/// of one request's fields are written together.
async fn record_read(
    ctx: &Context<'_>,
    identity: &Identity,
    citizen_id: &str,
    field: &'static str,
) -> Result<(), Error> {
    let writer = ctx
        .data::<DataLoader<AccessLogWriter>>()
        .map_err(|_| Error::Database(sea_orm::DbErr::Custom("no access log writer".into())))?;
    let roles: Vec<&str> = identity.roles.iter().map(|r| r.as_str()).collect();
    writer
        .load_one(PersonalRead {
            citizen_id: citizen_id.to_string(),
            accessor_id: identity.sub.clone(),
            accessor_roles: roles.join(","),
            field,
        })
        .await?;
    Ok(())
}

/// What the gateway puts into a citizen's tokens (internal).
#[derive(SimpleObject, Debug, Clone, PartialEq, Eq)]
#[graphql(inaccessible)]
pub struct CitizenAccess {
    pub citizen_id: ID,
    pub roles: Vec<Role>,
    pub agency_ids: Vec<ID>,
    /// The profile's language; null without a profile (the client's
    /// `Accept-Language` decides then).
    pub language: Option<Language>,
}

impl CitizenAccess {
    pub fn new(citizen_id: &str, grants: &[role_grant::Model], language: Option<Language>) -> Self {
        let (roles, agencies) = records::access_of(grants);
        Self {
            citizen_id: ID(citizen_id.to_string()),
            roles,
            agency_ids: agencies.into_iter().map(ID).collect(),
            language,
        }
    }
}
