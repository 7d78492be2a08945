use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GatewaySigningKeys {
    Table,
    Kid,
    Secret,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GatewaySessions {
    Table,
    Id,
    CitizenId,
    Client,
    CookieHash,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden)]
enum GatewayRefreshTokens {
    Table,
    TokenHash,
    SessionId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum GatewayAuthRequests {
    Table,
    StateHash,
    Nonce,
    PkceVerifier,
    ReturnTo,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum GatewayApiKeys {
    Table,
    Id,
    Name,
    KeyHash,
    RequestsPerMinute,
    Introspection,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(GatewaySigningKeys::Table)
                    .if_not_exists()
                    .col(string_len(GatewaySigningKeys::Kid, 64).primary_key())
                    .col(string_len(GatewaySigningKeys::Secret, 64))
                    .col(timestamp_with_time_zone(GatewaySigningKeys::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GatewaySessions::Table)
                    .if_not_exists()
                    .col(string_len(GatewaySessions::Id, 36).primary_key())
                    .col(string_len(GatewaySessions::CitizenId, 64))
                    .col(string_len(GatewaySessions::Client, 16))
                    .col(string_len_null(GatewaySessions::CookieHash, 64).unique_key())
                    .col(timestamp_with_time_zone(GatewaySessions::CreatedAt))
                    .col(timestamp_with_time_zone(GatewaySessions::ExpiresAt))
                    .col(timestamp_with_time_zone_null(GatewaySessions::RevokedAt))
                    .col(string_len_null(GatewaySessions::RevokedReason, 32))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("gateway_sessions_citizen")
                    .table(GatewaySessions::Table)
                    .col(GatewaySessions::CitizenId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GatewayRefreshTokens::Table)
                    .if_not_exists()
                    .col(string_len(GatewayRefreshTokens::TokenHash, 64).primary_key())
                    .col(string_len(GatewayRefreshTokens::SessionId, 36))
                    .col(timestamp_with_time_zone(GatewayRefreshTokens::CreatedAt))
                    .col(timestamp_with_time_zone(GatewayRefreshTokens::ExpiresAt))
                    .col(timestamp_with_time_zone_null(GatewayRefreshTokens::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GatewayAuthRequests::Table)
                    .if_not_exists()
                    .col(string_len(GatewayAuthRequests::StateHash, 64).primary_key())
                    .col(string_len(GatewayAuthRequests::Nonce, 128))
                    .col(string_len(GatewayAuthRequests::PkceVerifier, 128))
                    .col(string_len(GatewayAuthRequests::ReturnTo, 512))
                    .col(timestamp_with_time_zone(GatewayAuthRequests::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(GatewayApiKeys::Table)
                    .if_not_exists()
                    .col(string_len(GatewayApiKeys::Id, 36).primary_key())
                    .col(string_len(GatewayApiKeys::Name, 200))
                    .col(string_len(GatewayApiKeys::KeyHash, 64).unique_key())
                    .col(integer(GatewayApiKeys::RequestsPerMinute))
                    .col(boolean(GatewayApiKeys::Introspection))
                    .col(string_len(GatewayApiKeys::CreatedBy, 64))
                    .col(timestamp_with_time_zone(GatewayApiKeys::CreatedAt))
                    .col(timestamp_with_time_zone_null(GatewayApiKeys::RevokedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            GatewayApiKeys::Table.into_iden(),
            GatewayAuthRequests::Table.into_iden(),
            GatewayRefreshTokens::Table.into_iden(),
            GatewaySessions::Table.into_iden(),
            GatewaySigningKeys::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
