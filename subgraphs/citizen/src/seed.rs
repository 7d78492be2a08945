//! The service catalog: every service of the twelve feature groups.

use entity::citizen::service;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// (key, group, Vietnamese title, English title, icon, requires sign-in, deep link)
const CATALOG: &[(&str, &str, &str, &str, &str, bool, &str)] = &[
    (
        "feedback.report",
        "feedback",
        "Phản ánh hiện trường",
        "Report an issue",
        "megaphone",
        true,
        "congdan://feedback/new",
    ),
    (
        "feedback.mine",
        "feedback",
        "Phản ánh của tôi",
        "My reports",
        "list-check",
        true,
        "congdan://feedback/mine",
    ),
    (
        "feedback.map",
        "feedback",
        "Bản đồ phản ánh",
        "Reports map",
        "map-pin",
        false,
        "congdan://feedback/map",
    ),
    (
        "education.schools",
        "education",
        "Tra cứu trường học",
        "Find a school",
        "school",
        false,
        "congdan://education/schools",
    ),
    (
        "health.facilities",
        "health",
        "Cơ sở y tế",
        "Clinics and hospitals",
        "hospital",
        false,
        "congdan://health/facilities",
    ),
    (
        "tourism.news",
        "tourism",
        "Tin du lịch",
        "Tourism news",
        "palm-tree",
        false,
        "congdan://tourism/news",
    ),
    (
        "tourism.events",
        "tourism",
        "Lễ hội và sự kiện",
        "Festivals and events",
        "calendar-star",
        false,
        "congdan://tourism/events",
    ),
    (
        "transport.bus",
        "transport",
        "Xe buýt",
        "Buses",
        "bus",
        false,
        "congdan://transport/bus",
    ),
    (
        "transport.cameras",
        "transport",
        "Camera giao thông",
        "Traffic cameras",
        "cctv",
        false,
        "congdan://transport/cameras",
    ),
    (
        "construction.projects",
        "construction",
        "Dự án nhà ở",
        "Housing projects",
        "building",
        false,
        "congdan://construction/projects",
    ),
    (
        "construction.certificates",
        "construction",
        "Chứng chỉ hành nghề môi giới bất động sản",
        "Real-estate practice certificates",
        "certificate",
        false,
        "congdan://construction/certificates",
    ),
    (
        "agencies.contacts",
        "agencies",
        "Danh bạ cơ quan",
        "Agency contacts",
        "phone",
        false,
        "congdan://agencies",
    ),
    (
        "public_services.procedures",
        "public_services",
        "Thủ tục hành chính",
        "Administrative procedures",
        "file-text",
        false,
        "congdan://public-services/procedures",
    ),
    (
        "public_services.dossiers",
        "public_services",
        "Hồ sơ của tôi",
        "My dossiers",
        "folder",
        true,
        "congdan://public-services/dossiers",
    ),
    (
        "map.search",
        "map",
        "Bản đồ",
        "Map",
        "map",
        false,
        "congdan://map",
    ),
    (
        "account.profile",
        "account",
        "Tài khoản",
        "My account",
        "user",
        true,
        "congdan://account",
    ),
    (
        "account.my_services",
        "account",
        "Dịch vụ của tôi",
        "My services",
        "grid",
        true,
        "congdan://account/services",
    ),
    (
        "vneid.sign_in",
        "vneid",
        "Đăng nhập VNeID",
        "Sign in with VNeID",
        "id-card",
        false,
        "congdan://vneid/sign-in",
    ),
    (
        "notifications.inbox",
        "notifications",
        "Thông báo",
        "Notifications",
        "bell",
        true,
        "congdan://notifications",
    ),
    (
        "notifications.alerts",
        "notifications",
        "Cảnh báo khẩn cấp",
        "Emergency alerts",
        "siren",
        false,
        "congdan://notifications/alerts",
    ),
    (
        "notifications.surveys",
        "notifications",
        "Khảo sát",
        "Surveys",
        "clipboard",
        true,
        "congdan://notifications/surveys",
    ),
];

pub async fn seed(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows = CATALOG.iter().enumerate().map(
        |(position, &(key, group, title_vi, title_en, icon, requires_sign_in, deep_link))| {
            service::ActiveModel {
                key: Set(key.to_string()),
                group_key: Set(group.to_string()),
                title_vi: Set(title_vi.to_string()),
                title_en: Set(title_en.to_string()),
                icon: Set(icon.to_string()),
                requires_sign_in: Set(requires_sign_in),
                deep_link: Set(deep_link.to_string()),
                position: Set(position as i32),
            }
        },
    );
    service::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::CATALOG;
    use crate::domain::ServiceGroup;

    #[test]
    fn every_feature_group_has_a_service_and_every_group_key_parses() {
        for &(key, group, ..) in CATALOG {
            assert!(group.parse::<ServiceGroup>().is_ok(), "{key}: {group}");
        }
        let groups: std::collections::HashSet<_> = CATALOG.iter().map(|s| s.1).collect();
        assert_eq!(groups.len(), 12);
    }

    #[test]
    fn the_default_my_services_are_in_the_catalog() {
        for key in crate::domain::DEFAULT_MY_SERVICES {
            assert!(CATALOG.iter().any(|s| s.0 == *key), "{key}");
        }
    }
}
