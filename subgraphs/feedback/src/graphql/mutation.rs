use std::sync::Arc;

use async_graphql::{Context, InputObject, Object, Result, SimpleObject, Upload, ID};
use chrono::Utc;
use congdan_common::access;
use congdan_common::city_point::CityPointError;
use congdan_common::directives::authenticated;
use congdan_common::language::Text;
use congdan_common::user_error::UserError;
use congdan_common::Error;
use congdan_contracts::identity::Role;
use sea_orm::DatabaseConnection;

use super::report::{ReportPhoto, TimelineEntry};
use super::Report;
use crate::config::MAX_PHOTOS;
use crate::domain::new_report::{Channel, NewReport, ReportInput, ReportInputError};
use crate::domain::steps::{self, Rating, Step, StepBy, StepInputError};
use crate::domain::workflow::{is_staff_for, Action, TransitionError};
use crate::photos::{self, CheckedPhoto};
use crate::store::follows::{self, FollowOutcome};
use crate::store::{categories, open311, reports, similar, workflow, StoreError};
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
        let category = categories::by_key(db, &input.category)
            .await
            .map_err(Error::from)?;
        let (photos, photo_errors) =
            match check_photos(ctx, input.photos.as_deref(), settings, &["input", "photos"]) {
                Ok(photos) => (photos, Vec::new()),
                Err(errors) => (Vec::new(), errors),
            };
        let parsed = NewReport::parse(ReportInput {
            channel: Channel::App {
                title: input.title,
                idempotency_key: input.idempotency_key,
                reporter_id: reporter.clone(),
            },
            category_key: input.category,
            category,
            description: input.description,
            coordinates: Some((input.latitude, input.longitude)),
            address: input.address,
            photos,
        });
        let new = match parsed {
            Ok(new) if photo_errors.is_empty() => new,
            Ok(_) => return Ok(refused(photo_errors)),
            Err(errors) => {
                let mut errors: Vec<UserError> = errors.iter().map(report_input_error).collect();
                errors.extend(photo_errors);
                return Ok(refused(errors));
            }
        };
        let submitted = reports::submit(db, settings.store.as_ref(), new)
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
        let similar = similar::similar(
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
        send(ctx, Action::Assign, input).await
    }

    /// Moves an assigned or in-progress report to another agency (officers
    /// of its agency, the hotline, admins).
    #[graphql(requires_scopes = "officer", requires_scopes = "admin")]
    async fn transfer_report(
        &self,
        ctx: &Context<'_>,
        input: AssignReportInput,
    ) -> Result<ReportStepPayload> {
        send(ctx, Action::Transfer, input).await
    }

    /// The agency starts handling an assigned report (its officers, admins).
    #[graphql(requires_scopes = "officer", requires_scopes = "admin")]
    async fn start_report_progress(
        &self,
        ctx: &Context<'_>,
        input: ReportStepInput,
    ) -> Result<ReportStepPayload> {
        let mut step = Step::new(Action::Start);
        let errors = remarks(&mut step, input.note, input.message);
        take(ctx, &input.report_id, step, input.photos.as_deref(), errors).await
    }

    /// The agency has handled the report and answers (its officers, admins).
    #[graphql(requires_scopes = "officer", requires_scopes = "admin")]
    async fn resolve_report(
        &self,
        ctx: &Context<'_>,
        input: ResolveReportInput,
    ) -> Result<ReportStepPayload> {
        let mut step = Step::new(Action::Resolve);
        let mut errors = Vec::new();
        match steps::answer(&input.answer) {
            Ok(answer) => step.answer = Some(answer),
            Err(error) => errors.push(step_input_error(&error)),
        }
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
        let mut step = Step::new(Action::Reject);
        let mut errors = Vec::new();
        match steps::reason(&input.reason) {
            Ok(reason) => step.answer = Some(reason),
            Err(error) => errors.push(step_input_error(&error)),
        }
        take(ctx, &input.report_id, step, None, errors).await
    }

    /// The reporter rates the resolution, once; this closes the report.
    #[graphql(directive = authenticated::apply())]
    async fn rate_report(
        &self,
        ctx: &Context<'_>,
        input: RateReportInput,
    ) -> Result<ReportStepPayload> {
        let mut step = Step::new(Action::Rate);
        let mut errors = Vec::new();
        match Rating::parse(input.stars, input.comment.as_deref()) {
            Ok(rating) => step.rating = Some(rating),
            Err(refused) => errors.extend(refused.iter().map(step_input_error)),
        }
        take(ctx, &input.report_id, step, None, errors).await
    }

    /// "Me too": follows an open report, which counts once per citizen.
    /// Following again changes nothing.
    #[graphql(directive = authenticated::apply())]
    async fn follow_report(&self, ctx: &Context<'_>, id: ID) -> Result<FollowReportPayload> {
        let citizen = access::require_citizen(ctx)?;
        let db = ctx.data::<DatabaseConnection>()?;
        let (outcome, row) = follows::follow(db, &id, citizen)
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
        let row = follows::unfollow(db, &id, citizen)
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
        let closed = workflow::close_expired(
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
        let Some(name) = steps::key_name(&name) else {
            return Err(Error::bad_input(
                "Tên dài từ 1 đến 100 ký tự",
                "the name takes 1 to 100 characters",
            )
            .into());
        };
        let db = ctx.data::<DatabaseConnection>()?;
        let (id, key) = open311::create_key(db, &name).await.map_err(Error::from)?;
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
        Ok(open311::revoke_key(db, &id).await.map_err(Error::from)?)
    }
}

fn refused(errors: Vec<UserError>) -> SubmitReportPayload {
    SubmitReportPayload {
        report: None,
        similar_reports: Vec::new(),
        user_errors: errors,
    }
}

/// An assignment or a transfer, to the agency given or the one the
/// report's category routes to.
async fn send(
    ctx: &Context<'_>,
    action: Action,
    input: AssignReportInput,
) -> Result<ReportStepPayload> {
    let mut step = Step::new(action);
    let mut errors = Vec::new();
    match steps::agency_id(input.agency_id.as_deref().map(String::as_str)) {
        Ok(agency_id) => step.agency_id = agency_id,
        Err(error) => errors.push(step_input_error(&error)),
    }
    errors.extend(remarks(&mut step, input.note, input.message));
    take(ctx, &input.report_id, step, input.photos.as_deref(), errors).await
}

/// Puts the note and the message into `step`; the errors of those refused.
fn remarks(step: &mut Step, note: Option<String>, message: Option<String>) -> Vec<UserError> {
    let mut errors = Vec::new();
    for (text, field, into) in [
        (note, "note", &mut step.note),
        (message, "message", &mut step.message),
    ] {
        match steps::remark(field, text.as_deref()) {
            Ok(text) => *into = text,
            Err(error) => errors.push(step_input_error(&error)),
        }
    }
    errors
}

/// The user error of a refused field of a step.
fn step_input_error(error: &StepInputError) -> UserError {
    let (field, code) = match error {
        StepInputError::AgencyId => ("agencyId", "BAD_USER_INPUT"),
        StepInputError::TooLong(field) => (*field, "BAD_USER_INPUT"),
        StepInputError::Answer => ("answer", "ANSWER_REQUIRED"),
        StepInputError::Reason => ("reason", "REASON_REQUIRED"),
        StepInputError::Stars => ("stars", "BAD_USER_INPUT"),
        StepInputError::Comment => ("comment", "BAD_USER_INPUT"),
    };
    UserError::new(&["input", field], code, error.text())
}

/// The user error of a refused field of a new report.
fn report_input_error(error: &ReportInputError) -> UserError {
    let (field, code) = match error {
        ReportInputError::Title => ("title", "BAD_USER_INPUT"),
        ReportInputError::Description => ("description", "BAD_USER_INPUT"),
        ReportInputError::Address => ("address", "BAD_USER_INPUT"),
        ReportInputError::IdempotencyKey => ("idempotencyKey", "BAD_USER_INPUT"),
        ReportInputError::NoCoordinates => ("latitude", "BAD_USER_INPUT"),
        ReportInputError::Point(CityPointError::OutsideCity(..)) => ("latitude", "OUTSIDE_CITY"),
        ReportInputError::Point(CityPointError::NotACoordinate) => ("latitude", "BAD_USER_INPUT"),
        ReportInputError::UnknownCategory(_) => ("category", "UNKNOWN_CATEGORY"),
        ReportInputError::SignInRequired => ("category", "SIGN_IN_REQUIRED"),
        ReportInputError::OutsideCity => ("latitude", "OUTSIDE_CITY"),
    };
    UserError::new(&["input", field], code, error.text())
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
    match check_photos(ctx, uploads, settings, &["input", "photos"]) {
        Ok(photos) => step.photos = photos,
        Err(photo_errors) => errors.extend(photo_errors),
    }
    if !errors.is_empty() {
        return Ok(ReportStepPayload::refused(errors));
    }
    let result = workflow::take_step(
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
            let staff = is_staff_for(
                Some(identity),
                &stepped.report,
                &settings.config.dispatch_agency,
            );
            let photos = crate::store::photos::of_entry(db, &stepped.entry.id)
                .await
                .map_err(Error::from)?
                .iter()
                .map(|p| ReportPhoto::new(p, settings))
                .collect();
            Ok(ReportStepPayload {
                timeline_entry: Some(TimelineEntry::new(stepped.entry, staff, photos)?),
                report: Some(Report::try_from(stepped.report)?),
                user_errors: Vec::new(),
            })
        }
        Err(StoreError::Transition(TransitionError::InvalidTransition { action, from })) => {
            Ok(ReportStepPayload::refused(vec![UserError::new(
                &["input", "reportId"],
                "INVALID_TRANSITION",
                TransitionError::InvalidTransition { action, from }.text(),
            )]))
        }
        Err(StoreError::SameAgency) => Ok(ReportStepPayload::refused(vec![UserError::new(
            &["input", "agencyId"],
            "SAME_AGENCY",
            StoreError::SameAgency.text(),
        )])),
        Err(error @ StoreError::UnknownAgency(_)) => {
            Ok(ReportStepPayload::refused(vec![UserError::new(
                &["input", "agencyId"],
                "UNKNOWN_AGENCY",
                error.text(),
            )]))
        }
        Err(StoreError::NoRoute) => Ok(ReportStepPayload::refused(vec![UserError::new(
            &["input", "agencyId"],
            "NO_ROUTE",
            StoreError::NoRoute.text(),
        )])),
        Err(other) => Err(Error::from(other).into()),
    }
}
