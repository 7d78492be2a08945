use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FeedbackSubmissions {
    Table,
    IdempotencyKey,
    ReportId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedbackSubmissions::Table)
                    .if_not_exists()
                    .col(string_len(FeedbackSubmissions::IdempotencyKey, 128).primary_key())
                    .col(string_len(FeedbackSubmissions::ReportId, 36))
                    .col(timestamp_with_time_zone(FeedbackSubmissions::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedbackSubmissions::Table).to_owned())
            .await
    }
}
