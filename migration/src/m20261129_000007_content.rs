use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ContentArticles {
    Table,
    Id,
    Title,
    Summary,
    Body,
    Category,
    PublishedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContentArticles::Table)
                    .if_not_exists()
                    .col(string_len(ContentArticles::Id, 36).primary_key())
                    .col(string(ContentArticles::Title))
                    .col(text(ContentArticles::Summary))
                    .col(text(ContentArticles::Body))
                    .col(string_len(ContentArticles::Category, 16))
                    .col(timestamp_with_time_zone(ContentArticles::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_content_articles_published_at")
                    .table(ContentArticles::Table)
                    .col(ContentArticles::PublishedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContentArticles::Table).to_owned())
            .await
    }
}
