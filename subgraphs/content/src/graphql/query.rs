use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Result, ID};
use congdan_common::loader::{load_entity, load_one};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use entity::content::article;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use super::Article;
use crate::domain::ArticleCategory;

pub struct Query;

#[Object]
impl Query {
    /// Published articles, newest first, optionally of one category.
    async fn articles(
        &self,
        ctx: &Context<'_>,
        category: Option<ArticleCategory>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Article, ListInfo, EmptyFields>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let mut select = article::Entity::find()
            .order_by_desc(article::Column::PublishedAt)
            .order_by_asc(article::Column::Id);
        if let Some(category) = category {
            select = select.filter(article::Column::Category.eq(category.as_str()));
        }
        Ok(pagination::connection(db, select, page, Article::try_from).await?)
    }

    /// One article by id.
    async fn article(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Article>> {
        load_one::<article::Entity, _>(ctx, id.0).await
    }

    #[graphql(entity)]
    async fn find_article_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Article>> {
        load_entity::<article::Entity, _>(ctx, id.0, ("bài viết", "article")).await
    }
}
