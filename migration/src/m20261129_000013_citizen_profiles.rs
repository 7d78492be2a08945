//! What a citizen edits about themself: contact phone and email, home ward,
//! language, whether My Services was set up; and their notification
//! preferences (one row per topic and channel they changed).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenCitizens {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum CitizenProfiles {
    Table,
    CitizenId,
    ContactPhone,
    ContactEmail,
    HomeWardId,
    Language,
    ServicesInitialised,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CitizenNotificationPreferences {
    Table,
    CitizenId,
    Topic,
    Channel,
    Enabled,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenProfiles::Table)
                    .if_not_exists()
                    .col(string_len(CitizenProfiles::CitizenId, 36).primary_key())
                    // +84 and nine digits.
                    .col(string_len_null(CitizenProfiles::ContactPhone, 16))
                    .col(string_len_null(CitizenProfiles::ContactEmail, 254))
                    .col(string_len_null(CitizenProfiles::HomeWardId, 16))
                    .col(string_len(CitizenProfiles::Language, 2).default("vi"))
                    .col(boolean(CitizenProfiles::ServicesInitialised).default(false))
                    .col(timestamp_with_time_zone(CitizenProfiles::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citizen_profiles_citizen")
                            .from(CitizenProfiles::Table, CitizenProfiles::CitizenId)
                            .to(CitizenCitizens::Table, CitizenCitizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CitizenNotificationPreferences::Table)
                    .if_not_exists()
                    .col(string_len(CitizenNotificationPreferences::CitizenId, 36))
                    .col(string_len(CitizenNotificationPreferences::Topic, 16))
                    .col(string_len(CitizenNotificationPreferences::Channel, 16))
                    .col(boolean(CitizenNotificationPreferences::Enabled))
                    .col(timestamp_with_time_zone(
                        CitizenNotificationPreferences::UpdatedAt,
                    ))
                    .primary_key(
                        Index::create()
                            .col(CitizenNotificationPreferences::CitizenId)
                            .col(CitizenNotificationPreferences::Topic)
                            .col(CitizenNotificationPreferences::Channel),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citizen_notification_preferences_citizen")
                            .from(
                                CitizenNotificationPreferences::Table,
                                CitizenNotificationPreferences::CitizenId,
                            )
                            .to(CitizenCitizens::Table, CitizenCitizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(CitizenNotificationPreferences::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(CitizenProfiles::Table).to_owned())
            .await
    }
}
