//! Feedback's read model of the directory's agencies (id, kind, ward),
//! filled from the directories subgraph's events, so feedback can check an
//! agency id and route a report without reading directories' tables
//! (ADR 6).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FeedbackAgencies {
    Table,
    Id,
    Kind,
    WardCode,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedbackAgencies::Table)
                    .if_not_exists()
                    .col(string_len(FeedbackAgencies::Id, 64).primary_key())
                    .col(string_len(FeedbackAgencies::Kind, 64))
                    .col(string_len_null(FeedbackAgencies::WardCode, 16))
                    .col(timestamp_with_time_zone(FeedbackAgencies::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_feedback_agencies_kind")
                    .table(FeedbackAgencies::Table)
                    .col(FeedbackAgencies::Kind)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedbackAgencies::Table).to_owned())
            .await
    }
}
