use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use chrono::Utc;
use congdan_common::city_point::{CityPoint, CityPointError};
use congdan_common::events::{outbox, Event};
use congdan_common::user_error::UserError;
use entity::feedback::{category, report, submission};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, Set, TransactionTrait,
};
use serde_json::json;

use super::Report;
use crate::domain::ReportStatus;

pub struct Mutation;

/// A new report.
#[derive(InputObject)]
pub struct SubmitReportInput {
    /// 5 to 200 characters.
    pub title: String,
    /// 10 to 5,000 characters.
    pub description: String,
    /// A category key from `reportCategories`.
    pub category: String,
    /// Where it is (WGS 84), inside the city.
    pub latitude: f64,
    pub longitude: f64,
    /// Address text, if the reporter gives one.
    pub address: Option<String>,
    /// Chosen by the app for this submission (8 to 128 letters, digits, `-`
    /// or `_`); a retry with the same key returns the first report and
    /// creates nothing.
    pub idempotency_key: String,
}

#[derive(SimpleObject)]
pub struct SubmitReportPayload {
    /// The report, when the input was valid.
    pub report: Option<Report>,
    pub user_errors: Vec<UserError>,
}

#[Object]
impl Mutation {
    /// Reports an incident or an idea to the 1022 hotline. Without sign-in,
    /// only categories that allow anonymous reports are accepted.
    async fn submit_report(
        &self,
        ctx: &Context<'_>,
        input: SubmitReportInput,
    ) -> Result<SubmitReportPayload> {
        let db = ctx.data::<DatabaseConnection>()?;
        let (point, mut errors) = validate(&input);
        let category = category::Entity::find_by_id(input.category.clone())
            .one(db)
            .await
            .map_err(congdan_common::Error::from)?;
        match &category {
            None => errors.push(UserError::new(
                &["input", "category"],
                "UNKNOWN_CATEGORY",
                format!("`{}` is not a report category", input.category),
            )),
            Some(c) if !c.allows_anonymous => errors.push(UserError::new(
                &["input", "category"],
                "SIGN_IN_REQUIRED",
                "reports in this category need a signed-in citizen",
            )),
            Some(_) => {}
        }
        let Some(point) = point.filter(|_| errors.is_empty()) else {
            return Ok(SubmitReportPayload {
                report: None,
                user_errors: errors,
            });
        };
        let row = submit(db, &input, point)
            .await
            .map_err(congdan_common::Error::from)?;
        Ok(SubmitReportPayload {
            report: Some(Report::try_from(row)?),
            user_errors: Vec::new(),
        })
    }
}

fn validate(input: &SubmitReportInput) -> (Option<CityPoint>, Vec<UserError>) {
    let mut errors = Vec::new();
    let title = input.title.trim().chars().count();
    if !(5..=200).contains(&title) {
        errors.push(UserError::new(
            &["input", "title"],
            "BAD_USER_INPUT",
            "the title takes 5 to 200 characters",
        ));
    }
    let description = input.description.trim().chars().count();
    if !(10..=5000).contains(&description) {
        errors.push(UserError::new(
            &["input", "description"],
            "BAD_USER_INPUT",
            "the description takes 10 to 5,000 characters",
        ));
    }
    let key = &input.idempotency_key;
    if !(8..=128).contains(&key.len())
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        errors.push(UserError::new(
            &["input", "idempotencyKey"],
            "BAD_USER_INPUT",
            "the idempotency key takes 8 to 128 letters, digits, `-` or `_`",
        ));
    }
    let point = match CityPoint::parse(input.latitude, input.longitude) {
        Ok(point) => Some(point),
        Err(error) => {
            let code = match error {
                CityPointError::OutsideCity(..) => "OUTSIDE_CITY",
                CityPointError::NotACoordinate => "BAD_USER_INPUT",
            };
            errors.push(UserError::new(
                &["input", "latitude"],
                code,
                error.to_string(),
            ));
            None
        }
    };
    (point, errors)
}

/// The report for this idempotency key: the one a first submission made, or
/// a new one written with its outbox event in one transaction.
async fn submit(
    db: &DatabaseConnection,
    input: &SubmitReportInput,
    point: CityPoint,
) -> Result<report::Model, sea_orm::DbErr> {
    if let Some(existing) = earlier(db, &input.idempotency_key).await? {
        return Ok(existing);
    }
    let txn = db.begin().await?;
    match insert(&txn, input, point).await {
        Ok(row) => {
            txn.commit().await?;
            Ok(row)
        }
        Err(error) => {
            txn.rollback().await?;
            // A concurrent retry with the same key won the race.
            match earlier(db, &input.idempotency_key).await? {
                Some(existing) => Ok(existing),
                None => Err(error),
            }
        }
    }
}

async fn earlier(
    db: &DatabaseConnection,
    key: &str,
) -> Result<Option<report::Model>, sea_orm::DbErr> {
    let Some(found) = submission::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    report::Entity::find_by_id(found.report_id).one(db).await
}

async fn insert(
    txn: &DatabaseTransaction,
    input: &SubmitReportInput,
    point: CityPoint,
) -> Result<report::Model, sea_orm::DbErr> {
    let now = Utc::now();
    let id = uuid::Uuid::now_v7().to_string();
    submission::ActiveModel {
        idempotency_key: Set(input.idempotency_key.clone()),
        report_id: Set(id.clone()),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    let row = report::ActiveModel {
        id: Set(id.clone()),
        title: Set(input.title.trim().to_string()),
        description: Set(input.description.trim().to_string()),
        category: Set(input.category.clone()),
        status: Set(ReportStatus::Received.as_str().to_string()),
        latitude: Set(point.latitude()),
        longitude: Set(point.longitude()),
        address: Set(input
            .address
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)),
        // Ward polygons are not loaded yet: the ward stays unknown.
        ward_code: Set(None),
        created_at: Set(now),
    }
    .insert(txn)
    .await?;
    outbox::enqueue(
        txn,
        &Event::new(
            "feedback.report.created",
            json!({ "id": id, "category": input.category, "status": "RECEIVED" }),
        ),
    )
    .await?;
    Ok(row)
}
