//! Demo agencies: city hotlines and the people's committees of a few wards.

use congdan_common::text::fold;
use entity::directories::agency;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

pub struct DemoAgency {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub hotline: Option<&'static str>,
    /// Code of the administrative unit (geo) the agency serves.
    pub ward: Option<&'static str>,
}

const fn hotline(
    id: &'static str,
    name: &'static str,
    kind: &'static str,
    number: &'static str,
) -> DemoAgency {
    DemoAgency {
        id,
        name,
        kind,
        hotline: Some(number),
        ward: None,
    }
}

const fn agency(id: &'static str, name: &'static str, kind: &'static str) -> DemoAgency {
    DemoAgency {
        id,
        name,
        kind,
        hotline: None,
        ward: None,
    }
}

const fn committee(id: &'static str, name: &'static str, ward: &'static str) -> DemoAgency {
    DemoAgency {
        id,
        name,
        kind: "commune_committee",
        hotline: None,
        ward: Some(ward),
    }
}

pub const AGENCIES: &[DemoAgency] = &[
    hotline("hotline-1022", "Tổng đài 1022 TP.HCM", "hotline", "1022"),
    hotline(
        "police-113",
        "Công an TP.HCM (cảnh sát 113)",
        "police",
        "113",
    ),
    hotline(
        "fire-114",
        "Cảnh sát phòng cháy chữa cháy và cứu nạn cứu hộ",
        "fire",
        "114",
    ),
    hotline("ambulance-115", "Trung tâm cấp cứu 115", "health", "115"),
    // The city's units each report category is routed to by its kind
    // (see feedback's categories).
    agency(
        "so-xay-dung",
        "Sở Xây dựng TP.HCM (hạ tầng kỹ thuật đô thị)",
        "urban_infrastructure",
    ),
    agency(
        "sawaco",
        "Tổng công ty Cấp nước Sài Gòn (SAWACO)",
        "water_company",
    ),
    hotline(
        "evnhcmc",
        "Tổng công ty Điện lực TP.HCM (EVNHCMC)",
        "electricity_company",
        "19001006",
    ),
    agency(
        "thanh-tra-xay-dung",
        "Thanh tra Sở Xây dựng TP.HCM",
        "construction_inspectorate",
    ),
    agency(
        "csgt-tphcm",
        "Phòng Cảnh sát giao thông, Công an TP.HCM",
        "traffic_police",
    ),
    agency(
        "van-phong-ubnd-tp",
        "Văn phòng Ủy ban nhân dân TP.HCM",
        "city_office",
    ),
    committee("ubnd-sai-gon", "Ủy ban nhân dân phường Sài Gòn", "26740"),
    committee(
        "ubnd-ben-thanh",
        "Ủy ban nhân dân phường Bến Thành",
        "26743",
    ),
    committee("ubnd-tan-dinh", "Ủy ban nhân dân phường Tân Định", "26737"),
];

pub async fn seed(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows = AGENCIES.iter().map(|a| agency::ActiveModel {
        id: Set(a.id.to_string()),
        name: Set(a.name.to_string()),
        name_folded: Set(fold(a.name)),
        kind: Set(a.kind.to_string()),
        hotline: Set(a.hotline.map(str::to_string)),
        address: Set(None),
        ward_code: Set(a.ward.map(str::to_string)),
    });
    agency::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}
