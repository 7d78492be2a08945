use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GeoAdminUnits {
    Table,
    Code,
    Name,
    NameFolded,
    Kind,
    ProvinceCode,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GeoAdminUnits::Table)
                    .if_not_exists()
                    .col(string_len(GeoAdminUnits::Code, 8).primary_key())
                    .col(string(GeoAdminUnits::Name))
                    .col(string(GeoAdminUnits::NameFolded))
                    .col(string_len(GeoAdminUnits::Kind, 16))
                    .col(string_len(GeoAdminUnits::ProvinceCode, 4))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_geo_admin_units_name_folded")
                    .table(GeoAdminUnits::Table)
                    .col(GeoAdminUnits::NameFolded)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(GeoAdminUnits::Table).to_owned())
            .await
    }
}
