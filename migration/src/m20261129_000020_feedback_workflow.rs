//! The feedback workflow: who reported, which agency handles it, due and
//! status dates, the official answer and the rating, followers, the
//! timeline of every transition, photos, and Open311 partner keys.
//!
//! Columns are added one statement at a time (SQLite alters one column per
//! statement); those older rows lack are nullable and filled by the
//! feedback subgraph's maintenance pass (`congdan_feedback::jobs`).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FeedbackReports {
    Table,
    ReporterId,
    AgencyId,
    DueAt,
    UpdatedAt,
    StatusChangedAt,
    ResolvedAt,
    ClosedAt,
    OfficialAnswer,
    RatingStars,
    RatingComment,
    RatedAt,
    FollowerCount,
    SearchFolded,
    Source,
    Category,
    Status,
    CreatedAt,
    Latitude,
    WardCode,
}

#[derive(DeriveIden)]
enum FeedbackTimeline {
    Table,
    Id,
    ReportId,
    Action,
    FromStatus,
    ToStatus,
    ActorId,
    ActorRole,
    AgencyId,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FeedbackFollowers {
    Table,
    ReportId,
    CitizenId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FeedbackPhotos {
    Table,
    Id,
    ReportId,
    TimelineEntryId,
    ContentType,
    SizeBytes,
    StorageKey,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FeedbackOpen311Keys {
    Table,
    Id,
    Name,
    KeyHash,
    CreatedAt,
    RevokedAt,
}

async fn add_column(manager: &SchemaManager<'_>, column: ColumnDef) -> Result<(), DbErr> {
    let mut column = column;
    manager
        .alter_table(
            Table::alter()
                .table(FeedbackReports::Table)
                .add_column(&mut column)
                .to_owned(),
        )
        .await
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    manager.create_index(index.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use FeedbackReports as R;
        for column in [
            string_len_null(R::ReporterId, 64),
            string_len_null(R::AgencyId, 64),
            timestamp_with_time_zone_null(R::DueAt),
            timestamp_with_time_zone_null(R::UpdatedAt),
            timestamp_with_time_zone_null(R::StatusChangedAt),
            timestamp_with_time_zone_null(R::ResolvedAt),
            timestamp_with_time_zone_null(R::ClosedAt),
            text_null(R::OfficialAnswer),
            integer_null(R::RatingStars),
            text_null(R::RatingComment),
            timestamp_with_time_zone_null(R::RatedAt),
            integer(R::FollowerCount).default(0).to_owned(),
            text_null(R::SearchFolded),
            string_len_null(R::Source, 80),
        ] {
            add_column(manager, column).await?;
        }
        index(
            manager,
            "idx_feedback_reports_category_status_created",
            R::Table,
            vec![
                R::Category.into_iden(),
                R::Status.into_iden(),
                R::CreatedAt.into_iden(),
            ],
        )
        .await?;
        index(
            manager,
            "idx_feedback_reports_latitude",
            R::Table,
            vec![R::Latitude.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_feedback_reports_reporter",
            R::Table,
            vec![R::ReporterId.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_feedback_reports_agency_status",
            R::Table,
            vec![R::AgencyId.into_iden(), R::Status.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_feedback_reports_ward",
            R::Table,
            vec![R::WardCode.into_iden()],
        )
        .await?;
        index(
            manager,
            "idx_feedback_reports_status_changed",
            R::Table,
            vec![R::Status.into_iden(), R::StatusChangedAt.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeedbackTimeline::Table)
                    .if_not_exists()
                    .col(string_len(FeedbackTimeline::Id, 36).primary_key())
                    .col(string_len(FeedbackTimeline::ReportId, 36))
                    .col(string_len(FeedbackTimeline::Action, 32))
                    .col(string_len_null(FeedbackTimeline::FromStatus, 32))
                    .col(string_len(FeedbackTimeline::ToStatus, 32))
                    .col(string_len_null(FeedbackTimeline::ActorId, 64))
                    .col(string_len(FeedbackTimeline::ActorRole, 32))
                    .col(string_len_null(FeedbackTimeline::AgencyId, 64))
                    .col(text_null(FeedbackTimeline::Note))
                    .col(timestamp_with_time_zone(FeedbackTimeline::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_feedback_timeline_report",
            FeedbackTimeline::Table,
            vec![
                FeedbackTimeline::ReportId.into_iden(),
                FeedbackTimeline::Id.into_iden(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeedbackFollowers::Table)
                    .if_not_exists()
                    .col(string_len(FeedbackFollowers::ReportId, 36))
                    .col(string_len(FeedbackFollowers::CitizenId, 64))
                    .col(timestamp_with_time_zone(FeedbackFollowers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(FeedbackFollowers::ReportId)
                            .col(FeedbackFollowers::CitizenId),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_feedback_followers_citizen",
            FeedbackFollowers::Table,
            vec![FeedbackFollowers::CitizenId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeedbackPhotos::Table)
                    .if_not_exists()
                    .col(string_len(FeedbackPhotos::Id, 36).primary_key())
                    .col(string_len(FeedbackPhotos::ReportId, 36))
                    .col(string_len_null(FeedbackPhotos::TimelineEntryId, 36))
                    .col(string_len(FeedbackPhotos::ContentType, 32))
                    .col(big_integer(FeedbackPhotos::SizeBytes))
                    .col(string(FeedbackPhotos::StorageKey))
                    .col(timestamp_with_time_zone(FeedbackPhotos::CreatedAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_feedback_photos_report",
            FeedbackPhotos::Table,
            vec![FeedbackPhotos::ReportId.into_iden()],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FeedbackOpen311Keys::Table)
                    .if_not_exists()
                    .col(string_len(FeedbackOpen311Keys::Id, 36).primary_key())
                    .col(string(FeedbackOpen311Keys::Name))
                    .col(string_len(FeedbackOpen311Keys::KeyHash, 64).unique_key())
                    .col(timestamp_with_time_zone(FeedbackOpen311Keys::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        FeedbackOpen311Keys::RevokedAt,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FeedbackOpen311Keys::Table.into_iden(),
            FeedbackPhotos::Table.into_iden(),
            FeedbackFollowers::Table.into_iden(),
            FeedbackTimeline::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for name in [
            "idx_feedback_reports_category_status_created",
            "idx_feedback_reports_latitude",
            "idx_feedback_reports_reporter",
            "idx_feedback_reports_agency_status",
            "idx_feedback_reports_ward",
            "idx_feedback_reports_status_changed",
        ] {
            manager
                .drop_index(
                    Index::drop()
                        .name(name)
                        .table(FeedbackReports::Table)
                        .to_owned(),
                )
                .await?;
        }
        use FeedbackReports as R;
        for column in [
            R::ReporterId,
            R::AgencyId,
            R::DueAt,
            R::UpdatedAt,
            R::StatusChangedAt,
            R::ResolvedAt,
            R::ClosedAt,
            R::OfficialAnswer,
            R::RatingStars,
            R::RatingComment,
            R::RatedAt,
            R::FollowerCount,
            R::SearchFolded,
            R::Source,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(FeedbackReports::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
