use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenServices {
    Table,
    Key,
    GroupKey,
    TitleVi,
    TitleEn,
    Icon,
    RequiresSignIn,
    DeepLink,
    Position,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenServices::Table)
                    .if_not_exists()
                    .col(string_len(CitizenServices::Key, 64).primary_key())
                    .col(string_len(CitizenServices::GroupKey, 32))
                    .col(string(CitizenServices::TitleVi))
                    .col(string(CitizenServices::TitleEn))
                    .col(string_len(CitizenServices::Icon, 64))
                    .col(boolean(CitizenServices::RequiresSignIn))
                    .col(string(CitizenServices::DeepLink))
                    .col(integer(CitizenServices::Position))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CitizenServices::Table).to_owned())
            .await
    }
}
