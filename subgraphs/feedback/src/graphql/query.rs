use std::collections::BTreeMap;

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use congdan_common::access;
use congdan_common::directives::authenticated;
use congdan_common::loader::{load_entity, load_one};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use congdan_common::Error;
use congdan_contracts::identity::Role;
use entity::feedback::report;
use sea_orm::{DatabaseConnection, DbErr};

use super::report::AdministrativeUnit;
use super::ReportStatus;
use super::{PersonalDataExport, Report, ReportCategory};
use crate::domain::search::{search_words, MapArea, ReportSearch};
use crate::domain::workflow;
use crate::store::{categories, follows, reports, similar};

pub struct Query;

type Reports = Connection<String, Report, ListInfo, EmptyFields>;
/// Ward, category and status (each when grouped by) → (count, overdue).
type StatisticsKey = (Option<String>, Option<String>, Option<String>);

/// A ward, category or status to count reports by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ReportStatisticsDimension {
    Ward,
    Category,
    Status,
}

/// How many reports share a ward, category and status (the dimensions not
/// asked for are null).
#[derive(SimpleObject, Clone)]
pub struct ReportStatistic {
    pub ward: Option<AdministrativeUnit>,
    pub category: Option<String>,
    pub status: Option<ReportStatus>,
    pub count: i64,
    /// Of those, still open after their due date.
    pub overdue_count: i64,
}

/// What officers search reports by; every field given must match.
#[derive(InputObject, Default)]
pub struct ReportSearchFilter {
    /// Words in the title, description or address; diacritics and case are
    /// ignored ("duong ngap" finds "Đường ngập").
    pub text: Option<String>,
    /// A category key.
    pub category: Option<String>,
    /// Any of these statuses.
    pub statuses: Option<Vec<ReportStatus>>,
    /// A ward or commune code.
    pub ward_id: Option<ID>,
    pub agency_id: Option<ID>,
    /// Submitted at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Submitted before.
    pub created_to: Option<DateTime<Utc>>,
    /// Only reports still open after their due date.
    pub overdue: Option<bool>,
}

#[Object]
impl Query {
    /// Reports, newest first, optionally with one status.
    async fn reports(
        &self,
        ctx: &Context<'_>,
        status: Option<ReportStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Reports> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let select = reports::with_status(status.map(Into::into));
        Ok(pagination::connection(db, select, page, Report::try_from).await?)
    }

    /// The categories a report can have, in display order.
    async fn report_categories(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ReportCategory, ListInfo, EmptyFields>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let select = categories::in_order();
        Ok(pagination::connection(db, select, page, ReportCategory::try_from).await?)
    }

    /// One report by id.
    async fn report(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Report>> {
        load_one::<report::Entity, _>(ctx, id.0).await
    }

    #[graphql(entity)]
    async fn find_report_by_id(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Report>> {
        load_entity::<report::Entity, _>(ctx, id.0, ("phản ánh", "report")).await
    }

    /// The export of `citizenId` (an entity of the citizen subgraph), for
    /// its `feedback` part, which answers its owner only.
    #[graphql(entity)]
    async fn find_personal_data_export_by_citizen_id(&self, citizen_id: ID) -> PersonalDataExport {
        PersonalDataExport { citizen_id }
    }

    /// Open reports of the same category within 50 m from the last 7 days,
    /// nearest first: shown before submitting, so a citizen can follow one
    /// ("me too") instead of reporting it again.
    async fn similar_reports(
        &self,
        ctx: &Context<'_>,
        category: String,
        latitude: f64,
        longitude: f64,
    ) -> Result<Vec<Report>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let point = congdan_common::city_point::CityPoint::parse(latitude, longitude)
            .map_err(|e| Error::BadUserInput(e.text()))?;
        let found = similar::similar(
            db,
            &category,
            point.latitude(),
            point.longitude(),
            Utc::now(),
            None,
        )
        .await
        .map_err(Error::from)?;
        Ok(found.into_iter().map(|(row, _)| Report { row }).collect())
    }

    /// The reports I sent, newest first.
    #[graphql(directive = authenticated::apply())]
    async fn my_reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Reports> {
        let citizen = access::require_citizen(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let select = reports::sent_by(citizen);
        Ok(pagination::connection(db, select, page, Report::try_from).await?)
    }

    /// The reports I follow ("me too"), newest first.
    #[graphql(directive = authenticated::apply())]
    async fn followed_reports(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Reports> {
        let citizen = access::require_citizen(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let select = follows::followed_by(citizen);
        Ok(pagination::connection(db, select, page, Report::try_from).await?)
    }

    /// The public map: reports being handled or resolved inside a bounding
    /// box, newest first. Reports carry no personal data.
    #[allow(clippy::too_many_arguments)]
    async fn reports_in_area(
        &self,
        ctx: &Context<'_>,
        south: f64,
        west: f64,
        north: f64,
        east: f64,
        category: Option<String>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Reports> {
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let Some(area) = MapArea::parse(south, west, north, east) else {
            return Err(Error::bad_input(
                "Khung cần có nam ≤ bắc và tây ≤ đông, tính bằng độ",
                "the box needs south ≤ north and west ≤ east, in degrees",
            )
            .into());
        };
        let select = reports::in_area(area, category);
        Ok(pagination::connection(db, select, page, Report::try_from).await?)
    }

    /// Report counts for dashboards, grouped by the dimensions asked for,
    /// optionally over a submission date range. Aggregates only.
    async fn report_statistics(
        &self,
        ctx: &Context<'_>,
        group_by: Vec<ReportStatisticsDimension>,
        created_from: Option<DateTime<Utc>>,
        created_to: Option<DateTime<Utc>>,
    ) -> Result<Vec<ReportStatistic>> {
        let db = ctx.data::<DatabaseConnection>()?;
        let now = Utc::now();
        let rows = reports::statistics_rows(db, created_from, created_to)
            .await
            .map_err(Error::from)?;
        let by = |d| group_by.contains(&d);
        let mut counts: BTreeMap<StatisticsKey, (i64, i64)> = BTreeMap::new();
        for (ward, category, status, due) in rows {
            let overdue = status
                .parse::<workflow::ReportStatus>()
                .is_ok_and(|s| s.is_open())
                && due.is_some_and(|d| d < now);
            let key = (
                if by(ReportStatisticsDimension::Ward) {
                    ward
                } else {
                    None
                },
                by(ReportStatisticsDimension::Category).then_some(category),
                by(ReportStatisticsDimension::Status).then_some(status),
            );
            let entry = counts.entry(key).or_default();
            entry.0 += 1;
            entry.1 += i64::from(overdue);
        }
        counts
            .into_iter()
            .map(|((ward, category, status), (count, overdue_count))| {
                let status = match status {
                    Some(s) => Some(
                        s.parse::<workflow::ReportStatus>()
                            .map_err(|e| Error::Database(DbErr::Custom(e)))?
                            .into(),
                    ),
                    None => None,
                };
                Ok(ReportStatistic {
                    ward: ward.map(|code| AdministrativeUnit { id: ID(code) }),
                    category,
                    status,
                    count,
                    overdue_count,
                })
            })
            .collect()
    }

    /// Reports for officers and admins, newest first, by text, category,
    /// status, ward, agency and submission dates.
    #[graphql(requires_scopes = "officer", requires_scopes = "admin")]
    async fn search_reports(
        &self,
        ctx: &Context<'_>,
        filter: Option<ReportSearchFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Reports> {
        let who = access::current(ctx).ok_or(Error::Unauthenticated)?;
        if !(who.has_role(Role::Officer) || who.has_role(Role::Admin)) {
            return Err(Error::Forbidden.into());
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let page = PageRequest::parse(first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let search = ReportSearch {
            words: filter.text.as_deref().map(search_words).unwrap_or_default(),
            category: filter.category,
            statuses: filter
                .statuses
                .map(|statuses| statuses.into_iter().map(Into::into).collect()),
            ward_code: filter.ward_id.map(|id| id.0),
            agency_id: filter.agency_id.map(|id| id.0),
            created_from: filter.created_from,
            created_to: filter.created_to,
            overdue: filter.overdue,
        };
        let select = reports::search(search, Utc::now());
        Ok(pagination::connection(db, select, page, Report::try_from).await?)
    }
}
