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
use congdan_common::city_point::CityPoint;
use entity::feedback::{category, open311_key, report};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::domain::{ActorRole, ReportStatus};
use crate::photos::hex;
use crate::service::{self, NewReport};
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
    match category::Entity::find()
        .order_by_asc(category::Column::Position)
        .all(&state.db)
        .await
    {
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
    match category::Entity::find_by_id(code.to_string())
        .one(&state.db)
        .await
    {
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

async fn service_names(
    db: &DatabaseConnection,
    english: bool,
) -> Result<HashMap<String, String>, DbErr> {
    Ok(category::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.key, if english { c.title_en } else { c.title_vi }))
        .collect())
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
    let mut select = report::Entity::find();
    if let Some(ids) = params.get("service_request_id") {
        let ids: Vec<&str> = ids
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        // Other parameters are ignored when ids are given (the standard).
        select = select.filter(report::Column::Id.is_in(ids));
    } else {
        if let Some(codes) = params.get("service_code") {
            select = select.filter(report::Column::Category.is_in(codes.split(',').map(str::trim)));
        }
        if let Some(status) = params.get("status") {
            let mut statuses = Vec::new();
            for s in status.split(',').map(str::trim) {
                match s {
                    "open" => statuses.extend(ReportStatus::OPEN.map(|s| s.as_str())),
                    "closed" => statuses.extend(
                        [
                            ReportStatus::Resolved,
                            ReportStatus::Rejected,
                            ReportStatus::Closed,
                        ]
                        .map(|s| s.as_str()),
                    ),
                    _ => return bad("status is open or closed"),
                }
            }
            select = select.filter(report::Column::Status.is_in(statuses));
        }
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
        let start =
            start.unwrap_or(end.unwrap_or_else(Utc::now) - Duration::days(DEFAULT_WINDOW_DAYS));
        select = select.filter(report::Column::CreatedAt.gte(start));
        if let Some(end) = end {
            select = select.filter(report::Column::CreatedAt.lte(end));
        }
    }
    let rows = select
        .order_by_desc(report::Column::CreatedAt)
        .order_by_asc(report::Column::Id)
        .offset(offset)
        .limit(page_size)
        .all(&state.db)
        .await;
    let names = service_names(&state.db, wants_english(&params)).await;
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
    let row = report::Entity::find_by_id(id.to_string())
        .one(&state.db)
        .await;
    let names = service_names(&state.db, wants_english(&params)).await;
    match (row, names) {
        (Ok(Some(r)), Ok(names)) => Json(json!([request_json(&r, &names)])).into_response(),
        (Ok(None), _) => error(
            StatusCode::NOT_FOUND,
            format!("service_request_id `{id}` not found"),
        ),
        (Err(e), _) | (_, Err(e)) => internal(e),
    }
}

/// SHA-256 of an API key, hex.
fn key_hash(key: &str) -> String {
    hex(&Sha256::digest(key.as_bytes()))
}

/// A new key `o311_<random>` named `name`: (id, key).
pub async fn create_key(db: &DatabaseConnection, name: &str) -> Result<(String, String), DbErr> {
    use base64::Engine as _;
    let key = format!(
        "o311_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>())
    );
    let id = uuid::Uuid::now_v7().to_string();
    open311_key::ActiveModel {
        id: Set(id.clone()),
        name: Set(name.to_string()),
        key_hash: Set(key_hash(&key)),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok((id, key))
}

/// Revokes key `id`; true if it was active.
pub async fn revoke_key(db: &DatabaseConnection, id: &str) -> Result<bool, DbErr> {
    let result = open311_key::Entity::update_many()
        .col_expr(
            open311_key::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(open311_key::Column::Id.eq(id))
        .filter(open311_key::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

async fn active_key(
    db: &DatabaseConnection,
    key: &str,
) -> Result<Option<open311_key::Model>, DbErr> {
    open311_key::Entity::find()
        .filter(open311_key::Column::KeyHash.eq(key_hash(key)))
        .filter(open311_key::Column::RevokedAt.is_null())
        .one(db)
        .await
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
    let Some(code) = form.get("service_code").filter(|c| !c.is_empty()) else {
        return bad("service_code is required");
    };
    let category = match category::Entity::find_by_id(code.clone())
        .one(&state.db)
        .await
    {
        Ok(Some(c)) => c,
        Ok(None) => return bad(&format!("service_code `{code}` not found")),
        Err(e) => return internal(e),
    };
    let coordinate = |name: &str| form.get(name).and_then(|v| v.trim().parse::<f64>().ok());
    let (Some(lat), Some(long)) = (coordinate("lat"), coordinate("long")) else {
        return bad("lat and long are required (this city places requests by coordinates)");
    };
    let point = match CityPoint::parse(lat, long) {
        Ok(point) => point,
        Err(e) => return bad(&e.to_string()),
    };
    let Some(ward) = congdan_geography::locate::unit_at(point.latitude(), point.longitude()) else {
        return bad("the point is not in any ward or commune of Ho Chi Minh City");
    };
    let description = form
        .get("description")
        .map(|d| d.trim().to_string())
        .unwrap_or_default();
    if !(10..=5000).contains(&description.chars().count()) {
        return bad("description takes 10 to 5,000 characters");
    }
    let address = form
        .get("address_string")
        .map(|a| a.trim().chars().take(300).collect::<String>())
        .filter(|a| !a.is_empty());
    // Open311 has no title: the start of the description.
    let first_line = description.lines().next().unwrap_or_default();
    let mut title: String = first_line.chars().take(80).collect();
    if title.chars().count() < 5 {
        title = category.title_vi.clone();
    }
    let submitted = service::submit(
        &state.db,
        state.settings.store.as_ref(),
        NewReport {
            title,
            description,
            category,
            point,
            ward_code: ward.to_string(),
            address,
            reporter_id: None,
            source: format!("open311:{}", key.id),
            actor_role: ActorRole::Partner,
            idempotency_key: None,
            photos: Vec::new(),
        },
    )
    .await;
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
