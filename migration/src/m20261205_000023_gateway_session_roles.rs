//! A session's roles version: bumped when the citizen's roles change, so an
//! access token issued before the change is refused at once (the client
//! refreshes and gets the roles as they are now).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GatewaySessions {
    Table,
    RolesVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(GatewaySessions::Table)
                    .add_column(integer(GatewaySessions::RolesVersion).default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(GatewaySessions::Table)
                    .drop_column(GatewaySessions::RolesVersion)
                    .to_owned(),
            )
            .await
    }
}
