//! Demo articles, dated back from when the demo data is installed.

use chrono::{DateTime, Duration, Utc};
use entity::content::article;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

struct DemoArticle {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    category: &'static str,
    /// Days before installation it was published.
    published_days_ago: i64,
}

const ARTICLES: &[DemoArticle] = &[
    DemoArticle {
        id: "a1b2c3d4-0001-4000-8000-000000000001",
        title: "Lễ hội Áo dài TP.HCM",
        summary: "Chuỗi hoạt động tôn vinh áo dài tại phố đi bộ Nguyễn Huệ.",
        category: "festival",
        published_days_ago: 40,
    },
    DemoArticle {
        id: "a1b2c3d4-0001-4000-8000-000000000002",
        title: "Đường hoa Nguyễn Huệ Tết Bính Ngọ",
        summary: "Đường hoa mở cửa đón khách từ 28 tháng Chạp.",
        category: "festival",
        published_days_ago: 60,
    },
    DemoArticle {
        id: "a1b2c3d4-0001-4000-8000-000000000003",
        title: "Mở thêm tuyến xe buýt điện",
        summary: "Thành phố đưa vào khai thác thêm tuyến xe buýt điện nối trung tâm với Thủ Đức.",
        category: "news",
        published_days_ago: 12,
    },
    DemoArticle {
        id: "a1b2c3d4-0001-4000-8000-000000000004",
        title: "Ngày hội khởi nghiệp đổi mới sáng tạo",
        summary: "Sự kiện kết nối doanh nghiệp trẻ và nhà đầu tư.",
        category: "event",
        published_days_ago: 3,
    },
];

pub async fn seed(db: &impl ConnectionTrait, installed_at: DateTime<Utc>) -> Result<(), DbErr> {
    let mut rows = Vec::with_capacity(ARTICLES.len());
    for article in ARTICLES {
        let published_at = installed_at - Duration::days(article.published_days_ago);
        rows.push(article::ActiveModel {
            id: Set(article.id.to_string()),
            title: Set(article.title.to_string()),
            summary: Set(article.summary.to_string()),
            body: Set(article.summary.to_string()),
            category: Set(article.category.to_string()),
            published_at: Set(published_at),
        });
    }
    article::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}
