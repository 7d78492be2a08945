use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::content::article;

use crate::domain::ArticleCategory;

/// A published news item, festival or event.
#[derive(SimpleObject, Clone)]
pub struct Article {
    pub id: ID,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub category: ArticleCategory,
    pub published_at: DateTime<Utc>,
}

impl TryFrom<article::Model> for Article {
    type Error = congdan_common::Error;

    fn try_from(row: article::Model) -> Result<Self, Self::Error> {
        let category = row
            .category
            .parse()
            .map_err(|e: String| congdan_common::Error::Database(sea_orm::DbErr::Custom(e)))?;
        Ok(Self {
            id: ID(row.id),
            title: row.title,
            summary: row.summary,
            body: row.body,
            category,
            published_at: row.published_at,
        })
    }
}
