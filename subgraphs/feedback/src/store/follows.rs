//! Follows ("me too"): who follows which report, the count on the report,
//! the reports a citizen follows, and the batched check behind every
//! follow-dependent field.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, Loader};
use chrono::Utc;
use entity::feedback::{follower, report};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, Select, Set, TransactionTrait,
};

use super::reports::{existing, newest_first, status_of};
use super::StoreError;

/// Whether `citizen_id` follows the report.
pub async fn is_follower(
    db: &impl ConnectionTrait,
    report_id: &str,
    citizen_id: &str,
) -> Result<bool, DbErr> {
    Ok(
        follower::Entity::find_by_id((report_id.to_string(), citizen_id.to_string()))
            .one(db)
            .await?
            .is_some(),
    )
}

/// Whether citizens follow reports, by (citizen, report), batched: the
/// follow-dependent fields of a list of reports (`viewerFollows`, and the
/// tracking check of `timeline`, `photos`, `rating`) cost one query per
/// citizen asking, not one per report and field.
pub struct Follows {
    db: DatabaseConnection,
}

/// The [`Follows`] loader, spawned on tokio.
pub fn follows(db: DatabaseConnection) -> DataLoader<Follows> {
    DataLoader::new(Follows { db }, tokio::spawn)
}

impl Loader<(String, String)> for Follows {
    type Value = bool;
    type Error = Arc<DbErr>;

    async fn load(
        &self,
        keys: &[(String, String)],
    ) -> Result<HashMap<(String, String), bool>, Self::Error> {
        let mut by_citizen: BTreeMap<&str, Vec<&str>> = Default::default();
        for (citizen, report) in keys {
            by_citizen.entry(citizen).or_default().push(report);
        }
        let mut follows = HashMap::new();
        for (citizen, reports) in by_citizen {
            let rows = follower::Entity::find()
                .filter(follower::Column::CitizenId.eq(citizen))
                .filter(follower::Column::ReportId.is_in(reports))
                .all(&self.db)
                .await
                .map_err(Arc::new)?;
            follows.extend(
                rows.into_iter()
                    .map(|f| ((f.citizen_id, f.report_id), true)),
            );
        }
        Ok(follows)
    }
}

/// The followers of a report, first followers first.
pub(super) async fn follower_ids(
    db: &impl ConnectionTrait,
    report_id: &str,
) -> Result<Vec<String>, DbErr> {
    Ok(follower::Entity::find()
        .filter(follower::Column::ReportId.eq(report_id))
        .order_by_asc(follower::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|f| f.citizen_id)
        .collect())
}

/// The reports `citizen_id` follows, newest first.
pub fn followed_by(citizen_id: &str) -> Select<report::Entity> {
    let followed = follower::Entity::find()
        .select_only()
        .column(follower::Column::ReportId)
        .filter(follower::Column::CitizenId.eq(citizen_id))
        .into_query();
    newest_first(report::Entity::find().filter(report::Column::Id.in_subquery(followed)))
}

/// Whether a follow changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowOutcome {
    Followed,
    AlreadyFollowing,
    OwnReport,
    NotOpen,
}

/// `citizen_id` says "me too": a follower row and one more on the count,
/// once per citizen, only while the report is open.
pub async fn follow(
    db: &DatabaseConnection,
    report_id: &str,
    citizen_id: &str,
) -> Result<(FollowOutcome, report::Model), StoreError> {
    let row = existing(db, report_id).await?;
    if row.reporter_id.as_deref() == Some(citizen_id) {
        return Ok((FollowOutcome::OwnReport, row));
    }
    if is_follower(db, report_id, citizen_id).await? {
        return Ok((FollowOutcome::AlreadyFollowing, row));
    }
    if !status_of(&row)?.is_open() {
        return Ok((FollowOutcome::NotOpen, row));
    }
    let txn = db.begin().await?;
    let inserted = follower::ActiveModel {
        report_id: Set(report_id.to_string()),
        citizen_id: Set(citizen_id.to_string()),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await;
    if inserted.is_err() {
        // A concurrent follow by the same citizen got there first.
        txn.rollback().await?;
        let row = existing(db, report_id).await?;
        return Ok((FollowOutcome::AlreadyFollowing, row));
    }
    report::Entity::update_many()
        .col_expr(
            report::Column::FollowerCount,
            Expr::col(report::Column::FollowerCount).add(1),
        )
        .filter(report::Column::Id.eq(report_id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok((FollowOutcome::Followed, existing(db, report_id).await?))
}

/// Stops following; the count goes down by one if the citizen followed.
pub async fn unfollow(
    db: &DatabaseConnection,
    report_id: &str,
    citizen_id: &str,
) -> Result<report::Model, StoreError> {
    let txn = db.begin().await?;
    let deleted = follower::Entity::delete_by_id((report_id.to_string(), citizen_id.to_string()))
        .exec(&txn)
        .await?;
    if deleted.rows_affected == 1 {
        report::Entity::update_many()
            .col_expr(
                report::Column::FollowerCount,
                Expr::col(report::Column::FollowerCount).sub(1),
            )
            .filter(report::Column::Id.eq(report_id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    existing(db, report_id).await
}
