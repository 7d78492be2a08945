//! The check value of `PERSONAL_DATA_KEY` (an HMAC of a fixed label, never
//! the key), stored at the first start so a start with another key is
//! refused before it locks every citizen out.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenKeyChecks {
    Table,
    Name,
    CheckValue,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenKeyChecks::Table)
                    .if_not_exists()
                    .col(string_len(CitizenKeyChecks::Name, 64).primary_key())
                    .col(string_len(CitizenKeyChecks::CheckValue, 64))
                    .col(timestamp_with_time_zone(CitizenKeyChecks::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CitizenKeyChecks::Table).to_owned())
            .await
    }
}
