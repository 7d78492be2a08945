use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Object, Result, ID};
use congdan_common::loader::{load_entity, load_one};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use entity::content::article;
use sea_orm::DatabaseConnection;

use super::Article;
use crate::domain::ArticleCategory;
use crate::store;

#[derive(Default)]
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
        Ok(pagination::connection(db, store::articles(category), page, Article::try_from).await?)
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
