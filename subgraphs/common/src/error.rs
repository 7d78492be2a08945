//! One error type for subgraph resolvers, mapped once to GraphQL errors with
//! `extensions.code`. The error travels as the GraphQL error's source, and
//! [`crate::localize::LocalizeErrors`] writes its message in the request's
//! language; `Display` is English, for logs.

use async_graphql::ErrorExtensions;

use crate::language::{Language, Text};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadUserInput(Text),
    /// What was not found, e.g. "Không tìm thấy báo cáo" / "report not
    /// found" (see [`Error::not_found`]).
    #[error("{0}")]
    NotFound(Text),
    #[error("sign in to see this")]
    Unauthenticated,
    #[error("you are not allowed to do this")]
    Forbidden,
    /// The database failed; the message is logged, never sent to the client.
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
    /// `PERSONAL_DATA_KEY` is not the key stored personal data was sealed
    /// and hashed with (it changed): logged where it is found.
    #[error("this service's PERSONAL_DATA_KEY is not the key its citizen records were made with; its operators have to restore it")]
    PersonalDataKeyMismatch,
}

/// Dataloaders share one error between the requests of a batch.
impl From<std::sync::Arc<sea_orm::DbErr>> for Error {
    fn from(error: std::sync::Arc<sea_orm::DbErr>) -> Self {
        Error::Database(sea_orm::DbErr::Custom(error.to_string()))
    }
}

impl Error {
    /// `BAD_USER_INPUT` with its message in both languages.
    pub fn bad_input(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Error::BadUserInput(Text::new(vi.into(), en.into()))
    }

    /// `NOT_FOUND` of a thing named in both languages ("báo cáo",
    /// "report").
    pub fn not_found(vi: &str, en: &str) -> Self {
        Error::NotFound(Text::new(
            format!("Không tìm thấy {vi}"),
            format!("{en} not found"),
        ))
    }

    pub fn code(&self) -> &'static str {
        match self {
            Error::BadUserInput(_) => "BAD_USER_INPUT",
            Error::NotFound(_) => "NOT_FOUND",
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Forbidden => "FORBIDDEN",
            Error::Database(_) => "INTERNAL_SERVER_ERROR",
            Error::PersonalDataKeyMismatch => "PERSONAL_DATA_KEY_MISMATCH",
        }
    }

    /// What the caller reads, in `language`.
    pub fn message(&self, language: Language) -> &str {
        match self {
            Error::BadUserInput(text) | Error::NotFound(text) => text.get(language),
            Error::Unauthenticated => {
                language.pick("Cần đăng nhập để xem nội dung này", "sign in to see this")
            }
            Error::Forbidden => language.pick(
                "Bạn không có quyền thực hiện thao tác này",
                "you are not allowed to do this",
            ),
            Error::Database(_) => language.pick("Lỗi cơ sở dữ liệu", "database error"),
            Error::PersonalDataKeyMismatch => language.pick(
                "PERSONAL_DATA_KEY của dịch vụ này không phải khóa đã dùng để tạo hồ sơ công dân; người vận hành cần khôi phục khóa đó",
                "this service's PERSONAL_DATA_KEY is not the key its citizen records were made with; its operators have to restore it",
            ),
        }
    }
}

impl From<Error> for async_graphql::Error {
    fn from(error: Error) -> Self {
        if let Error::Database(db) = &error {
            tracing::error!(error = %db, "database error in resolver");
        }
        let code = error.code();
        async_graphql::Error::new_with_source(error).extend_with(|_, e| e.set("code", code))
    }
}
