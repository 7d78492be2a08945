//! Push tokens of a citizen's devices; a token belongs to one citizen at a
//! time (the last who registered it).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenCitizens {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CitizenDevices {
    Table,
    Token,
    Id,
    CitizenId,
    Platform,
    AppVersion,
    RegisteredAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenDevices::Table)
                    .if_not_exists()
                    .col(string_len(CitizenDevices::Token, 512).primary_key())
                    .col(string_len_uniq(CitizenDevices::Id, 36))
                    .col(string_len(CitizenDevices::CitizenId, 36))
                    .col(string_len(CitizenDevices::Platform, 16))
                    .col(string_len(CitizenDevices::AppVersion, 32))
                    .col(timestamp_with_time_zone(CitizenDevices::RegisteredAt))
                    .col(timestamp_with_time_zone(CitizenDevices::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citizen_devices_citizen")
                            .from(CitizenDevices::Table, CitizenDevices::CitizenId)
                            .to(CitizenCitizens::Table, CitizenCitizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_citizen_devices_citizen")
                    .table(CitizenDevices::Table)
                    .col(CitizenDevices::CitizenId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CitizenDevices::Table).to_owned())
            .await
    }
}
