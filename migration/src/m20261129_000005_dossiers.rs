use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DossiersProcedures {
    Table,
    Code,
    Name,
    NameFolded,
    Field,
    Level,
    ProcessingDays,
    FeeVnd,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DossiersProcedures::Table)
                    .if_not_exists()
                    .col(string_len(DossiersProcedures::Code, 32).primary_key())
                    .col(string(DossiersProcedures::Name))
                    .col(string(DossiersProcedures::NameFolded))
                    .col(string(DossiersProcedures::Field))
                    .col(string_len(DossiersProcedures::Level, 16))
                    .col(integer(DossiersProcedures::ProcessingDays))
                    .col(big_integer(DossiersProcedures::FeeVnd))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DossiersProcedures::Table).to_owned())
            .await
    }
}
