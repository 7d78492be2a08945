//! Personal data rights: consents per purpose (given, withdrawn), and the
//! log of reads of a citizen's personal data by someone else.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenCitizens {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CitizenConsents {
    Table,
    Id,
    CitizenId,
    Purpose,
    GivenAt,
    WithdrawnAt,
}

#[derive(DeriveIden)]
enum CitizenAccessLog {
    Table,
    Id,
    CitizenId,
    AccessorId,
    AccessorRoles,
    Fields,
    AccessedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenConsents::Table)
                    .if_not_exists()
                    .col(string_len(CitizenConsents::Id, 36).primary_key())
                    .col(string_len(CitizenConsents::CitizenId, 36))
                    .col(string_len(CitizenConsents::Purpose, 32))
                    .col(timestamp_with_time_zone(CitizenConsents::GivenAt))
                    .col(timestamp_with_time_zone_null(CitizenConsents::WithdrawnAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citizen_consents_citizen")
                            .from(CitizenConsents::Table, CitizenConsents::CitizenId)
                            .to(CitizenCitizens::Table, CitizenCitizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_citizen_consents_citizen")
                    .table(CitizenConsents::Table)
                    .col(CitizenConsents::CitizenId)
                    .col(CitizenConsents::Purpose)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CitizenAccessLog::Table)
                    .if_not_exists()
                    .col(string_len(CitizenAccessLog::Id, 36).primary_key())
                    // Whose data was read.
                    .col(string_len(CitizenAccessLog::CitizenId, 36))
                    // Who read it: a citizen id (staff are citizens too).
                    .col(string_len(CitizenAccessLog::AccessorId, 64))
                    // Their roles then, comma-separated.
                    .col(string_len(CitizenAccessLog::AccessorRoles, 64))
                    // The fields read, comma-separated.
                    .col(text(CitizenAccessLog::Fields))
                    .col(timestamp_with_time_zone(CitizenAccessLog::AccessedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citizen_access_log_citizen")
                            .from(CitizenAccessLog::Table, CitizenAccessLog::CitizenId)
                            .to(CitizenCitizens::Table, CitizenCitizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_citizen_access_log_citizen")
                    .table(CitizenAccessLog::Table)
                    .col(CitizenAccessLog::CitizenId)
                    .col(CitizenAccessLog::AccessedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CitizenAccessLog::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CitizenConsents::Table).to_owned())
            .await
    }
}
