//! Open311 GeoReport v2 at `/open311/v2`, so existing Open311 clients and
//! partner agencies can read and write reports: `services.json`,
//! `services/{code}.json`, `requests.json` (GET with the standard filters,
//! POST with an `api_key`), `requests/{id}.json`. JSON only; errors are the
//! standard's `[{"code", "description"}]` with the same HTTP status.
//!
//! API keys: a subgraph cannot see the gateway's partner keys (they are
//! the gateway's tables, and a request reaching the subgraph carries only
//! the identity the gateway signed). So the feedback subgraph keeps its own
//! Open311 keys, created and revoked by admins through GraphQL
//! (`createOpen311ApiKey`, `revokeOpen311ApiKey`), stored as SHA-256; a
//! request a key posts records `open311:<key id>` as its source.
//!
//! Personal fields of the standard (`email`, `first_name`, `last_name`,
//! `phone`, `device_id`, `account_id`) are accepted and not stored: a
//! partner's reports are anonymous to the city. `media_url` is never given
//! out (photos are shown only to who may track a report).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use chrono::{DateTime, Duration, Utc};
use entity::feedback::{category, report};
use sea_orm::{DatabaseConnection, DbErr};
use serde_json::{json, Value};

use crate::domain::new_report::{Channel, NewReport, ReportInput, ReportInputError};
use crate::domain::workflow::ReportStatus;
use crate::store::open311::{active_key, RequestFilter};
use crate::store::{categories, reports};
use crate::Settings;

/// Where the facade is mounted.
pub const BASE: &str = "/open311/v2";
/// Requests a GET answers when no page size is given, and at most.
const DEFAULT_PAGE_SIZE: u64 = 100;
const MAX_PAGE_SIZE: u64 = 1000;
/// Without dates, requests of the last 90 days (the standard's default).
const DEFAULT_WINDOW_DAYS: i64 = 90;

#[derive(Clone)]
pub struct Open311 {
    pub db: DatabaseConnection,
    pub settings: Arc<Settings>,
}

pub fn router(state: Open311) -> Router {
    Router::new()
        .route(&format!("{BASE}/services.json"), get(services))
        .route(
            &format!("{BASE}/services/{{file}}"),
            get(service_definition),
        )
        .route(
            &format!("{BASE}/requests.json"),
            get(requests).post(post_request),
        )
        .route(&format!("{BASE}/requests/{{file}}"), get(one_request))
        // JSON only: the XML twins answer the standard's error.
        .route(&format!("{BASE}/services.xml"), get(not_found))
        .route(
            &format!("{BASE}/requests.xml"),
            get(not_found).post(not_found),
        )
        .layer(axum::middleware::from_fn(refuse_control_characters))
        .with_state(state)
}

/// Largest form a partner posts (a description is at most 5,000
/// characters).
const MAX_FORM_BYTES: usize = 64 * 1024;

/// Refuses a request whose path, query or form carries a control character
/// (PostgreSQL cannot store U+0000; no field needs one), with the
/// standard's 400, before any handler reads it.
async fn refuse_control_characters(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let refused = |text: &str| {
        text.chars()
            .any(congdan_common::control_characters::is_refused)
    };
    let decoded = |bytes: &[u8]| {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
            .map(|pairs| pairs.iter().any(|(k, v)| refused(k) || refused(v)))
            .unwrap_or(true)
    };
    let bad = || {
        error(
            StatusCode::BAD_REQUEST,
            "text may not contain control characters",
        )
    };
    let uri = request.uri();
    let path_refused = uri.path().split('/').any(|segment| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("s={segment}"))
            .map(|pairs| pairs.iter().any(|(_, v)| refused(v)))
            .unwrap_or(true)
    });
    if path_refused || uri.query().is_some_and(|q| decoded(q.as_bytes())) {
        return bad();
    }
    if request.method() != axum::http::Method::POST {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return error(StatusCode::PAYLOAD_TOO_LARGE, "the form is too large");
    };
    if decoded(&bytes) {
        return bad();
    }
    next.run(axum::extract::Request::from_parts(parts, bytes.into()))
        .await
}

/// The standard's error body.
fn error(status: StatusCode, description: impl Into<String>) -> Response {
    (
        status,
        Json(json!([{ "code": status.as_u16(), "description": description.into() }])),
    )
        .into_response()
}

fn internal(e: DbErr) -> Response {
    tracing::error!(error = %e, "open311: database error");
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

async fn not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "no such Open311 resource (JSON only: paths end in .json)",
    )
}

/// `x.json` → `x`; other formats are not served.
fn json_name(file: &str) -> Option<&str> {
    file.strip_suffix(".json").filter(|n| !n.is_empty())
}

fn wants_english(params: &HashMap<String, String>) -> bool {
    params.get("lang").is_some_and(|l| l.starts_with("en"))
}

fn service_json(c: &category::Model, english: bool) -> Value {
    json!({
        "service_code": c.key,
        "service_name": if english { &c.title_en } else { &c.title_vi },
        "description": format!("{} / {}", c.title_vi, c.title_en),
        "metadata": false,
        "type": "realtime",
        "keywords": format!("{},{}", c.group_key, c.agency_kind),
        "group": c.group_key,
    })
}

async fn services(
    State(state): State<Open311>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match categories::in_order().all(&state.db).await {
        Ok(rows) => Json(
            rows.iter()
                .map(|c| service_json(c, wants_english(&params)))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => internal(e),
    }
}

/// Our services take no extra attributes (`metadata: false`), so a
/// definition lists none.
async fn service_definition(State(state): State<Open311>, Path(file): Path<String>) -> Response {
    let Some(code) = json_name(&file) else {
        return not_found().await;
    };
    match categories::by_key(&state.db, code).await {
        Ok(Some(c)) => Json(json!({ "service_code": c.key, "attributes": [] })).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            format!("service_code `{code}` not found"),
        ),
        Err(e) => internal(e),
    }
}

fn open311_status(status: &str) -> &'static str {
    match status.parse::<ReportStatus>() {
        Ok(s) if s.is_open() => "open",
        _ => "closed",
    }
}

/// A request as Open311 shows it: its words (description, address, the
/// answer) only once public by [`ReportStatus::is_public`]; never who
/// reported it.
fn request_json(r: &report::Model, names: &HashMap<String, String>) -> Value {
    let public = r
        .status
        .parse::<ReportStatus>()
        .is_ok_and(|s| s.is_public(r.resolved_at.is_some()));
    let words = |text: &Option<String>| text.as_ref().filter(|_| public).cloned();
    json!({
        "service_request_id": r.id,
        "status": open311_status(&r.status),
        "status_notes": words(&r.official_answer),
        "service_name": names.get(&r.category),
        "service_code": r.category,
        "description": words(&Some(r.description.clone())),
        "agency_responsible": r.agency_id,
        "service_notice": Value::Null,
        "requested_datetime": r.created_at.to_rfc3339(),
        "updated_datetime": r.updated_at.unwrap_or(r.created_at).to_rfc3339(),
        "expected_datetime": r.due_at.map(|d| d.to_rfc3339()),
        "address": words(&r.address),
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": r.latitude,
        "long": r.longitude,
        "media_url": Value::Null,
    })
}

fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

async fn requests(
    State(state): State<Open311>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let bad = |what: &str| error(StatusCode::BAD_REQUEST, what.to_string());
    // Some(None): present but not a number.
    let number = |name: &str| params.get(name).map(|v| v.parse::<u64>().ok());
    let (page, page_size) = match (number("page"), number("page_size")) {
        (Some(None), _) => return bad("page must be a whole number"),
        (_, Some(None)) => return bad("page_size must be a whole number"),
        (page, size) => (
            page.flatten().unwrap_or(1).max(1),
            size.flatten()
                .unwrap_or(DEFAULT_PAGE_SIZE)
                .clamp(1, MAX_PAGE_SIZE),
        ),
    };
    // Pages past the deepest offset any list serves are refused, never
    // multiplied into an offset the database cannot take.
    let offset = match (page - 1).checked_mul(page_size) {
        Some(offset) if offset <= congdan_common::pagination::MAX_OFFSET => offset,
        _ => {
            return bad(&format!(
                "page is too large: at most {} requests can be paged through; narrow the search with start_date and end_date",
                congdan_common::pagination::MAX_OFFSET
            ))
        }
    };
    let filter = if let Some(ids) = params.get("service_request_id") {
        // Other parameters are ignored when ids are given (the standard).
        RequestFilter::Ids(
            ids.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        )
    } else {
        let service_codes = params
            .get("service_code")
            .map(|codes| codes.split(',').map(|c| c.trim().to_string()).collect());
        let statuses = match params.get("status") {
            None => None,
            Some(status) => {
                let mut statuses = Vec::new();
                for s in status.split(',').map(str::trim) {
                    match s {
                        "open" => statuses.extend(ReportStatus::OPEN),
                        "closed" => statuses.extend([
                            ReportStatus::Resolved,
                            ReportStatus::Rejected,
                            ReportStatus::Closed,
                        ]),
                        _ => return bad("status is open or closed"),
                    }
                }
                Some(statuses)
            }
        };
        let end = match params.get("end_date").map(|d| parse_date(d)) {
            None => None,
            Some(Some(d)) => Some(d),
            Some(None) => return bad("end_date must be a W3C (RFC 3339) date-time"),
        };
        let start = match params.get("start_date").map(|d| parse_date(d)) {
            None => None,
            Some(Some(d)) => Some(d),
            Some(None) => return bad("start_date must be a W3C (RFC 3339) date-time"),
        };
        RequestFilter::Matching {
            service_codes,
            statuses,
            start: start
                .unwrap_or(end.unwrap_or_else(Utc::now) - Duration::days(DEFAULT_WINDOW_DAYS)),
            end,
        }
    };
    let rows = crate::store::open311::requests(&state.db, filter, offset, page_size).await;
    let names = categories::titles(&state.db, wants_english(&params)).await;
    match (rows, names) {
        (Ok(rows), Ok(names)) => Json(
            rows.iter()
                .map(|r| request_json(r, &names))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        (Err(e), _) | (_, Err(e)) => internal(e),
    }
}

async fn one_request(
    State(state): State<Open311>,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let Some(id) = json_name(&file) else {
        return not_found().await;
    };
    let row = reports::by_id(&state.db, id).await;
    let names = categories::titles(&state.db, wants_english(&params)).await;
    match (row, names) {
        (Ok(Some(r)), Ok(names)) => Json(json!([request_json(&r, &names)])).into_response(),
        (Ok(None), _) => error(
            StatusCode::NOT_FOUND,
            format!("service_request_id `{id}` not found"),
        ),
        (Err(e), _) | (_, Err(e)) => internal(e),
    }
}

/// Posts a service request (`application/x-www-form-urlencoded`, as the
/// standard says): `api_key`, `service_code`, `lat`, `long`,
/// `description`, optional `address_string`.
async fn post_request(
    State(state): State<Open311>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let bad = |what: &str| error(StatusCode::BAD_REQUEST, what.to_string());
    let key = match form.get("api_key").map(String::as_str) {
        None | Some("") => return error(StatusCode::FORBIDDEN, "api_key is required"),
        Some(key) => key,
    };
    let key = match active_key(&state.db, key).await {
        Ok(Some(key)) => key,
        Ok(None) => return error(StatusCode::FORBIDDEN, "api_key is not valid"),
        Err(e) => return internal(e),
    };
    let code = form.get("service_code").cloned().unwrap_or_default();
    let category = match categories::by_key(&state.db, &code).await {
        Ok(category) => category,
        Err(e) => return internal(e),
    };
    let coordinate = |name: &str| form.get(name).and_then(|v| v.trim().parse::<f64>().ok());
    let parsed = NewReport::parse(ReportInput {
        channel: Channel::Open311 { key_id: key.id },
        category_key: code,
        category,
        description: form.get("description").cloned().unwrap_or_default(),
        coordinates: coordinate("lat").zip(coordinate("long")),
        address: form.get("address_string").cloned(),
        photos: Vec::new(),
    });
    let new = match parsed {
        Ok(new) => new,
        Err(errors) => {
            let first = errors.iter().min_by_key(|e| precedence(e));
            return bad(&first.map_or_else(|| "the request is not valid".into(), refusal));
        }
    };
    let submitted = reports::submit(&state.db, state.settings.store.as_ref(), new).await;
    match submitted {
        Ok(s) => (
            StatusCode::CREATED,
            Json(json!([{
                "service_request_id": s.report.id,
                "service_notice": "Tiếp nhận qua Tổng đài 1022 / Received by the 1022 hotline",
                "account_id": Value::Null,
            }])),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "open311: could not store a request");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

/// Which error of a refused request is answered (one, as the standard's
/// errors go): the service, then the place, then the words.
fn precedence(error: &ReportInputError) -> u8 {
    match error {
        ReportInputError::UnknownCategory(_) => 0,
        ReportInputError::NoCoordinates => 1,
        ReportInputError::Point(_) => 2,
        ReportInputError::OutsideCity => 3,
        _ => 4,
    }
}

/// The 400 answer's description for `error`, in the standard's terms.
fn refusal(error: &ReportInputError) -> String {
    match error {
        ReportInputError::UnknownCategory(code) if code.is_empty() => {
            "service_code is required".to_string()
        }
        ReportInputError::UnknownCategory(code) => format!("service_code `{code}` not found"),
        ReportInputError::NoCoordinates => {
            "lat and long are required (this city places requests by coordinates)".to_string()
        }
        ReportInputError::Description => "description takes 10 to 5,000 characters".to_string(),
        other => other.to_string(),
    }
}
