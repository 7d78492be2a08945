use async_graphql::{SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::feedback::report;

use crate::domain::ReportStatus;

/// A report to the 1022 hotline: an incident or an idea, with its place.
#[derive(SimpleObject, Clone)]
pub struct Report {
    pub id: ID,
    pub title: String,
    pub description: String,
    /// Category key, e.g. `roads`, `street_lights`, `flooding`.
    pub category: String,
    pub status: ReportStatus,
    pub location: GeoPoint,
    /// The address text the reporter gave, if any.
    pub address: Option<String>,
    /// The ward or commune the report lies in (owned by the geo subgraph).
    pub ward: Option<AdministrativeUnit>,
    pub created_at: DateTime<Utc>,
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
            category: row.category,
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
