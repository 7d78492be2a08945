use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Result, ID};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use entity::geo::admin_unit;
use sea_orm::DatabaseConnection;

use super::admin_unit::{AdministrativeUnit, AdministrativeUnitKind};
use crate::domain::{UnitCode, UnitFilter};
use crate::store;

#[derive(Default)]
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
        let filter = UnitFilter::parse(search.as_deref(), kind.map(Into::into));
        let select = store::units(&filter);
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
    let Some(code) = UnitCode::parse(&id) else {
        return Ok(None);
    };
    congdan_common::loader::load_one::<admin_unit::Entity, _>(ctx, code.as_str().to_string()).await
}
