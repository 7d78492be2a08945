//! Feedback categories are reference data every deployment needs, so they
//! are inserted here rather than with the demo data. Titles follow the
//! groups of HCMC's 1022 hotline; target times follow its service levels
//! (answered within 5 days unless the category is urgent).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FeedbackCategories {
    Table,
    Key,
    GroupKey,
    TitleVi,
    TitleEn,
    AgencyKind,
    TargetHours,
    AllowsAnonymous,
    Position,
}

/// (key, group, Vietnamese, English, agency kind, target hours, anonymous allowed)
const CATEGORIES: &[(&str, &str, &str, &str, &str, i32, bool)] = &[
    (
        "roads",
        "technical_infrastructure",
        "Đường sá, cầu, hầm",
        "Roads, bridges and tunnels",
        "urban_infrastructure",
        120,
        true,
    ),
    (
        "street_lights",
        "technical_infrastructure",
        "Chiếu sáng công cộng",
        "Street lights",
        "urban_infrastructure",
        72,
        true,
    ),
    (
        "drainage_flooding",
        "technical_infrastructure",
        "Thoát nước, ngập nước",
        "Drainage and flooding",
        "urban_infrastructure",
        48,
        true,
    ),
    (
        "trees",
        "technical_infrastructure",
        "Cây xanh",
        "Trees",
        "urban_infrastructure",
        48,
        true,
    ),
    (
        "water_supply",
        "technical_infrastructure",
        "Cấp nước",
        "Water supply",
        "water_company",
        48,
        true,
    ),
    (
        "electricity",
        "technical_infrastructure",
        "Điện",
        "Electricity",
        "electricity_company",
        24,
        true,
    ),
    (
        "environment_sanitation",
        "environment",
        "Môi trường, vệ sinh",
        "Environment and sanitation",
        "commune_committee",
        120,
        true,
    ),
    (
        "sidewalk_encroachment",
        "urban_order",
        "Lấn chiếm vỉa hè, lòng đường",
        "Sidewalk encroachment",
        "commune_committee",
        120,
        true,
    ),
    (
        "illegal_construction",
        "urban_order",
        "Xây dựng trái phép",
        "Illegal construction",
        "construction_inspectorate",
        120,
        true,
    ),
    (
        "traffic",
        "traffic",
        "Giao thông",
        "Traffic",
        "traffic_police",
        24,
        true,
    ),
    (
        "security_order",
        "security",
        "An ninh, trật tự",
        "Security and public order",
        "police",
        24,
        true,
    ),
    (
        "economy",
        "economy",
        "Kinh tế",
        "Economy",
        "commune_committee",
        120,
        false,
    ),
    (
        "culture_society",
        "culture_society",
        "Văn hóa, xã hội",
        "Culture and society",
        "commune_committee",
        120,
        false,
    ),
    (
        "ideas",
        "ideas",
        "Hiến kế cho thành phố",
        "Ideas for the city",
        "city_office",
        240,
        false,
    ),
    ("other", "other", "Khác", "Other", "hotline", 120, false),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedbackCategories::Table)
                    .if_not_exists()
                    .col(string_len(FeedbackCategories::Key, 64).primary_key())
                    .col(string_len(FeedbackCategories::GroupKey, 64))
                    .col(string(FeedbackCategories::TitleVi))
                    .col(string(FeedbackCategories::TitleEn))
                    .col(string_len(FeedbackCategories::AgencyKind, 64))
                    .col(integer(FeedbackCategories::TargetHours))
                    .col(boolean(FeedbackCategories::AllowsAnonymous))
                    .col(integer(FeedbackCategories::Position))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert();
        insert.into_table(FeedbackCategories::Table).columns([
            FeedbackCategories::Key,
            FeedbackCategories::GroupKey,
            FeedbackCategories::TitleVi,
            FeedbackCategories::TitleEn,
            FeedbackCategories::AgencyKind,
            FeedbackCategories::TargetHours,
            FeedbackCategories::AllowsAnonymous,
            FeedbackCategories::Position,
        ]);
        for (position, &(key, group, vi, en, agency, hours, anonymous)) in
            CATEGORIES.iter().enumerate()
        {
            insert
                .values([
                    key.into(),
                    group.into(),
                    vi.into(),
                    en.into(),
                    agency.into(),
                    hours.into(),
                    anonymous.into(),
                    (position as i32).into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedbackCategories::Table).to_owned())
            .await
    }
}
