use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Result, ID};
use congdan_common::loader::{load_entity, load_one};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use entity::directories::agency;
use sea_orm::DatabaseConnection;

use super::Agency;
use crate::domain::AgencyFilter;
use crate::store;

#[derive(Default)]
pub struct Query;

#[Object]
impl Query {
    /// Agencies by name, optionally those of one ward or commune and matching
    /// a diacritic-insensitive name search.
    async fn agencies(
        &self,
        ctx: &Context<'_>,
        ward_id: Option<ID>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Agency, ListInfo, EmptyFields>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let filter = AgencyFilter::parse(ward_id.as_ref().map(|w| w.as_str()), search.as_deref());
        Ok(pagination::connection(db, store::agencies(&filter), page, Agency::try_from).await?)
    }

    /// One agency by id.
    async fn agency(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Agency>> {
        load_one::<agency::Entity, _>(ctx, id.0).await
    }

    #[graphql(entity)]
    async fn find_agency_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Agency>> {
        load_entity::<agency::Entity, _>(ctx, id.0, ("cơ quan", "agency")).await
    }
}
