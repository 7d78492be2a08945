//! A timeline entry keeps the officers' internal note (`note`) apart from
//! what the citizen is told (`message`). Entries written before held the
//! answer, the reason and the rating comment in `note`: those move to
//! `message`; the notes of assignments, transfers and starts stay internal.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FeedbackTimeline {
    Table,
    Action,
    Note,
    Message,
}

/// Actions whose text was always meant for the citizen.
const PUBLIC_ACTIONS: [&str; 4] = ["resolved", "rejected", "rated", "closed"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(FeedbackTimeline::Table)
                    .add_column(text_null(FeedbackTimeline::Message))
                    .to_owned(),
            )
            .await?;
        let moved = Query::update()
            .table(FeedbackTimeline::Table)
            .value(FeedbackTimeline::Message, Expr::col(FeedbackTimeline::Note))
            .value(FeedbackTimeline::Note, Option::<String>::None)
            .and_where(Expr::col(FeedbackTimeline::Action).is_in(PUBLIC_ACTIONS))
            .to_owned();
        manager.exec_stmt(moved).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(FeedbackTimeline::Table)
                    .drop_column(FeedbackTimeline::Message)
                    .to_owned(),
            )
            .await
    }
}
