//! Citizens as they sign in with VNeID, and the roles granted to them.
//! The personal identification number is kept only as a keyed hash (to find
//! the citizen) and an encrypted copy (for its owner).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CitizenCitizens {
    Table,
    Id,
    VneidSubject,
    PersonalIdHash,
    PersonalIdSealed,
    FullName,
    DateOfBirth,
    Sex,
    Phone,
    Email,
    CreatedAt,
    UpdatedAt,
    LastSignInAt,
}

#[derive(DeriveIden)]
enum CitizenRoles {
    Table,
    CitizenId,
    Role,
    AgencyId,
    GrantedBy,
    GrantedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CitizenCitizens::Table)
                    .if_not_exists()
                    .col(string_len(CitizenCitizens::Id, 36).primary_key())
                    .col(string_uniq(CitizenCitizens::VneidSubject))
                    // Hex HMAC-SHA256: 64 characters.
                    .col(string_len_uniq(CitizenCitizens::PersonalIdHash, 64))
                    .col(text(CitizenCitizens::PersonalIdSealed))
                    .col(string(CitizenCitizens::FullName))
                    .col(date_null(CitizenCitizens::DateOfBirth))
                    .col(string_len_null(CitizenCitizens::Sex, 8))
                    .col(string_len_null(CitizenCitizens::Phone, 32))
                    .col(string_null(CitizenCitizens::Email))
                    .col(timestamp_with_time_zone(CitizenCitizens::CreatedAt))
                    .col(timestamp_with_time_zone(CitizenCitizens::UpdatedAt))
                    .col(timestamp_with_time_zone(CitizenCitizens::LastSignInAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CitizenRoles::Table)
                    .if_not_exists()
                    .col(string_len(CitizenRoles::CitizenId, 36))
                    .col(string_len(CitizenRoles::Role, 16))
                    // "" when the role is not scoped to an agency.
                    .col(string_len(CitizenRoles::AgencyId, 64).default(""))
                    .col(string(CitizenRoles::GrantedBy))
                    .col(timestamp_with_time_zone(CitizenRoles::GrantedAt))
                    .primary_key(
                        Index::create()
                            .col(CitizenRoles::CitizenId)
                            .col(CitizenRoles::Role)
                            .col(CitizenRoles::AgencyId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_citizen_roles_citizen")
                            .from(CitizenRoles::Table, CitizenRoles::CitizenId)
                            .to(CitizenCitizens::Table, CitizenCitizens::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CitizenRoles::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CitizenCitizens::Table).to_owned())
            .await
    }
}
