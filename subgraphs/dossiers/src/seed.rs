//! Demo procedures: a few common ones, with illustrative codes in the national
//! format. The real catalogue comes from the national public-service portal.

use congdan_common::text::fold;
use entity::dossiers::procedure;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// (code, name, field, level, processing days, fee in đồng)
const PROCEDURES: &[(&str, &str, &str, &str, i32, i64)] = &[
    (
        "1.001193.000.00.00.H29",
        "Đăng ký khai sinh",
        "Hộ tịch",
        "commune",
        1,
        0,
    ),
    (
        "1.000894.000.00.00.H29",
        "Đăng ký kết hôn",
        "Hộ tịch",
        "commune",
        1,
        0,
    ),
    (
        "1.000656.000.00.00.H29",
        "Đăng ký khai tử",
        "Hộ tịch",
        "commune",
        1,
        0,
    ),
    (
        "1.001022.000.00.00.H29",
        "Cấp bản sao trích lục hộ tịch",
        "Hộ tịch",
        "commune",
        1,
        8000,
    ),
    (
        "1.000494.000.00.00.H29",
        "Cấp giấy phép xây dựng nhà ở riêng lẻ",
        "Hoạt động xây dựng",
        "commune",
        15,
        75000,
    ),
    (
        "1.001612.000.00.00.H29",
        "Đăng ký thành lập hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        "commune",
        3,
        100000,
    ),
    (
        "1.004227.000.00.00.H29",
        "Cấp phiếu lý lịch tư pháp",
        "Lý lịch tư pháp",
        "city",
        10,
        200000,
    ),
    (
        "2.000908.000.00.00.H29",
        "Chứng thực bản sao từ bản chính",
        "Chứng thực",
        "commune",
        1,
        2000,
    ),
];

pub async fn seed(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows =
        PROCEDURES.iter().map(
            |&(code, name, field, level, days, fee)| procedure::ActiveModel {
                code: Set(code.to_string()),
                name: Set(name.to_string()),
                name_folded: Set(fold(name)),
                field: Set(field.to_string()),
                level: Set(level.to_string()),
                processing_days: Set(days),
                fee_vnd: Set(fee),
            },
        );
    procedure::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}
