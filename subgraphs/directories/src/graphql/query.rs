use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Result, ID};
use congdan_common::loader::{load_entity, load_one};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use congdan_common::text::fold;
use entity::directories::agency;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::Agency;

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
        let mut select = agency::Entity::find()
            .order_by_asc(agency::Column::NameFolded)
            .order_by_asc(agency::Column::Id);
        if let Some(ward) = ward_id {
            select = select.filter(agency::Column::WardCode.eq(ward.0));
        }
        if let Some(search) = search.as_deref().map(fold).filter(|s| !s.is_empty()) {
            select = select.filter(agency::Column::NameFolded.contains(&search));
        }
        Ok(pagination::connection(db, select, page, Agency::try_from).await?)
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
