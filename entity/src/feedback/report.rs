//! A citizen's feedback report to the 1022 hotline.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_reports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub title: String,
    pub description: String,
    pub category: String,
    /// `received`, `assigned`, `in_progress`, `resolved`, `rejected`, `closed`.
    pub status: String,
    pub latitude: f64,
    pub longitude: f64,
    pub address: Option<String>,
    /// Code of the administrative unit (owned by geo) the report lies in.
    pub ward_code: Option<String>,
    pub created_at: DateTimeUtc,
    /// The citizen who reported it; None for anonymous and partner reports.
    pub reporter_id: Option<String>,
    /// The agency (owned by directories) handling it, once assigned.
    pub agency_id: Option<String>,
    /// `created_at` plus the category's target handling time.
    pub due_at: Option<DateTimeUtc>,
    pub updated_at: Option<DateTimeUtc>,
    /// When the status last changed (auto-closing counts from it).
    pub status_changed_at: Option<DateTimeUtc>,
    /// Set when the report was resolved (kept after it closes).
    pub resolved_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    /// The agency's answer: the resolution, or the reason for rejecting.
    pub official_answer: Option<String>,
    /// The reporter's rating of the resolution, 1 to 5.
    pub rating_stars: Option<i32>,
    pub rating_comment: Option<String>,
    pub rated_at: Option<DateTimeUtc>,
    /// Citizens who said "me too".
    pub follower_count: i32,
    /// Title, description and address folded for search (`text::fold`).
    pub search_folded: Option<String>,
    /// `app`, or `open311:<key id>` for a partner's request.
    pub source: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
