use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FeedbackReports {
    Table,
    Id,
    Title,
    Description,
    Category,
    Status,
    Latitude,
    Longitude,
    Address,
    WardCode,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedbackReports::Table)
                    .if_not_exists()
                    .col(string_len(FeedbackReports::Id, 36).primary_key())
                    .col(string(FeedbackReports::Title))
                    .col(text(FeedbackReports::Description))
                    .col(string_len(FeedbackReports::Category, 64))
                    .col(string_len(FeedbackReports::Status, 32))
                    .col(double(FeedbackReports::Latitude))
                    .col(double(FeedbackReports::Longitude))
                    .col(string_null(FeedbackReports::Address))
                    .col(string_len_null(FeedbackReports::WardCode, 8))
                    .col(timestamp_with_time_zone(FeedbackReports::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_feedback_reports_created_at")
                    .table(FeedbackReports::Table)
                    .col(FeedbackReports::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedbackReports::Table).to_owned())
            .await
    }
}
