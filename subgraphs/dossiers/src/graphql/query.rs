use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Result, ID};
use congdan_common::loader::{load_entity, load_one};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use entity::dossiers::procedure;
use sea_orm::DatabaseConnection;

use super::Procedure;
use crate::domain::ProcedureFilter;
use crate::store;

#[derive(Default)]
pub struct Query;

#[Object]
impl Query {
    /// Procedures by code, optionally matching a name search that ignores
    /// diacritics ("khai sinh" finds "Đăng ký khai sinh").
    async fn procedures(
        &self,
        ctx: &Context<'_>,
        search: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Procedure, ListInfo, EmptyFields>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let select = store::procedures(&ProcedureFilter::parse(search.as_deref()));
        Ok(pagination::connection(db, select, page, Procedure::try_from).await?)
    }

    /// One procedure by its national code.
    async fn procedure(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Procedure>> {
        load_one::<procedure::Entity, _>(ctx, id.0).await
    }

    #[graphql(entity)]
    async fn find_procedure_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Procedure>> {
        load_entity::<procedure::Entity, _>(ctx, id.0, ("thủ tục", "procedure")).await
    }
}
