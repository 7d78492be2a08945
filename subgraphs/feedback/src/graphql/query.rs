use std::collections::BTreeMap;

use async_graphql::connection::{Connection, EmptyFields};
use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use congdan_common::access;
use congdan_common::directives::authenticated;
use congdan_common::loader::{load_entity, load_one};
use congdan_common::pagination::{self, ListInfo, PageRequest};
use congdan_common::text::fold;
use congdan_common::Error;
use congdan_contracts::identity::Role;
use entity::feedback::{category, follower, report};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Select,
};

use super::report::AdministrativeUnit;
use super::{PersonalDataExport, Report, ReportCategory};
use crate::domain::ReportStatus;
use crate::service;

pub struct Query;

type Reports = Connection<String, Report, ListInfo, EmptyFields>;
/// Ward, category, status and due date of one report.
type StatisticsRow = (Option<String>, String, String, Option<DateTime<Utc>>);
/// Ward, category and status (each when grouped by) → (count, overdue).
type StatisticsKey = (Option<String>, Option<String>, Option<String>);

fn newest_first(select: Select<report::Entity>) -> Select<report::Entity> {
    select
        .order_by_desc(report::Column::CreatedAt)
        .order_by_asc(report::Column::Id)
}

/// The reports [`ReportStatus::is_public`] makes public, as SQL: the
/// statuses public either way, or public once resolved with a resolution.
fn publicly_visible() -> Condition {
    let statuses = |keep: fn(&ReportStatus) -> bool| {
        ReportStatus::ALL
            .into_iter()
            .filter(keep)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
    };
    let always = statuses(|s| s.is_public(false));
    let once_resolved = statuses(|s| s.is_public(true) && !s.is_public(false));
    Condition::any()
        .add(report::Column::Status.is_in(always))
        .add(
            Condition::all()
                .add(report::Column::Status.is_in(once_resolved))
                .add(report::Column::ResolvedAt.is_not_null()),
        )
}

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
        let mut select = newest_first(report::Entity::find());
        if let Some(status) = status {
            select = select.filter(report::Column::Status.eq(status.as_str()));
        }
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
        let select = category::Entity::find().order_by_asc(category::Column::Position);
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
        let found = service::similar(
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
        let select =
            newest_first(report::Entity::find().filter(report::Column::ReporterId.eq(citizen)));
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
        let followed = follower::Entity::find()
            .select_only()
            .column(follower::Column::ReportId)
            .filter(follower::Column::CitizenId.eq(citizen))
            .into_query();
        let select =
            newest_first(report::Entity::find().filter(report::Column::Id.in_subquery(followed)));
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
        let valid = [south, west, north, east].iter().all(|v| v.is_finite())
            && (-90.0..=90.0).contains(&south)
            && (-90.0..=90.0).contains(&north)
            && (-180.0..=180.0).contains(&west)
            && (-180.0..=180.0).contains(&east)
            && south <= north
            && west <= east;
        if !valid {
            return Err(Error::bad_input(
                "Khung cần có nam ≤ bắc và tây ≤ đông, tính bằng độ",
                "the box needs south ≤ north and west ≤ east, in degrees",
            )
            .into());
        }
        let mut select = newest_first(
            report::Entity::find()
                .filter(publicly_visible())
                .filter(report::Column::Latitude.between(south, north))
                .filter(report::Column::Longitude.between(west, east)),
        );
        if let Some(category) = category {
            select = select.filter(report::Column::Category.eq(category));
        }
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
        let mut select = report::Entity::find()
            .select_only()
            .column(report::Column::WardCode)
            .column(report::Column::Category)
            .column(report::Column::Status)
            .column(report::Column::DueAt);
        if let Some(from) = created_from {
            select = select.filter(report::Column::CreatedAt.gte(from));
        }
        if let Some(to) = created_to {
            select = select.filter(report::Column::CreatedAt.lt(to));
        }
        let rows: Vec<StatisticsRow> = select.into_tuple().all(db).await.map_err(Error::from)?;
        let by = |d| group_by.contains(&d);
        let mut counts: BTreeMap<StatisticsKey, (i64, i64)> = BTreeMap::new();
        for (ward, category, status, due) in rows {
            let overdue = status.parse::<ReportStatus>().is_ok_and(|s| s.is_open())
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
                        s.parse()
                            .map_err(|e: String| Error::Database(sea_orm::DbErr::Custom(e)))?,
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
        let mut select = report::Entity::find();
        if let Some(text) = &filter.text {
            for word in fold(text).split(' ').filter(|w| !w.is_empty()) {
                let word: String = word
                    .chars()
                    .filter(|c| !matches!(c, '%' | '_' | '\\'))
                    .collect();
                if !word.is_empty() {
                    select = select.filter(report::Column::SearchFolded.contains(&word));
                }
            }
        }
        if let Some(category) = filter.category {
            select = select.filter(report::Column::Category.eq(category));
        }
        if let Some(statuses) = filter.statuses {
            select =
                select.filter(report::Column::Status.is_in(statuses.iter().map(|s| s.as_str())));
        }
        if let Some(ward) = filter.ward_id {
            select = select.filter(report::Column::WardCode.eq(ward.0));
        }
        if let Some(agency) = filter.agency_id {
            select = select.filter(report::Column::AgencyId.eq(agency.0));
        }
        if let Some(from) = filter.created_from {
            select = select.filter(report::Column::CreatedAt.gte(from));
        }
        if let Some(to) = filter.created_to {
            select = select.filter(report::Column::CreatedAt.lt(to));
        }
        if let Some(overdue) = filter.overdue {
            let late = Condition::all()
                .add(report::Column::Status.is_in(ReportStatus::OPEN.map(|s| s.as_str())))
                .add(report::Column::DueAt.lt(Utc::now()));
            select = select.filter(if overdue { late } else { late.not() });
        }
        Ok(pagination::connection(db, newest_first(select), page, Report::try_from).await?)
    }
}
