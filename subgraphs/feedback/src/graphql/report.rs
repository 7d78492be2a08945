use async_graphql::{ComplexObject, Context, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use congdan_common::loader::load_one;
use entity::feedback::category;
use entity::feedback::report;

use crate::domain::ReportStatus;

/// A report to the 1022 hotline: an incident or an idea, with its place.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Report {
    pub id: ID,
    pub title: String,
    pub description: String,
    #[graphql(skip)]
    pub category_key: String,
    pub status: ReportStatus,
    pub location: GeoPoint,
    /// The address text the reporter gave, if any.
    pub address: Option<String>,
    /// The ward or commune the report lies in (owned by the geo subgraph).
    pub ward: Option<AdministrativeUnit>,
    pub created_at: DateTime<Utc>,
}

#[ComplexObject]
impl Report {
    /// What the report is about.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<super::ReportCategory>> {
        load_one::<category::Entity, _>(ctx, self.category_key.clone()).await
    }
}

/// A point given by latitude and longitude (WGS 84).
#[derive(SimpleObject, Clone, Copy)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

/// Reference to an administrative unit of the geo subgraph.
#[derive(SimpleObject, Clone)]
#[graphql(unresolvable = "id")]
pub struct AdministrativeUnit {
    pub id: ID,
}

impl TryFrom<report::Model> for Report {
    type Error = congdan_common::Error;

    fn try_from(row: report::Model) -> Result<Self, Self::Error> {
        let status = row
            .status
            .parse()
            .map_err(|e: String| congdan_common::Error::Database(sea_orm::DbErr::Custom(e)))?;
        Ok(Self {
            id: ID(row.id),
            title: row.title,
            description: row.description,
            category_key: row.category,
            status,
            location: GeoPoint {
                latitude: row.latitude,
                longitude: row.longitude,
            },
            address: row.address,
            ward: row
                .ward_code
                .map(|code| AdministrativeUnit { id: ID(code) }),
            created_at: row.created_at,
        })
    }
}
