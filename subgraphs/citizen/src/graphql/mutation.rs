use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, InputObject, MergedObject, Object, Result, ID};
use congdan_common::access;
use congdan_common::personal_data::PersonalDataCipher;
use congdan_common::Error;
use congdan_contracts::identity::Role;
use sea_orm::DatabaseConnection;

use super::{Citizen, CitizenAccess};
use crate::domain::{RawSignInClaims, SignInClaims, StaffRole};
use crate::store::records::{self, BootstrapAdmins, RolesLoader};

/// Every mutation of the subgraph.
#[derive(MergedObject, Default)]
pub struct Mutation(
    RolesMutation,
    super::profile::ProfileMutation,
    super::my_services::MyServicesMutation,
    super::pins::PinsMutation,
    super::notifications::InboxMutation,
    super::devices::DevicesMutation,
    super::personal_data::PersonalDataMutation,
);

/// Sign-in from VNeID and staff roles.
#[derive(Default)]
pub struct RolesMutation;

/// The claims of a VNeID sign-in, as the gateway received them (internal).
#[derive(InputObject)]
#[graphql(inaccessible)]
pub struct VneidSignInInput {
    /// The ID token's `sub`.
    pub subject: String,
    /// The 12-digit personal identification number.
    #[graphql(secret)]
    pub personal_id: String,
    pub full_name: String,
    /// `YYYY-MM-DD`; its year must be the one the number encodes.
    pub birthdate: Option<String>,
    /// `male` or `female` must be the sex the number encodes; other values
    /// are not checked.
    pub gender: Option<String>,
    #[graphql(secret)]
    pub phone_number: Option<String>,
    #[graphql(secret)]
    pub email: Option<String>,
}

#[Object]
impl RolesMutation {
    /// Records a VNeID sign-in: the citizen with this personal
    /// identification number, created at their first sign-in and refreshed
    /// from the claims at later ones; their roles and agencies. Only the
    /// gateway (role `SERVICE`) may call it.
    #[graphql(inaccessible)]
    async fn sign_in_from_vneid(
        &self,
        ctx: &Context<'_>,
        #[graphql(inaccessible)] input: VneidSignInInput,
    ) -> Result<CitizenAccess> {
        access::require_role(ctx, Role::Service)?;
        let claims = SignInClaims::parse(
            RawSignInClaims {
                subject: &input.subject,
                personal_id: &input.personal_id,
                full_name: &input.full_name,
                birthdate: input.birthdate.as_deref(),
                gender: input.gender.as_deref(),
                phone_number: input.phone_number.as_deref(),
                email: input.email.as_deref(),
            },
            records::current_year(),
        )
        .map_err(Error::BadUserInput)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let cipher = ctx.data::<PersonalDataCipher>()?;
        let bootstrap = ctx.data::<BootstrapAdmins>()?;
        let row = records::sign_in(db, cipher, bootstrap, &claims).await?;
        let grants = ctx
            .data::<DataLoader<RolesLoader>>()?
            .load_one(row.id.clone())
            .await
            .map_err(Error::from)?
            .unwrap_or_default();
        let language = crate::store::profile::language(db, &row.id)
            .await
            .map_err(Error::from)?;
        Ok(CitizenAccess::new(&row.id, &grants, language))
    }

    /// Grants a staff role to a citizen (admins only). `OFFICER` needs the
    /// agencies the officer acts for; the other roles take none. Granting
    /// a role again changes nothing.
    #[graphql(requires_scopes = "admin")]
    async fn grant_role(
        &self,
        ctx: &Context<'_>,
        citizen_id: ID,
        role: StaffRole,
        agency_ids: Option<Vec<ID>>,
    ) -> Result<Option<Citizen>> {
        let admin = access::require_role(ctx, Role::Admin)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let agency_ids: Vec<String> = agency_ids
            .unwrap_or_default()
            .into_iter()
            .map(|id| id.0)
            .collect();
        let row = records::grant(db, &citizen_id, role, &agency_ids, &admin.sub).await?;
        Ok(Some(Citizen::new(row)))
    }

    /// Revokes a staff role from a citizen (admins only); an officer loses
    /// every agency.
    #[graphql(requires_scopes = "admin")]
    async fn revoke_role(
        &self,
        ctx: &Context<'_>,
        citizen_id: ID,
        role: StaffRole,
    ) -> Result<Option<Citizen>> {
        access::require_role(ctx, Role::Admin)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = records::revoke(db, &citizen_id, role).await?;
        Ok(Some(Citizen::new(row)))
    }
}
