use async_graphql::{ComplexObject, SimpleObject, ID};
use congdan_common::language::Language;
use entity::feedback::category;

/// A category of feedback, with the kind of agency that handles it and the
/// target handling time that gives a report its due date.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct ReportCategory {
    /// Same as `key`.
    pub id: ID,
    /// Stable key, e.g. `drainage_flooding`.
    pub key: String,
    /// The group it belongs to, e.g. `technical_infrastructure`.
    pub group: String,
    /// The kind of agency responsible, e.g. `commune_committee`.
    pub agency_kind: String,
    /// Target handling time in hours.
    pub target_handling_hours: i32,
    /// Whether a report may be sent without signing in.
    pub allows_anonymous: bool,
    #[graphql(skip)]
    pub title_vi: String,
    #[graphql(skip)]
    pub title_en: String,
}

#[ComplexObject]
impl ReportCategory {
    /// The title in the given language (Vietnamese by default).
    async fn title(&self, #[graphql(default)] language: Language) -> &str {
        language.pick(&self.title_vi, &self.title_en)
    }
}

impl TryFrom<category::Model> for ReportCategory {
    type Error = congdan_common::Error;

    fn try_from(row: category::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: ID(row.key.clone()),
            key: row.key,
            group: row.group_key,
            agency_kind: row.agency_kind,
            target_handling_hours: row.target_hours,
            allows_anonymous: row.allows_anonymous,
            title_vi: row.title_vi,
            title_en: row.title_en,
        })
    }
}
