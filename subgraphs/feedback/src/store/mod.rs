//! Every query of the feedback subgraph, and its loaders. Every change and
//! its outbox event are written in one transaction. GraphQL, Open311 and
//! the jobs all call these.

pub mod agencies;
pub mod categories;
pub mod follows;
pub mod open311;
pub mod personal_data;
pub mod photos;
pub mod reports;
pub mod similar;
pub mod workflow;

use async_graphql::dataloader::DataLoader;
use congdan_common::language::Text;
use congdan_common::loader::{self, ByKey};
use entity::feedback::{category, report};
use sea_orm::{DatabaseConnection, DbErr};

use crate::domain::workflow::TransitionError;

/// Why a change to a report is refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Transition(#[from] TransitionError),
    #[error("report not found")]
    NotFound,
    #[error("the report is already with this agency")]
    SameAgency,
    #[error("the directory has no agency `{0}`")]
    UnknownAgency(String),
    #[error("no agency in the directory handles this category here; choose one")]
    NoRoute,
    #[error("the photo could not be stored")]
    Store(#[source] std::io::Error),
    #[error("database error")]
    Database(#[from] DbErr),
}

impl StoreError {
    /// The message for the caller, in both languages.
    pub fn text(&self) -> Text {
        let vi = match self {
            Self::Transition(error) => return error.text(),
            Self::NotFound => "Không tìm thấy phản ánh".to_string(),
            Self::SameAgency => "Phản ánh đã ở cơ quan này".to_string(),
            Self::UnknownAgency(id) => format!("Danh bạ không có cơ quan `{id}`"),
            Self::NoRoute => {
                "Không có cơ quan nào trong danh bạ xử lý loại phản ánh này ở khu vực này; hãy chọn một cơ quan".to_string()
            }
            Self::Store(_) => "Không lưu được ảnh".to_string(),
            Self::Database(_) => "Lỗi cơ sở dữ liệu".to_string(),
        };
        Text::new(vi, self.to_string())
    }
}

impl From<StoreError> for congdan_common::Error {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Database(e) => congdan_common::Error::Database(e),
            StoreError::Store(e) => {
                tracing::error!(error = %e, "photo store failed");
                congdan_common::Error::Database(DbErr::Custom("photo store failed".into()))
            }
            StoreError::NotFound => congdan_common::Error::not_found("phản ánh", "report"),
            StoreError::Transition(TransitionError::Forbidden) => congdan_common::Error::Forbidden,
            other => congdan_common::Error::BadUserInput(other.text()),
        }
    }
}

/// Reports by id, batched (`_entities`, single lookups).
pub fn reports_by_id(db: DatabaseConnection) -> DataLoader<ByKey<report::Entity>> {
    loader::by_key(db)
}

/// Categories by key, batched (each report's `category`).
pub fn categories_by_key(db: DatabaseConnection) -> DataLoader<ByKey<category::Entity>> {
    loader::by_key(db)
}
