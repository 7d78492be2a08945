//! Errors of sign-in: the provider, the gateway's tokens and sessions, a
//! caller's credentials, partner keys, and the `/auth/*` and `/admin/*`
//! routes.

use std::borrow::Cow;

use axum::http::StatusCode;
use congdan_common::language::Language;

#[derive(Debug, Clone, thiserror::Error)]
pub enum SignInError {
    /// A missing, malformed, forged, expired or revoked credential.
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(
        "this API key has used its {limit} requests per minute; retry in {retry_after_secs} s"
    )]
    RateLimited { limit: u32, retry_after_secs: u64 },
    /// A sign-in step refused (wrong state, a code the provider refuses, an
    /// ID token that fails a check, ...).
    #[error("{message}")]
    SignIn { code: &'static str, message: String },
    #[error("the refresh token is not valid: {0}")]
    InvalidRefreshToken(String),
    #[error("the identity provider cannot be reached; try again later")]
    ProviderUnavailable,
    /// One step at the provider failed (its userinfo endpoint, ...).
    #[error("the identity provider's {0} failed; try again later")]
    ProviderStepFailed(&'static str),
    /// The provider and the gateway's settings disagree (issuer, client
    /// credentials, ...): not the citizen's fault, and retrying will not
    /// help. Details are logged, for the operators.
    #[error("sign-in is misconfigured on this service; its operators have to fix it")]
    SignInMisconfigured,
    /// `PERSONAL_DATA_KEY` is not the key the citizen records were sealed
    /// with (the citizen subgraph detects it and logs it).
    #[error("sign-in is unavailable: this service's PERSONAL_DATA_KEY is not the key its citizen records were made with; its operators have to restore it")]
    PersonalDataKeyMismatch,
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    BadUserInput(String),
    /// A setting sign-in cannot work with (no usable signing key, no
    /// citizen subgraph in the supergraph, ...).
    #[error("{0}")]
    Config(String),
    /// The gateway's own database failed; details are logged.
    #[error("the gateway's database failed")]
    Database,
}

impl From<sea_orm::DbErr> for SignInError {
    fn from(error: sea_orm::DbErr) -> Self {
        tracing::error!(%error, "gateway database error");
        SignInError::Database
    }
}

impl SignInError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::SignIn { code, .. } => code,
            Self::InvalidRefreshToken(_) => "INVALID_REFRESH_TOKEN",
            Self::ProviderUnavailable | Self::ProviderStepFailed(_) => "PROVIDER_UNAVAILABLE",
            Self::SignInMisconfigured => "SIGN_IN_MISCONFIGURED",
            Self::PersonalDataKeyMismatch => "PERSONAL_DATA_KEY_MISMATCH",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::Config(_) | Self::Database => "INTERNAL_SERVER_ERROR",
        }
    }

    /// What the caller reads, in `language`; the identity provider's words
    /// stay as they came, after a Vietnamese lead.
    pub fn message(&self, language: Language) -> Cow<'_, str> {
        if language == Language::En {
            return self.to_string().into();
        }
        match self {
            Self::Unauthenticated(_) => "Thông tin đăng nhập không hợp lệ hoặc đã hết hiệu lực; hãy đăng nhập lại".into(),
            Self::Forbidden(_) => "Bạn không có quyền thực hiện thao tác này".into(),
            Self::RateLimited {
                limit,
                retry_after_secs,
            } => format!(
                "Khóa API này đã dùng hết {limit} yêu cầu mỗi phút; hãy thử lại sau {retry_after_secs} giây"
            )
            .into(),
            Self::SignIn { message, .. } => format!("Đăng nhập không thành công: {message}").into(),
            Self::InvalidRefreshToken(_) => {
                "Mã làm mới (refresh token) không hợp lệ; hãy đăng nhập lại".into()
            }
            Self::ProviderUnavailable => {
                "Không kết nối được nhà cung cấp định danh; hãy thử lại sau".into()
            }
            Self::ProviderStepFailed(step) => {
                format!("Bước {step} của nhà cung cấp định danh bị lỗi; hãy thử lại sau").into()
            }
            Self::SignInMisconfigured => "Đăng nhập trên dịch vụ này được cấu hình sai; người vận hành cần sửa".into(),
            Self::PersonalDataKeyMismatch => "Tạm thời không đăng nhập được: PERSONAL_DATA_KEY của dịch vụ này không phải khóa đã dùng để tạo hồ sơ công dân; người vận hành cần khôi phục khóa đó".into(),
            Self::NotFound(what) => format!("Không tìm thấy {what}").into(),
            Self::BadUserInput(detail) => format!("Dữ liệu không hợp lệ: {detail}").into(),
            Self::Config(_) => "Cổng được cấu hình sai; người vận hành cần sửa".into(),
            Self::Database => "Cơ sở dữ liệu của cổng bị lỗi".into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated(_) | Self::InvalidRefreshToken(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::SignIn { .. } | Self::BadUserInput(_) => StatusCode::BAD_REQUEST,
            Self::ProviderUnavailable | Self::ProviderStepFailed(_) => StatusCode::BAD_GATEWAY,
            Self::SignInMisconfigured
            | Self::PersonalDataKeyMismatch
            | Self::Config(_)
            | Self::Database => StatusCode::INTERNAL_SERVER_ERROR,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
        }
    }
}
