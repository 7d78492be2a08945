//! Every query of the content subgraph, and its loaders.

use async_graphql::dataloader::DataLoader;
use congdan_common::loader::{self, ByKey};
use entity::content::article;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Select};

use crate::domain::ArticleCategory;

/// Published articles, newest first, of `category` or all (paged by the
/// caller).
pub fn articles(category: Option<ArticleCategory>) -> Select<article::Entity> {
    let mut select = article::Entity::find()
        .order_by_desc(article::Column::PublishedAt)
        .order_by_asc(article::Column::Id);
    if let Some(category) = category {
        select = select.filter(article::Column::Category.eq(category.as_str()));
    }
    select
}

/// Articles by id, batched (`_entities` and single lookups).
pub fn articles_by_id(db: DatabaseConnection) -> DataLoader<ByKey<article::Entity>> {
    loader::by_key(db)
}
