use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, ID};
use congdan_common::access;
use congdan_common::directives::authenticated;
use congdan_common::loader::{load_entity, load_one};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use congdan_common::Error;
use congdan_contracts::identity::Role;
use entity::citizen::{citizen_record, service};
use sea_orm::DatabaseConnection;

use super::{Citizen, CitizenAccess, PersonalDataExport, Service};
use crate::domain::ServiceGroup;
use crate::store::records::RolesLoader;

pub struct Query;

#[Object]
impl Query {
    /// The service catalog in display order, optionally one group only.
    async fn services(
        &self,
        ctx: &Context<'_>,
        group: Option<ServiceGroup>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Service, ListInfo, EmptyFields>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let select = crate::store::my_services::catalog(group);
        Ok(pagination::connection(db, select, page, Service::try_from).await?)
    }

    /// One service by key.
    async fn service(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Service>> {
        load_one::<service::Entity, _>(ctx, id.0).await
    }

    /// The signed-in citizen.
    #[graphql(directive = authenticated::apply())]
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<Citizen>> {
        let id = access::require_citizen(ctx)?;
        load_one::<citizen_record::Entity, _>(ctx, id.to_string()).await
    }

    /// Everything held about the signed-in citizen, one field per subgraph
    /// (Personal Data Protection Law: the right to a copy).
    #[graphql(directive = authenticated::apply())]
    async fn export_my_data(&self, ctx: &Context<'_>) -> Result<Option<PersonalDataExport>> {
        let id = access::require_citizen(ctx)?;
        Ok(Some(PersonalDataExport {
            citizen_id: ID(id.to_string()),
        }))
    }

    /// A citizen's roles and agencies, for the gateway's tokens (role
    /// `SERVICE` only); null when there is no such citizen.
    #[graphql(inaccessible)]
    async fn citizen_access(
        &self,
        ctx: &Context<'_>,
        citizen_id: ID,
    ) -> Result<Option<CitizenAccess>> {
        access::require_role(ctx, Role::Service)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let Some(row) = crate::store::records::find(db, &citizen_id)
            .await
            .map_err(Error::from)?
        else {
            return Ok(None);
        };
        let grants = ctx
            .data::<DataLoader<RolesLoader>>()?
            .load_one(row.id.clone())
            .await
            .map_err(Error::from)?
            .unwrap_or_default();
        let language = crate::store::profile::language(db, &row.id)
            .await
            .map_err(Error::from)?;
        Ok(Some(CitizenAccess::new(&row.id, &grants, language)))
    }

    #[graphql(entity)]
    async fn find_citizen_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Citizen>> {
        load_entity::<citizen_record::Entity, _>(ctx, id.0, ("công dân", "citizen")).await
    }

    /// The export of `citizenId`, for the subgraphs that add their part;
    /// each part answers its owner only.
    #[graphql(entity)]
    async fn find_personal_data_export_by_citizen_id(&self, citizen_id: ID) -> PersonalDataExport {
        PersonalDataExport { citizen_id }
    }

    #[graphql(entity)]
    async fn find_service_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Service>> {
        load_entity::<service::Entity, _>(ctx, id.0, ("dịch vụ", "service")).await
    }
}
