//! The notification inbox. `event_id` is the bus event a notification came
//! from: unique per citizen, so a redelivered event never makes a second one.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenCitizens {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CitizenNotifications {
    Table,
    Id,
    CitizenId,
    EventId,
    Topic,
    TitleVi,
    TitleEn,
    BodyVi,
    BodyEn,
    SubjectType,
    SubjectKey,
    CreatedAt,
    ReadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenNotifications::Table)
                    .if_not_exists()
                    .col(string_len(CitizenNotifications::Id, 36).primary_key())
                    .col(string_len(CitizenNotifications::CitizenId, 36))
                    .col(string_len(CitizenNotifications::EventId, 64))
                    .col(string_len(CitizenNotifications::Topic, 16))
                    .col(string(CitizenNotifications::TitleVi))
                    .col(string(CitizenNotifications::TitleEn))
                    .col(text(CitizenNotifications::BodyVi))
                    .col(text(CitizenNotifications::BodyEn))
                    .col(string_len_null(CitizenNotifications::SubjectType, 32))
                    .col(string_len_null(CitizenNotifications::SubjectKey, 64))
                    .col(timestamp_with_time_zone(CitizenNotifications::CreatedAt))
                    .col(timestamp_with_time_zone_null(CitizenNotifications::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citizen_notifications_citizen")
                            .from(CitizenNotifications::Table, CitizenNotifications::CitizenId)
                            .to(CitizenCitizens::Table, CitizenCitizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_citizen_notifications_event")
                    .table(CitizenNotifications::Table)
                    .col(CitizenNotifications::CitizenId)
                    .col(CitizenNotifications::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        // The inbox, newest first.
        manager
            .create_index(
                Index::create()
                    .name("ix_citizen_notifications_inbox")
                    .table(CitizenNotifications::Table)
                    .col(CitizenNotifications::CitizenId)
                    .col(CitizenNotifications::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CitizenNotifications::Table).to_owned())
            .await
    }
}
