//! Demo reports around the city centre, with their handling so far. Their
//! times are counted back from when the demo data is installed, so a fresh
//! install always shows a recent picture: nothing overdue yet and nothing
//! the maintenance job would close at once.

use chrono::{DateTime, Duration, Utc};
use congdan_common::text::fold;
use entity::feedback::{category, report, timeline_entry};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::domain::workflow::{Action, ActorRole, ReportStatus};

/// A demo report: (id, title, description, category, status, lat, lng,
/// address, ward code, hours before installation it was received).
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
    i64,
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
        5,
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
        20,
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
        30,
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
        72,
    ),
];

/// The agency handling a demo report: the committee of its ward.
fn demo_agency(ward: &str) -> &'static str {
    match ward {
        "26737" => "ubnd-tan-dinh",
        "26740" => "ubnd-sai-gon",
        _ => "ubnd-ben-thanh",
    }
}

/// Inserts the demo reports as received `installed_at` minus their age.
pub async fn seed(db: &impl ConnectionTrait, installed_at: DateTime<Utc>) -> Result<(), DbErr> {
    let targets: std::collections::HashMap<String, i32> = category::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.key, c.target_hours))
        .collect();
    let mut rows = Vec::with_capacity(REPORTS.len());
    let mut entries = Vec::new();
    for &(id, title, description, category, status, lat, lng, address, ward, age_hours) in REPORTS {
        let created_at = installed_at - Duration::hours(age_hours);
        let status: ReportStatus = status.parse().map_err(DbErr::Custom)?;
        // The demo history: each step an hour after the one before.
        let steps: &[Action] = match status {
            ReportStatus::Assigned => &[Action::Assign],
            ReportStatus::InProgress => &[Action::Assign, Action::Start],
            ReportStatus::Resolved => &[Action::Assign, Action::Start, Action::Resolve],
            _ => &[],
        };
        let agency = (!steps.is_empty()).then(|| demo_agency(ward).to_string());
        let answer = (status == ReportStatus::Resolved).then(|| {
            "Đã yêu cầu hộ kinh doanh thu dọn, trả lại vỉa hè cho người đi bộ.".to_string()
        });
        let mut at = created_at;
        let mut push = |action: Action, at, from: Option<ReportStatus>, agency: Option<String>| {
            entries.push(timeline_entry::ActiveModel {
                id: Set(format!("{}-{:02}", &id[..id.len() - 3], entries.len())),
                report_id: Set(id.to_string()),
                action: Set(action.as_str().to_string()),
                from_status: Set(from.map(|s: ReportStatus| s.as_str().to_string())),
                to_status: Set(action.to_status().as_str().to_string()),
                actor_id: Set(None),
                actor_role: Set(match action {
                    Action::Submit => ActorRole::Reporter,
                    Action::Assign => ActorRole::Dispatcher,
                    _ => ActorRole::Officer,
                }
                .as_str()
                .to_string()),
                agency_id: Set(agency),
                note: Set(None),
                message: Set(if action == Action::Resolve {
                    answer.clone()
                } else {
                    None
                }),
                created_at: Set(at),
            });
        };
        push(Action::Submit, at, None, None);
        let mut from = Some(ReportStatus::Received);
        for &action in steps {
            at += Duration::hours(1);
            push(action, at, from, agency.clone());
            from = Some(action.to_status());
        }
        let hours = targets.get(category).copied().unwrap_or(120);
        rows.push(report::ActiveModel {
            id: Set(id.to_string()),
            title: Set(title.to_string()),
            description: Set(description.to_string()),
            category: Set(category.to_string()),
            status: Set(status.as_str().to_string()),
            latitude: Set(lat),
            longitude: Set(lng),
            address: Set(Some(address.to_string())),
            ward_code: Set(Some(ward.to_string())),
            created_at: Set(created_at),
            reporter_id: Set(None),
            agency_id: Set(agency),
            due_at: Set(Some(created_at + Duration::hours(hours.into()))),
            updated_at: Set(Some(at)),
            status_changed_at: Set(Some(at)),
            resolved_at: Set((status == ReportStatus::Resolved).then_some(at)),
            closed_at: Set(None),
            official_answer: Set(answer),
            rating_stars: Set(None),
            rating_comment: Set(None),
            rated_at: Set(None),
            follower_count: Set(0),
            search_folded: Set(Some(fold(&format!("{title} {description} {address}")))),
            source: Set(Some("app".to_string())),
        });
    }
    report::Entity::insert_many(rows).exec(db).await?;
    timeline_entry::Entity::insert_many(entries)
        .exec(db)
        .await?;
    Ok(())
}
