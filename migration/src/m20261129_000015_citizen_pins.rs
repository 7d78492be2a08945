//! Pins: items of other subgraphs a citizen keeps at hand, by type and key
//! (the owner holds the item; see ADR 5).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenCitizens {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CitizenPins {
    Table,
    Id,
    CitizenId,
    ItemType,
    ItemKey,
    PinnedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenPins::Table)
                    .if_not_exists()
                    .col(string_len(CitizenPins::Id, 36).primary_key())
                    .col(string_len(CitizenPins::CitizenId, 36))
                    .col(string_len(CitizenPins::ItemType, 32))
                    .col(string_len(CitizenPins::ItemKey, 64))
                    .col(timestamp_with_time_zone(CitizenPins::PinnedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citizen_pins_citizen")
                            .from(CitizenPins::Table, CitizenPins::CitizenId)
                            .to(CitizenCitizens::Table, CitizenCitizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // An item is pinned once per citizen; also the lookup by citizen.
        manager
            .create_index(
                Index::create()
                    .name("ux_citizen_pins_item")
                    .table(CitizenPins::Table)
                    .col(CitizenPins::CitizenId)
                    .col(CitizenPins::ItemType)
                    .col(CitizenPins::ItemKey)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CitizenPins::Table).to_owned())
            .await
    }
}
