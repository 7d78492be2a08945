use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Result, ID};
use congdan_common::loader::load_one;
use congdan_common::pagination::{self, ListInfo, PageRequest};
use entity::feedback::{category, report};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::{Report, ReportCategory};
use crate::domain::ReportStatus;

pub struct Query;

#[Object]
impl Query {
    /// Reports, newest first, optionally with one status.
    async fn reports(
        &self,
        ctx: &Context<'_>,
        status: Option<ReportStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Report, ListInfo, EmptyFields>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let mut select = report::Entity::find()
            .order_by_desc(report::Column::CreatedAt)
            .order_by_asc(report::Column::Id);
        if let Some(status) = status {
            select = select.filter(report::Column::Status.eq(status.as_str()));
        }
        Ok(pagination::connection(db, select, page, Report::try_from).await?)
    }

    /// The categories a report can have, in display order.
    async fn report_categories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ReportCategory, ListInfo, EmptyFields>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let select = category::Entity::find().order_by_asc(category::Column::Position);
        Ok(pagination::connection(db, select, page, ReportCategory::try_from).await?)
    }

    /// One report by id.
    async fn report(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Report>> {
        load_one::<report::Entity, _>(ctx, id.0).await
    }

    #[graphql(entity)]
    async fn find_report_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Report>> {
        load_one::<report::Entity, _>(ctx, id.0).await
    }
}
