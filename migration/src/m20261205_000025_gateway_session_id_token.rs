//! A web session keeps the provider's ID token for RP-initiated logout
//! (`id_token_hint`), sealed under a key derived from the session cookie,
//! which the database does not hold; cleared when the session ends.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GatewaySessions {
    Table,
    IdTokenSealed,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(GatewaySessions::Table)
                    .add_column(text_null(GatewaySessions::IdTokenSealed))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(GatewaySessions::Table)
                    .drop_column(GatewaySessions::IdTokenSealed)
                    .to_owned(),
            )
            .await
    }
}
