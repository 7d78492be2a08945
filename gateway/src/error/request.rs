//! Errors of a GraphQL request (those that stop it before execution),
//! mapped once to an HTTP status, a GraphQL error code and a message in the
//! caller's language ([`RequestError::message`]).

use std::borrow::Cow;

use axum::http::StatusCode;
use congdan_common::language::Language;

use super::SignInError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum RequestError {
    #[error("the request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("send the request body as JSON, with `Content-Type: application/json`")]
    UnsupportedMediaType,
    #[error("the request has no `query`; send the GraphQL document in `query`")]
    MissingQuery,
    #[error("`variables` must be a JSON object")]
    InvalidVariables,
    #[error("`extensions` must be a JSON object")]
    InvalidExtensions,
    #[error("{0}")]
    Variables(String),
    /// Apollo clients look for this exact message.
    #[error("PersistedQueryNotFound")]
    PersistedQueryNotFound,
    #[error("PersistedQueryNotSupported")]
    PersistedQueryNotSupported,
    #[error("this gateway runs registered operations only, and this one is not registered")]
    PersistedQueryNotInList,
    #[error("{0}")]
    PersistedQuery(String),
    #[error("syntax error in the query: {0}")]
    Parse(String),
    /// One entry per problem, each with its place in the document.
    #[error("{}", crate::plan::Problem::summary(.0))]
    Validation(Vec<crate::plan::Problem>),
    #[error("{0}")]
    UnknownOperation(String),
    #[error("mutations are only accepted with POST")]
    MutationOverGet,
    #[error("a subscription needs a stream: send it with `Accept: text/event-stream` or over a WebSocket")]
    SubscriptionNotSupported,
    /// A JSON array body with more operations than the gateway runs at once.
    #[error("a batch may hold at most {limit} operations; this one has {actual}")]
    BatchTooLarge { actual: usize, limit: usize },
    #[error("the batch is empty; send at least one operation")]
    EmptyBatch,
    #[error(transparent)]
    Limit(#[from] crate::plan::limits::LimitExceeded),
    #[error("the request body is larger than {0} bytes")]
    BodyTooLarge(usize),
    #[error("introspection is disabled on this gateway; partners get it with their API key")]
    IntrospectionDisabled,
    #[error("the gateway could not plan this operation")]
    Plan(String),
    /// The planner found no way to answer a valid operation from the
    /// subgraphs (the supergraph cannot serve it as asked).
    #[error("no plan answers this operation with the services behind the gateway: {0}")]
    Unplannable(String),
    /// Planning was stopped by its deadline or its caller leaving; turned
    /// into the planning limit's error where it is known which.
    #[error("planning was stopped")]
    PlanningStopped,
    #[error("the gateway is shutting down; retry")]
    ShuttingDown,
    #[error("{0}")]
    Forbidden(String),
    /// The caller's credentials are refused (see `auth`).
    #[error(transparent)]
    Credentials(#[from] SignInError),
    #[error(
        "this address has sent {limit} anonymous changes in a minute; retry in {retry_after_secs} s, or sign in"
    )]
    AnonymousRateLimited { limit: u32, retry_after_secs: u64 },
    /// The subgraph a subscription needs cannot be reached.
    #[error("the {0} service is unavailable; try again later")]
    SubgraphUnavailable(String),
    /// A multipart (file upload) request that breaks the specification.
    #[error("{0}")]
    Upload(String),
}

impl RequestError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::MalformedJson(_)
            | Self::MissingQuery
            | Self::InvalidVariables
            | Self::InvalidExtensions => "BAD_REQUEST",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::Parse(_) => "GRAPHQL_PARSE_FAILED",
            Self::Validation(_) => "GRAPHQL_VALIDATION_FAILED",
            Self::UnknownOperation(_) => "OPERATION_RESOLUTION_FAILURE",
            Self::Variables(_) => "BAD_USER_INPUT",
            Self::PersistedQueryNotFound => "PERSISTED_QUERY_NOT_FOUND",
            Self::PersistedQueryNotSupported => "PERSISTED_QUERY_NOT_SUPPORTED",
            Self::PersistedQueryNotInList => "PERSISTED_QUERY_NOT_IN_LIST",
            Self::PersistedQuery(_) => "BAD_REQUEST",
            Self::IntrospectionDisabled => "INTROSPECTION_DISABLED",
            Self::Limit(_) | Self::BodyTooLarge(_) | Self::PlanningStopped => "LIMIT_EXCEEDED",
            Self::ShuttingDown => "SHUTTING_DOWN",
            Self::MutationOverGet => "METHOD_NOT_ALLOWED",
            Self::SubscriptionNotSupported | Self::EmptyBatch => "BAD_REQUEST",
            Self::BatchTooLarge { .. } => "BATCH_TOO_LARGE",
            Self::Unplannable(_) => "QUERY_PLANNING_FAILED",
            Self::Plan(_) => "INTERNAL_SERVER_ERROR",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::AnonymousRateLimited { .. } => "RATE_LIMITED",
            Self::SubgraphUnavailable(_) => "SUBGRAPH_UNAVAILABLE",
            Self::Upload(_) => "BAD_REQUEST",
            Self::Credentials(error) => error.code(),
        }
    }

    /// What the caller reads, in `language`. Details that come from
    /// elsewhere (a parser's or the identity provider's words) stay as they
    /// came, after a Vietnamese lead; `PersistedQueryNotFound` and
    /// `PersistedQueryNotSupported` are protocol words clients look for.
    pub fn message(&self, language: Language) -> Cow<'_, str> {
        if language == Language::En {
            return self.to_string().into();
        }
        let vi: Cow<'_, str> = match self {
            Self::MalformedJson(detail) => {
                format!("Nội dung yêu cầu không phải JSON hợp lệ: {detail}").into()
            }
            Self::UnsupportedMediaType => {
                "Hãy gửi nội dung yêu cầu dạng JSON, với `Content-Type: application/json`".into()
            }
            Self::MissingQuery => {
                "Yêu cầu không có `query`; hãy gửi tài liệu GraphQL trong `query`".into()
            }
            Self::InvalidVariables => "`variables` phải là một đối tượng JSON".into(),
            Self::InvalidExtensions => "`extensions` phải là một đối tượng JSON".into(),
            Self::Variables(detail) => format!("Biến không hợp lệ: {detail}").into(),
            Self::PersistedQueryNotFound | Self::PersistedQueryNotSupported => {
                self.to_string().into()
            }
            Self::PersistedQueryNotInList => {
                "Cổng này chỉ chạy các thao tác đã đăng ký, và thao tác này chưa được đăng ký".into()
            }
            Self::PersistedQuery(detail) => {
                format!("Truy vấn lưu sẵn không hợp lệ: {detail}").into()
            }
            Self::Parse(detail) => format!("Lỗi cú pháp trong truy vấn: {detail}").into(),
            Self::Validation(problems) => format!(
                "Truy vấn không hợp lệ: {}",
                crate::plan::Problem::summary(problems)
            )
            .into(),
            Self::UnknownOperation(detail) => {
                format!("Không xác định được thao tác cần chạy: {detail}").into()
            }
            Self::MutationOverGet => "Thao tác thay đổi dữ liệu (mutation) chỉ được gửi bằng POST".into(),
            Self::SubscriptionNotSupported => "Đăng ký theo dõi (subscription) cần một luồng: hãy gửi với `Accept: text/event-stream` hoặc qua WebSocket".into(),
            Self::BatchTooLarge { actual, limit } => format!(
                "Một lô chỉ được có tối đa {limit} thao tác; lô này có {actual}"
            )
            .into(),
            Self::EmptyBatch => "Lô rỗng; hãy gửi ít nhất một thao tác".into(),
            Self::Limit(limit) => limit.message_vi().into(),
            Self::BodyTooLarge(limit) => {
                format!("Nội dung yêu cầu lớn hơn {limit} byte").into()
            }
            Self::IntrospectionDisabled => "Cổng này đã tắt introspection; đối tác dùng khóa API của mình để truy cập".into(),
            Self::Plan(_) => "Cổng không lập được kế hoạch cho thao tác này".into(),
            Self::Unplannable(detail) => format!(
                "Không có kế hoạch nào trả lời được thao tác này bằng các dịch vụ phía sau cổng: {detail}"
            )
            .into(),
            Self::PlanningStopped => "Việc lập kế hoạch đã bị dừng".into(),
            Self::ShuttingDown => "Cổng đang tắt; hãy thử lại".into(),
            Self::Forbidden(_) => "Bạn không có quyền thực hiện thao tác này".into(),
            Self::AnonymousRateLimited {
                limit,
                retry_after_secs,
            } => format!(
                "Địa chỉ này đã gửi {limit} thay đổi ẩn danh trong một phút; hãy thử lại sau {retry_after_secs} giây, hoặc đăng nhập"
            )
            .into(),
            Self::SubgraphUnavailable(name) => {
                format!("Dịch vụ {name} hiện không truy cập được; hãy thử lại sau").into()
            }
            Self::Upload(detail) => format!("Yêu cầu tải tệp không hợp lệ: {detail}").into(),
            Self::Credentials(error) => return error.message(language),
        };
        vi
    }

    /// The status for a client that accepts `application/graphql-response+json`
    /// (GraphQL over HTTP); legacy `application/json` clients get 200 for
    /// documents that parse as JSON, as the specification allows.
    pub fn status(&self, graphql_response_json: bool) -> StatusCode {
        match self {
            Self::MalformedJson(_)
            | Self::MissingQuery
            | Self::InvalidVariables
            | Self::InvalidExtensions => StatusCode::BAD_REQUEST,
            Self::MutationOverGet => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Limit(_)
            | Self::PlanningStopped
            | Self::Unplannable(_)
            | Self::PersistedQuery(_)
            | Self::PersistedQueryNotInList => StatusCode::BAD_REQUEST,
            Self::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            // Apollo's protocol: the client retries with the text.
            Self::PersistedQueryNotFound | Self::PersistedQueryNotSupported => StatusCode::OK,
            Self::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Plan(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::AnonymousRateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Credentials(error) => error.status(),
            Self::SubgraphUnavailable(_) => StatusCode::BAD_GATEWAY,
            Self::Upload(_) | Self::BatchTooLarge { .. } | Self::EmptyBatch => {
                StatusCode::BAD_REQUEST
            }
            Self::Parse(_)
            | Self::Validation(_)
            | Self::UnknownOperation(_)
            | Self::IntrospectionDisabled
            | Self::Variables(_)
            | Self::SubscriptionNotSupported => {
                if graphql_response_json {
                    StatusCode::BAD_REQUEST
                } else {
                    StatusCode::OK
                }
            }
        }
    }
}
