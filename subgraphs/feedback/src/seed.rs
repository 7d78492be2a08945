//! Demo reports around the city centre.

use chrono::{TimeZone, Utc};
use entity::feedback::report;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// A demo report: (id, title, description, category, status, lat, lng,
/// address, ward code, created y/m/d h).
type DemoReport = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    f64,
    f64,
    &'static str,
    &'static str,
    (i32, u32, u32, u32),
);

pub const REPORTS: &[DemoReport] = &[
    (
        "5f0c1a8e-0001-4000-8000-000000000001",
        "Ổ gà lớn trên đường Lê Lợi",
        "Ổ gà sâu khoảng 20 cm trước số 60 Lê Lợi, xe máy dễ té ngã.",
        "roads",
        "received",
        10.7731,
        106.7003,
        "60 Lê Lợi",
        "26740",
        (2026, 11, 27, 8),
    ),
    (
        "5f0c1a8e-0001-4000-8000-000000000002",
        "Đèn đường không sáng",
        "Ba trụ đèn liên tiếp trên đường Lý Tự Trọng không sáng vào ban đêm.",
        "street_lights",
        "assigned",
        10.7769,
        106.6953,
        "Lý Tự Trọng",
        "26743",
        (2026, 11, 26, 21),
    ),
    (
        "5f0c1a8e-0001-4000-8000-000000000003",
        "Ngập nước sau mưa",
        "Đoạn đường ngập sâu 30 cm mỗi khi mưa lớn, kéo dài hơn một giờ.",
        "drainage_flooding",
        "in_progress",
        10.7905,
        106.6870,
        "Nguyễn Hữu Cảnh",
        "26737",
        (2026, 11, 20, 17),
    ),
    (
        "5f0c1a8e-0001-4000-8000-000000000004",
        "Lấn chiếm vỉa hè",
        "Quán ăn đặt bàn ghế chiếm hết vỉa hè, người đi bộ phải xuống lòng đường.",
        "sidewalk_encroachment",
        "resolved",
        10.7690,
        106.6920,
        "Bùi Viện",
        "26743",
        (2026, 11, 15, 10),
    ),
];

pub async fn seed(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let mut rows = Vec::with_capacity(REPORTS.len());
    for &(id, title, description, category, status, lat, lng, address, ward, (y, m, d, h)) in
        REPORTS
    {
        let created_at = Utc
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .ok_or_else(|| DbErr::Custom(format!("bad date for report {id}")))?;
        rows.push(report::ActiveModel {
            id: Set(id.to_string()),
            title: Set(title.to_string()),
            description: Set(description.to_string()),
            category: Set(category.to_string()),
            status: Set(status.to_string()),
            latitude: Set(lat),
            longitude: Set(lng),
            address: Set(Some(address.to_string())),
            ward_code: Set(Some(ward.to_string())),
            created_at: Set(created_at),
        });
    }
    report::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}
