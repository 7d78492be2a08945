//! My Services: the catalog services a citizen keeps, in their order.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenCitizens {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CitizenMyServices {
    Table,
    CitizenId,
    ServiceKey,
    Position,
    AddedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenMyServices::Table)
                    .if_not_exists()
                    .col(string_len(CitizenMyServices::CitizenId, 36))
                    .col(string_len(CitizenMyServices::ServiceKey, 64))
                    .col(integer(CitizenMyServices::Position))
                    .col(timestamp_with_time_zone(CitizenMyServices::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(CitizenMyServices::CitizenId)
                            .col(CitizenMyServices::ServiceKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citizen_my_services_citizen")
                            .from(CitizenMyServices::Table, CitizenMyServices::CitizenId)
                            .to(CitizenCitizens::Table, CitizenCitizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CitizenMyServices::Table).to_owned())
            .await
    }
}
