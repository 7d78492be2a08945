use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Result, ID};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use congdan_common::text::fold;
use entity::geo::admin_unit;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::AdministrativeUnit;
use crate::domain::AdministrativeUnitKind;

pub struct Query;

#[Object]
impl Query {
    /// The city's administrative units in code order, optionally filtered by
    /// kind and by a name search that ignores diacritics ("ben thanh" finds
    /// "Bến Thành").
    async fn administrative_units(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        kind: Option<AdministrativeUnitKind>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, AdministrativeUnit, ListInfo, EmptyFields>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let mut select = admin_unit::Entity::find().order_by_asc(admin_unit::Column::Code);
        if let Some(kind) = kind {
            select = select.filter(admin_unit::Column::Kind.eq(kind.as_str()));
        }
        if let Some(search) = search.as_deref().map(fold).filter(|s| !s.is_empty()) {
            select = select.filter(admin_unit::Column::NameFolded.contains(&search));
        }
        Ok(pagination::connection(db, select, page, AdministrativeUnit::try_from).await?)
    }

    /// One administrative unit by its code.
    async fn administrative_unit(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<AdministrativeUnit>> {
        load(ctx, id).await
    }

    #[graphql(entity)]
    async fn find_administrative_unit_by_id(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<Option<AdministrativeUnit>> {
        congdan_common::loader::load_entity::<admin_unit::Entity, _>(
            ctx,
            id.0,
            ("đơn vị hành chính", "administrative unit"),
        )
        .await
    }
}

async fn load(ctx: &Context<'_>, id: ID) -> Result<Option<AdministrativeUnit>> {
    congdan_common::loader::load_one::<admin_unit::Entity, _>(ctx, id.0).await
}
