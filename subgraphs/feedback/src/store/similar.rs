//! Similar reports: open ones of the same category at the same place,
//! recently, so a citizen can follow one instead of reporting it again.

use chrono::{DateTime, Duration, Utc};
use congdan_geography::distance::{haversine_m, BoundingBox};
use entity::feedback::report;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::domain::workflow::ReportStatus;

/// Radius of "the same place" for similar reports, in metres.
pub const SIMILAR_RADIUS_M: f64 = 50.0;
/// How far back similar reports are looked for.
pub const SIMILAR_WINDOW_DAYS: i64 = 7;

/// Open reports of `category` within 50 m of the point from the last 7
/// days, nearest first, with their distance in metres.
pub async fn similar(
    db: &impl ConnectionTrait,
    category: &str,
    lat: f64,
    lon: f64,
    now: DateTime<Utc>,
    exclude: Option<&str>,
) -> Result<Vec<(report::Model, f64)>, DbErr> {
    let BoundingBox {
        south,
        west,
        north,
        east,
    } = BoundingBox::around(lat, lon, SIMILAR_RADIUS_M);
    let mut select = report::Entity::find()
        .filter(report::Column::Category.eq(category))
        .filter(report::Column::Status.is_in(ReportStatus::OPEN.map(|s| s.as_str())))
        .filter(report::Column::CreatedAt.gte(now - Duration::days(SIMILAR_WINDOW_DAYS)))
        .filter(report::Column::Latitude.between(south, north))
        .filter(report::Column::Longitude.between(west, east));
    if let Some(id) = exclude {
        select = select.filter(report::Column::Id.ne(id));
    }
    let mut found: Vec<(report::Model, f64)> = select
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            let d = haversine_m(lat, lon, row.latitude, row.longitude);
            (row, d)
        })
        .filter(|(_, d)| *d <= SIMILAR_RADIUS_M)
        .collect();
    found.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(found)
}
