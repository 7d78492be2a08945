use async_graphql::{ComplexObject, SimpleObject, ID};
use entity::citizen::service;

use congdan_common::language::Language;

use crate::domain::ServiceGroup;

/// A service of the app's catalog, e.g. "Phản ánh hiện trường" (feedback).
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct Service {
    /// Same as `key`.
    pub id: ID,
    /// Stable key, e.g. `feedback.report`.
    pub key: String,
    pub group: ServiceGroup,
    /// Name of the icon the apps draw.
    pub icon: String,
    pub requires_sign_in: bool,
    /// Where the app navigates, e.g. `congdan://feedback/new`.
    pub deep_link: String,
    #[graphql(skip)]
    pub title_vi: String,
    #[graphql(skip)]
    pub title_en: String,
}

#[ComplexObject]
impl Service {
    /// The title in the given language (Vietnamese by default).
    async fn title(&self, #[graphql(default)] language: Language) -> &str {
        language.pick(&self.title_vi, &self.title_en)
    }
}

impl TryFrom<service::Model> for Service {
    type Error = congdan_common::Error;

    fn try_from(row: service::Model) -> Result<Self, Self::Error> {
        let group = row
            .group_key
            .parse()
            .map_err(|e: String| congdan_common::Error::Database(sea_orm::DbErr::Custom(e)))?;
        Ok(Self {
            id: ID(row.key.clone()),
            key: row.key,
            group,
            icon: row.icon,
            requires_sign_in: row.requires_sign_in,
            deep_link: row.deep_link,
            title_vi: row.title_vi,
            title_en: row.title_en,
        })
    }
}
