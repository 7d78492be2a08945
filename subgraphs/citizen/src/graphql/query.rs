use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Result, ID};
use congdan_common::loader::load_one;
use congdan_common::pagination::{self, ListInfo, PageRequest};
use entity::citizen::service;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::Service;
use crate::domain::ServiceGroup;

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
        let mut select = service::Entity::find()
            .order_by_asc(service::Column::Position)
            .order_by_asc(service::Column::Key);
        if let Some(group) = group {
            select = select.filter(service::Column::GroupKey.eq(group.as_str()));
        }
        Ok(pagination::connection(db, select, page, Service::try_from).await?)
    }

    /// One service by key.
    async fn service(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Service>> {
        load_one::<service::Entity, _>(ctx, id.0).await
    }

    #[graphql(entity)]
    async fn find_service_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Service>> {
        load_one::<service::Entity, _>(ctx, id.0).await
    }
}
