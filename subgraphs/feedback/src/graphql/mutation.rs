use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, Upload, ID};
use chrono::Utc;
use congdan_common::access;
use congdan_common::city_point::{CityPoint, CityPointError};
use congdan_common::directives::authenticated;
use congdan_common::language::Text;
use congdan_common::user_error::UserError;
use congdan_common::Error;
use congdan_contracts::identity::Role;
use entity::feedback::category;
use sea_orm::{DatabaseConnection, EntityTrait};

use super::report::TimelineEntry;
use super::Report;
use crate::config::MAX_PHOTOS;
use crate::domain::{Action, ActorRole, TransitionError};
use crate::photos::{self, CheckedPhoto};
use crate::service::{self, FollowOutcome, NewReport, ServiceError, Step, StepBy};
use crate::Settings;

pub struct Mutation;

/// A new report.
#[derive(InputObject)]
pub struct SubmitReportInput {
    /// 5 to 200 characters.
    pub title: String,
    /// 10 to 5,000 characters.
    pub description: String,
    /// A category key from `reportCategories`.
    pub category: String,
    /// Where it is (WGS 84), inside the city.
    pub latitude: f64,
    pub longitude: f64,
    /// Address text, if the reporter gives one.
    pub address: Option<String>,
    /// Chosen by the app for this submission (8 to 128 letters, digits, `-`
    /// or `_`); a retry with the same key returns the first report and
    /// creates nothing.
    pub idempotency_key: String,
    /// Up to 5 photos (JPEG, PNG or WebP, 5 MiB each), sent with the
    /// GraphQL multipart request specification.
    pub photos: Option<Vec<Upload>>,
}

#[derive(SimpleObject)]
pub struct SubmitReportPayload {
    /// The report, when the input was valid.
    pub report: Option<Report>,
    /// Open reports of the same category within 50 m from the last 7 days:
    /// the citizen may follow one of those instead (`followReport`).
    pub similar_reports: Vec<Report>,
    pub user_errors: Vec<UserError>,
}

/// Sending a report to an agency (from the hotline) or to another agency.
#[derive(InputObject)]
pub struct AssignReportInput {
    pub report_id: ID,
    /// The agency's id in the directories subgraph; without it, the agency
    /// the report's category routes to (of the category's kind, serving
    /// the report's ward, else the whole city).
    pub agency_id: Option<ID>,
    /// The officers' internal note (up to 2,000 characters): staff see it,
    /// the citizen never does.
    pub note: Option<String>,
    /// What the reporter and followers are told with this step (up to
    /// 2,000 characters); without it, their notification gives the new
    /// status.
    pub message: Option<String>,
    pub photos: Option<Vec<Upload>>,
}

/// A workflow step that needs only a note.
#[derive(InputObject)]
pub struct ReportStepInput {
    pub report_id: ID,
    /// The officers' internal note (up to 2,000 characters).
    pub note: Option<String>,
    /// What the reporter and followers are told (up to 2,000 characters).
    pub message: Option<String>,
    pub photos: Option<Vec<Upload>>,
}

#[derive(InputObject)]
pub struct ResolveReportInput {
    pub report_id: ID,
    /// The official answer the reporter and the public see (5 to 5,000
    /// characters).
    pub answer: String,
    pub photos: Option<Vec<Upload>>,
}

#[derive(InputObject)]
pub struct RejectReportInput {
    pub report_id: ID,
    /// Why (required, 5 to 2,000 characters).
    pub reason: String,
}

#[derive(InputObject)]
pub struct RateReportInput {
    pub report_id: ID,
    /// 1 to 5.
    pub stars: i32,
    /// Up to 2,000 characters.
    pub comment: Option<String>,
}

#[derive(SimpleObject)]
pub struct ReportStepPayload {
    /// The report after the step, when it was taken.
    pub report: Option<Report>,
    /// The step's entry in the report's timeline.
    pub timeline_entry: Option<TimelineEntry>,
    pub user_errors: Vec<UserError>,
}

impl ReportStepPayload {
    fn refused(errors: Vec<UserError>) -> Self {
        Self {
            report: None,
            timeline_entry: None,
            user_errors: errors,
        }
    }
}

#[derive(SimpleObject)]
pub struct FollowReportPayload {
    pub report: Option<Report>,
    pub user_errors: Vec<UserError>,
}

/// A new Open311 API key; the key is shown only here.
#[derive(SimpleObject)]
pub struct Open311ApiKey {
    pub id: ID,
    pub name: String,
    pub key: String,
}

#[Object]
impl Mutation {
    /// Reports an incident or an idea to the 1022 hotline, as the signed-in
    /// citizen; without sign-in, only in categories that allow anonymous
    /// reports. The point is placed in a ward; similar open reports nearby
    /// come back with it.
    async fn submit_report(
        &self,
        ctx: &Context<'_>,
        input: SubmitReportInput,
    ) -> Result<SubmitReportPayload> {
        let db = ctx.data::<DatabaseConnection>()?;
        let settings = ctx.data::<Arc<Settings>>()?;
        let reporter = access::current(ctx)
            .and_then(|i| i.citizen_id())
            .map(str::to_string);
        let (point, mut errors) = validate(&input);
        let category = category::Entity::find_by_id(input.category.clone())
            .one(db)
            .await
            .map_err(Error::from)?;
        match &category {
            None => errors.push(UserError::new(
                &["input", "category"],
                "UNKNOWN_CATEGORY",
                Text::new(
                    format!("`{}` không phải loại phản ánh", input.category),
                    format!("`{}` is not a report category", input.category),
                ),
            )),
            Some(c) if !c.allows_anonymous && reporter.is_none() => errors.push(UserError::new(
                &["input", "category"],
                "SIGN_IN_REQUIRED",
                Text::new(
                    "Phản ánh thuộc loại này cần đăng nhập",
                    "reports in this category need a signed-in citizen",
                ),
            )),
            Some(_) => {}
        }
        let ward =
            point.and_then(|p| congdan_geography::locate::unit_at(p.latitude(), p.longitude()));
        if point.is_some() && ward.is_none() {
            errors.push(UserError::new(
                &["input", "latitude"],
                "OUTSIDE_CITY",
                Text::new(
                    "Điểm này không thuộc phường, xã nào của Thành phố Hồ Chí Minh",
                    "the point is not in any ward or commune of Ho Chi Minh City",
                ),
            ));
        }
        let photos = check_photos(ctx, input.photos.as_deref(), settings, &["input", "photos"]);
        let photos = match photos {
            Ok(photos) => photos,
            Err(photo_errors) => {
                errors.extend(photo_errors);
                Vec::new()
            }
        };
        let (Some(point), Some(category), Some(ward)) = (point, category, ward) else {
            return Ok(refused(errors));
        };
        if !errors.is_empty() {
            return Ok(refused(errors));
        }
        let submitted = service::submit(
            db,
            settings.store.as_ref(),
            NewReport {
                title: input.title.trim().to_string(),
                description: input.description.trim().to_string(),
                category,
                point,
                ward_code: ward.to_string(),
                address: input
                    .address
                    .as_deref()
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string),
                reporter_id: reporter.clone(),
                source: "app".into(),
                actor_role: ActorRole::Reporter,
                idempotency_key: Some(input.idempotency_key.clone()),
                photos,
            },
        )
        .await
        .map_err(Error::from)?;
        if !submitted.created && submitted.report.reporter_id != reporter {
            return Ok(refused(vec![UserError::new(
                &["input", "idempotencyKey"],
                "IDEMPOTENCY_KEY_REUSED",
                Text::new(
                    "Khóa chống trùng lặp này đã được dùng cho một phản ánh khác",
                    "this idempotency key was used for another report",
                ),
            )]));
        }
        let row = submitted.report;
        let similar = service::similar(
            db,
            &row.category,
            row.latitude,
            row.longitude,
            Utc::now(),
            Some(&row.id),
        )
        .await
        .map_err(Error::from)?;
        Ok(SubmitReportPayload {
            report: Some(Report::try_from(row)?),
            similar_reports: similar.into_iter().map(|(row, _)| Report { row }).collect(),
            user_errors: Vec::new(),
        })
    }

    /// Sends a received report to the agency that will handle it (the 1022
    /// hotline's officers and admins).
    #[graphql(requires_scopes = "officer", requires_scopes = "admin")]
    async fn assign_report(
        &self,
        ctx: &Context<'_>,
        input: AssignReportInput,
    ) -> Result<ReportStepPayload> {
        let mut step = Step::new(Action::Assign);
        step.agency_id = input.agency_id.as_ref().map(|id| id.0.clone());
        step.note = input.note;
        step.message = input.message;
        let errors = check_agency(input.agency_id.as_ref());
        take(ctx, &input.report_id, step, input.photos.as_deref(), errors).await
    }

    /// Moves an assigned or in-progress report to another agency (officers
    /// of its agency, the hotline, admins).
    #[graphql(requires_scopes = "officer", requires_scopes = "admin")]
    async fn transfer_report(
        &self,
        ctx: &Context<'_>,
        input: AssignReportInput,
    ) -> Result<ReportStepPayload> {
        let mut step = Step::new(Action::Transfer);
        step.agency_id = input.agency_id.as_ref().map(|id| id.0.clone());
        step.note = input.note;
        step.message = input.message;
        let errors = check_agency(input.agency_id.as_ref());
        take(ctx, &input.report_id, step, input.photos.as_deref(), errors).await
    }

    /// The agency starts handling an assigned report (its officers, admins).
    #[graphql(requires_scopes = "officer", requires_scopes = "admin")]
    async fn start_report_progress(
        &self,
        ctx: &Context<'_>,
        input: ReportStepInput,
    ) -> Result<ReportStepPayload> {
        let mut step = Step::new(Action::Start);
        step.note = input.note;
        step.message = input.message;
        take(
            ctx,
            &input.report_id,
            step,
            input.photos.as_deref(),
            Vec::new(),
        )
        .await
    }

    /// The agency has handled the report and answers (its officers, admins).
    #[graphql(requires_scopes = "officer", requires_scopes = "admin")]
    async fn resolve_report(
        &self,
        ctx: &Context<'_>,
        input: ResolveReportInput,
    ) -> Result<ReportStepPayload> {
        let answer = input.answer.trim().to_string();
        let mut errors = Vec::new();
        if !(5..=5000).contains(&answer.chars().count()) {
            errors.push(UserError::new(
                &["input", "answer"],
                "ANSWER_REQUIRED",
                Text::new(
                    "Câu trả lời dài từ 5 đến 5.000 ký tự",
                    "the answer takes 5 to 5,000 characters",
                ),
            ));
        }
        let mut step = Step::new(Action::Resolve);
        step.answer = Some(answer);
        take(ctx, &input.report_id, step, input.photos.as_deref(), errors).await
    }

    /// Rejects a report that is not the city's to handle, a duplicate or
    /// unfounded, with the reason (the hotline, officers of its agency,
    /// admins).
    #[graphql(requires_scopes = "officer", requires_scopes = "admin")]
    async fn reject_report(
        &self,
        ctx: &Context<'_>,
        input: RejectReportInput,
    ) -> Result<ReportStepPayload> {
        let reason = input.reason.trim().to_string();
        let mut errors = Vec::new();
        if !(5..=2000).contains(&reason.chars().count()) {
            errors.push(UserError::new(
                &["input", "reason"],
                "REASON_REQUIRED",
                Text::new(
                    "Từ chối cần có lý do dài từ 5 đến 2.000 ký tự",
                    "a rejection needs a reason of 5 to 2,000 characters",
                ),
            ));
        }
        let mut step = Step::new(Action::Reject);
        step.answer = Some(reason);
        take(ctx, &input.report_id, step, None, errors).await
    }

    /// The reporter rates the resolution, once; this closes the report.
    #[graphql(directive = authenticated::apply())]
    async fn rate_report(
        &self,
        ctx: &Context<'_>,
        input: RateReportInput,
    ) -> Result<ReportStepPayload> {
        let mut errors = Vec::new();
        if !(1..=5).contains(&input.stars) {
            errors.push(UserError::new(
                &["input", "stars"],
                "BAD_USER_INPUT",
                Text::new("Đánh giá từ 1 đến 5 sao", "a rating is 1 to 5 stars"),
            ));
        }
        let comment = input
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
        if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
            errors.push(UserError::new(
                &["input", "comment"],
                "BAD_USER_INPUT",
                Text::new(
                    "Nhận xét dài tối đa 2.000 ký tự",
                    "the comment takes at most 2,000 characters",
                ),
            ));
        }
        let mut step = Step::new(Action::Rate);
        step.rating = Some((input.stars, comment));
        take(ctx, &input.report_id, step, None, errors).await
    }

    /// "Me too": follows an open report, which counts once per citizen.
    /// Following again changes nothing.
    #[graphql(directive = authenticated::apply())]
    async fn follow_report(&self, ctx: &Context<'_>, id: ID) -> Result<FollowReportPayload> {
        let citizen = access::require_citizen(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let (outcome, row) = service::follow(db, &id, citizen)
            .await
            .map_err(Error::from)?;
        let error = match outcome {
            FollowOutcome::Followed | FollowOutcome::AlreadyFollowing => None,
            FollowOutcome::OwnReport => Some(UserError::new(
                &["id"],
                "OWN_REPORT",
                Text::new(
                    "Bạn là người gửi phản ánh này",
                    "you reported this yourself",
                ),
            )),
            FollowOutcome::NotOpen => Some(UserError::new(
                &["id"],
                "NOT_OPEN",
                Text::new(
                    "Chỉ theo dõi được phản ánh đang được xử lý",
                    "only reports still being handled can be followed",
                ),
            )),
        };
        Ok(FollowReportPayload {
            report: Some(Report::try_from(row)?),
            user_errors: error.into_iter().collect(),
        })
    }

    /// Stops following a report.
    #[graphql(directive = authenticated::apply())]
    async fn unfollow_report(&self, ctx: &Context<'_>, id: ID) -> Result<FollowReportPayload> {
        let citizen = access::require_citizen(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = service::unfollow(db, &id, citizen)
            .await
            .map_err(Error::from)?;
        Ok(FollowReportPayload {
            report: Some(Report::try_from(row)?),
            user_errors: Vec::new(),
        })
    }

    /// Closes, now, the reports resolved or rejected longer ago than the
    /// configured number of days (the maintenance job does this hourly);
    /// returns how many were closed. Admins only.
    #[graphql(requires_scopes = "admin")]
    async fn close_expired_reports(&self, ctx: &Context<'_>) -> Result<i32> {
        access::require_role(ctx, Role::Admin)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let settings = ctx.data::<Arc<Settings>>()?;
        let closed = service::close_expired(
            db,
            settings.store.as_ref(),
            Utc::now(),
            settings.config.auto_close_after_days,
        )
        .await
        .map_err(Error::from)?;
        Ok(closed as i32)
    }

    /// A new API key for a partner posting Open311 service requests
    /// (admins). The key is shown once; it is stored hashed.
    #[graphql(requires_scopes = "admin")]
    async fn create_open311_api_key(
        &self,
        ctx: &Context<'_>,
        name: String,
    ) -> Result<Open311ApiKey> {
        access::require_role(ctx, Role::Admin)?;
        let name = name.trim().to_string();
        if !(1..=100).contains(&name.chars().count()) {
            return Err(Error::bad_input(
                "Tên dài từ 1 đến 100 ký tự",
                "the name takes 1 to 100 characters",
            )
            .into());
        }
        let db = ctx.data::<DatabaseConnection>()?;
        let (id, key) = crate::open311::create_key(db, &name)
            .await
            .map_err(Error::from)?;
        Ok(Open311ApiKey {
            id: ID(id),
            name,
            key,
        })
    }

    /// Revokes an Open311 API key (admins); true if it was active.
    #[graphql(requires_scopes = "admin")]
    async fn revoke_open311_api_key(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        access::require_role(ctx, Role::Admin)?;
        let db = ctx.data::<DatabaseConnection>()?;
        Ok(crate::open311::revoke_key(db, &id)
            .await
            .map_err(Error::from)?)
    }
}

fn refused(errors: Vec<UserError>) -> SubmitReportPayload {
    SubmitReportPayload {
        report: None,
        similar_reports: Vec::new(),
        user_errors: errors,
    }
}

fn check_agency(agency: Option<&ID>) -> Vec<UserError> {
    let Some(agency) = agency else {
        return Vec::new();
    };
    let ok = (1..=64).contains(&agency.len())
        && agency
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Vec::new()
    } else {
        vec![UserError::new(
            &["input", "agencyId"],
            "BAD_USER_INPUT",
            Text::new(
                "Mã cơ quan gồm 1 đến 64 chữ cái, chữ số, `-` hoặc `_`",
                "an agency id takes 1 to 64 letters, digits, `-` or `_`",
            ),
        )]
    }
}

/// Reads and checks the uploaded photos: at most [`MAX_PHOTOS`], each
/// within the size limit and a JPEG, PNG or WebP by its bytes.
fn check_photos(
    ctx: &Context<'_>,
    uploads: Option<&[Upload]>,
    settings: &Settings,
    field: &[&str],
) -> Result<Vec<CheckedPhoto>, Vec<UserError>> {
    let uploads = uploads.unwrap_or_default();
    if uploads.len() > MAX_PHOTOS {
        return Err(vec![UserError::new(
            field,
            "TOO_MANY_PHOTOS",
            Text::new(
                format!("Tối đa {MAX_PHOTOS} ảnh"),
                format!("at most {MAX_PHOTOS} photos"),
            ),
        )]);
    }
    let mut checked = Vec::new();
    let mut errors = Vec::new();
    for (i, upload) in uploads.iter().enumerate() {
        let index = i.to_string();
        let mut path: Vec<&str> = field.to_vec();
        path.push(&index);
        let result = upload
            .value(ctx)
            .map_err(|_| photos::PhotoError::Unreadable)
            .and_then(|value| photos::check(value.into_read(), settings.config.photo_max_bytes));
        match result {
            Ok(photo) => checked.push(photo),
            Err(error) => errors.push(UserError::new(&path, error.code(), error.text())),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// Takes a workflow step for the caller and shapes the payload: a role
/// that may never take it is `FORBIDDEN`; the wrong status, bad input and
/// bad photos are user errors.
async fn take(
    ctx: &Context<'_>,
    report_id: &ID,
    mut step: Step,
    uploads: Option<&[Upload]>,
    mut errors: Vec<UserError>,
) -> Result<ReportStepPayload> {
    let identity = access::current(ctx).ok_or(Error::Unauthenticated)?;
    let db = ctx.data::<DatabaseConnection>()?;
    let settings = ctx.data::<Arc<Settings>>()?;
    for (text, field) in [(&mut step.note, "note"), (&mut step.message, "message")] {
        if text.as_ref().is_some_and(|n| n.chars().count() > 2000) {
            errors.push(UserError::new(
                &["input", field],
                "BAD_USER_INPUT",
                Text::new(
                    format!("Trường `{field}` dài tối đa 2.000 ký tự"),
                    format!("a {field} takes at most 2,000 characters"),
                ),
            ));
        }
        *text = text
            .take()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
    }
    match check_photos(ctx, uploads, settings, &["input", "photos"]) {
        Ok(photos) => step.photos = photos,
        Err(photo_errors) => errors.extend(photo_errors),
    }
    if !errors.is_empty() {
        return Ok(ReportStepPayload::refused(errors));
    }
    let result = service::take_step(
        db,
        settings.store.as_ref(),
        &settings.config.dispatch_agency,
        report_id,
        StepBy::Person(identity),
        step,
    )
    .await;
    match result {
        Ok(stepped) => {
            let staff = service::is_staff_for(
                Some(identity),
                &stepped.report,
                &settings.config.dispatch_agency,
            );
            let photos = photos_of_entry(db, &stepped.entry.id, settings).await?;
            Ok(ReportStepPayload {
                timeline_entry: Some(TimelineEntry::new(stepped.entry, staff, photos)?),
                report: Some(Report::try_from(stepped.report)?),
                user_errors: Vec::new(),
            })
        }
        Err(ServiceError::Transition(TransitionError::InvalidTransition { action, from })) => {
            Ok(ReportStepPayload::refused(vec![UserError::new(
                &["input", "reportId"],
                "INVALID_TRANSITION",
                TransitionError::InvalidTransition { action, from }.text(),
            )]))
        }
        Err(ServiceError::SameAgency) => Ok(ReportStepPayload::refused(vec![UserError::new(
            &["input", "agencyId"],
            "SAME_AGENCY",
            ServiceError::SameAgency.text(),
        )])),
        Err(error @ ServiceError::UnknownAgency(_)) => {
            Ok(ReportStepPayload::refused(vec![UserError::new(
                &["input", "agencyId"],
                "UNKNOWN_AGENCY",
                error.text(),
            )]))
        }
        Err(ServiceError::NoRoute) => Ok(ReportStepPayload::refused(vec![UserError::new(
            &["input", "agencyId"],
            "NO_ROUTE",
            ServiceError::NoRoute.text(),
        )])),
        Err(other) => Err(Error::from(other).into()),
    }
}

async fn photos_of_entry(
    db: &DatabaseConnection,
    entry_id: &str,
    settings: &Settings,
) -> Result<Vec<super::report::ReportPhoto>> {
    use entity::feedback::photo;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    Ok(photo::Entity::find()
        .filter(photo::Column::TimelineEntryId.eq(entry_id))
        .order_by_asc(photo::Column::Id)
        .all(db)
        .await
        .map_err(Error::from)?
        .iter()
        .map(|p| super::report::ReportPhoto::new(p, settings))
        .collect())
}

fn validate(input: &SubmitReportInput) -> (Option<CityPoint>, Vec<UserError>) {
    let mut errors = Vec::new();
    let title = input.title.trim().chars().count();
    if !(5..=200).contains(&title) {
        errors.push(UserError::new(
            &["input", "title"],
            "BAD_USER_INPUT",
            Text::new(
                "Tiêu đề dài từ 5 đến 200 ký tự",
                "the title takes 5 to 200 characters",
            ),
        ));
    }
    let description = input.description.trim().chars().count();
    if !(10..=5000).contains(&description) {
        errors.push(UserError::new(
            &["input", "description"],
            "BAD_USER_INPUT",
            Text::new(
                "Nội dung mô tả dài từ 10 đến 5.000 ký tự",
                "the description takes 10 to 5,000 characters",
            ),
        ));
    }
    if input
        .address
        .as_ref()
        .is_some_and(|a| a.chars().count() > 300)
    {
        errors.push(UserError::new(
            &["input", "address"],
            "BAD_USER_INPUT",
            Text::new(
                "Địa chỉ dài tối đa 300 ký tự",
                "the address takes at most 300 characters",
            ),
        ));
    }
    let key = &input.idempotency_key;
    if !(8..=128).contains(&key.len())
        || !key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        errors.push(UserError::new(
            &["input", "idempotencyKey"],
            "BAD_USER_INPUT",
            Text::new(
                "Khóa chống trùng lặp gồm 8 đến 128 chữ cái, chữ số, `-` hoặc `_`",
                "the idempotency key takes 8 to 128 letters, digits, `-` or `_`",
            ),
        ));
    }
    let point = match CityPoint::parse(input.latitude, input.longitude) {
        Ok(point) => Some(point),
        Err(error) => {
            let code = match error {
                CityPointError::OutsideCity(..) => "OUTSIDE_CITY",
                CityPointError::NotACoordinate => "BAD_USER_INPUT",
            };
            errors.push(UserError::new(&["input", "latitude"], code, error.text()));
            None
        }
    };
    (point, errors)
}
