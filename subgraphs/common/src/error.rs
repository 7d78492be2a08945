//! One error type for subgraph resolvers, mapped once to GraphQL errors with
//! `extensions.code`.

use async_graphql::ErrorExtensions;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadUserInput(String),
    #[error("{what} not found")]
    NotFound { what: &'static str },
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
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadUserInput(_) => "BAD_USER_INPUT",
            Error::NotFound { .. } => "NOT_FOUND",
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Forbidden => "FORBIDDEN",
            Error::Database(_) => "INTERNAL_SERVER_ERROR",
            Error::PersonalDataKeyMismatch => "PERSONAL_DATA_KEY_MISMATCH",
        }
    }
}

impl From<Error> for async_graphql::Error {
    fn from(error: Error) -> Self {
        if let Error::Database(db) = &error {
            tracing::error!(error = %db, "database error in resolver");
        }
        let code = error.code();
        async_graphql::Error::new(error.to_string()).extend_with(|_, e| e.set("code", code))
    }
}
