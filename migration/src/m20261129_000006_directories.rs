use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DirectoriesAgencies {
    Table,
    Id,
    Name,
    NameFolded,
    Kind,
    Hotline,
    Address,
    WardCode,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DirectoriesAgencies::Table)
                    .if_not_exists()
                    .col(string_len(DirectoriesAgencies::Id, 64).primary_key())
                    .col(string(DirectoriesAgencies::Name))
                    .col(string(DirectoriesAgencies::NameFolded))
                    .col(string_len(DirectoriesAgencies::Kind, 32))
                    .col(string_len_null(DirectoriesAgencies::Hotline, 32))
                    .col(string_null(DirectoriesAgencies::Address))
                    .col(string_len_null(DirectoriesAgencies::WardCode, 8))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_directories_agencies_ward_code")
                    .table(DirectoriesAgencies::Table)
                    .col(DirectoriesAgencies::WardCode)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DirectoriesAgencies::Table).to_owned())
            .await
    }
}
