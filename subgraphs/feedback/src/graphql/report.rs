use async_graphql::dataloader::DataLoader;
use async_graphql::{Context, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use congdan_common::access;
use congdan_common::loader::load_one;
use congdan_common::Error;
use entity::feedback::{category, photo, report, timeline_entry};
use sea_orm::{DatabaseConnection, DbErr};

use super::{ActorRole, ReportStatus};
use crate::domain::workflow::{self as domain, is_staff_for, Action};
use crate::store::follows::Follows;
use crate::store::{photos, reports, workflow};
use crate::Settings;

/// A report to the 1022 hotline: an incident or an idea, with its place.
/// Who reported it is never shown; its handling history, rating and photos
/// only to the reporter, the citizens who follow it and the staff handling
/// it.
#[derive(Clone)]
pub struct Report {
    pub(crate) row: report::Model,
}

impl TryFrom<report::Model> for Report {
    type Error = Error;

    fn try_from(row: report::Model) -> Result<Self, Self::Error> {
        // A stored status the domain does not know is a broken row.
        reports::status_of(&row)?;
        Ok(Self { row })
    }
}

impl Report {
    pub fn report_id(&self) -> &str {
        &self.row.id
    }

    fn status_value(&self) -> domain::ReportStatus {
        self.row
            .status
            .parse()
            .unwrap_or(domain::ReportStatus::Received)
    }

    /// Whether the caller may read the report's words: public by
    /// [`domain::ReportStatus::is_public`], or the caller tracks it.
    async fn words_visible(&self, ctx: &Context<'_>) -> Result<bool> {
        if self
            .status_value()
            .is_public(self.row.resolved_at.is_some())
        {
            return Ok(true);
        }
        self.can_track(ctx).await
    }

    /// Whether the caller may see the report's history: its reporter, a
    /// follower, or staff handling it.
    async fn can_track(&self, ctx: &Context<'_>) -> Result<bool> {
        let identity = access::current(ctx);
        let settings = ctx.data::<std::sync::Arc<Settings>>()?;
        if is_staff_for(identity, &self.row, &settings.config.dispatch_agency) {
            return Ok(true);
        }
        let Some(citizen) = identity.and_then(|i| i.citizen_id()) else {
            return Ok(false);
        };
        if self.row.reporter_id.as_deref() == Some(citizen) {
            return Ok(true);
        }
        self.followed_by(ctx, citizen).await
    }

    async fn followed_by(&self, ctx: &Context<'_>, citizen: &str) -> Result<bool> {
        let follows = ctx.data::<DataLoader<Follows>>()?;
        Ok(follows
            .load_one((citizen.to_string(), self.row.id.clone()))
            .await
            .map_err(Error::from)?
            .unwrap_or(false))
    }

    async fn require_tracking(&self, ctx: &Context<'_>) -> Result<()> {
        if self.can_track(ctx).await? {
            Ok(())
        } else if access::current(ctx).is_none() {
            Err(Error::Unauthenticated.into())
        } else {
            Err(Error::Forbidden.into())
        }
    }
}

#[Object]
impl Report {
    async fn id(&self) -> ID {
        ID(self.row.id.clone())
    }

    /// Public once an agency is handling the report (in progress,
    /// resolved); before that, and for rejected reports, null except for
    /// its reporter, followers and the staff handling it.
    async fn title(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self
            .words_visible(ctx)
            .await?
            .then_some(self.row.title.as_str()))
    }

    /// Visible as the title is.
    async fn description(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(self
            .words_visible(ctx)
            .await?
            .then_some(self.row.description.as_str()))
    }

    /// What the report is about.
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<super::ReportCategory>> {
        load_one::<category::Entity, _>(ctx, self.row.category.clone()).await
    }

    async fn status(&self) -> ReportStatus {
        self.status_value().into()
    }

    async fn location(&self) -> GeoPoint {
        GeoPoint {
            latitude: self.row.latitude,
            longitude: self.row.longitude,
        }
    }

    /// The address text the reporter gave, if any; visible as the title
    /// is.
    async fn address(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if self.words_visible(ctx).await? {
            self.row.address.as_deref()
        } else {
            None
        })
    }

    /// The ward or commune the report lies in (owned by the geo subgraph),
    /// found from the point (an approximation near ward boundaries).
    async fn ward(&self) -> Option<AdministrativeUnit> {
        self.row
            .ward_code
            .clone()
            .map(|code| AdministrativeUnit { id: ID(code) })
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.row.created_at
    }

    /// When anything about the report last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.row.updated_at.unwrap_or(self.row.created_at)
    }

    /// When the category's target handling time runs out.
    async fn due_at(&self) -> Option<DateTime<Utc>> {
        self.row.due_at
    }

    /// Still being handled after its due date.
    async fn overdue(&self) -> bool {
        self.status_value().is_open() && self.row.due_at.is_some_and(|due| due < Utc::now())
    }

    /// The agency handling it (owned by the directories subgraph).
    async fn agency(&self) -> Option<Agency> {
        self.row.agency_id.clone().map(|id| Agency { id: ID(id) })
    }

    /// The id of the agency handling it.
    async fn agency_id(&self) -> Option<ID> {
        self.row.agency_id.clone().map(ID)
    }

    /// How many citizens said "me too".
    async fn follower_count(&self) -> i32 {
        self.row.follower_count
    }

    /// The agency's answer: how it was resolved, or why it was rejected.
    /// Visible as the title is.
    async fn official_answer(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if self.words_visible(ctx).await? {
            self.row.official_answer.as_deref()
        } else {
            None
        })
    }

    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.row.resolved_at
    }

    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.row.closed_at
    }

    /// Whether the caller reported it.
    async fn viewer_is_reporter(&self, ctx: &Context<'_>) -> bool {
        let citizen = access::current(ctx).and_then(|i| i.citizen_id());
        citizen.is_some() && self.row.reporter_id.as_deref() == citizen
    }

    /// Whether the caller follows it.
    async fn viewer_follows(&self, ctx: &Context<'_>) -> Result<bool> {
        let Some(citizen) = access::current(ctx).and_then(|i| i.citizen_id()) else {
            return Ok(false);
        };
        self.followed_by(ctx, citizen).await
    }

    /// The reporter's rating, once given (reporter, followers, staff).
    async fn rating(&self, ctx: &Context<'_>) -> Result<Option<ReportRating>> {
        self.require_tracking(ctx).await?;
        Ok(match (self.row.rating_stars, self.row.rated_at) {
            (Some(stars), Some(rated_at)) => Some(ReportRating {
                stars,
                comment: self.row.rating_comment.clone(),
                rated_at,
            }),
            _ => None,
        })
    }

    /// Every step of its handling, oldest first (reporter, followers,
    /// staff; null with an error for others).
    async fn timeline(&self, ctx: &Context<'_>) -> Result<Option<Vec<TimelineEntry>>> {
        self.require_tracking(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let settings = ctx.data::<std::sync::Arc<Settings>>()?;
        let staff = is_staff_for(
            access::current(ctx),
            &self.row,
            &settings.config.dispatch_agency,
        );
        let rows = workflow::timeline(db, &self.row.id)
            .await
            .map_err(Error::from)?;
        let photos = photos::all_of_report(db, &self.row.id)
            .await
            .map_err(Error::from)?;
        rows.into_iter()
            .map(|row| {
                let entry_photos = photos
                    .iter()
                    .filter(|p| p.timeline_entry_id.as_deref() == Some(row.id.as_str()))
                    .map(|p| ReportPhoto::new(p, settings))
                    .collect();
                TimelineEntry::new(row, staff, entry_photos)
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// The photos sent with the report (reporter, followers, staff; null
    /// with an error for others); links work for a limited time.
    async fn photos(&self, ctx: &Context<'_>) -> Result<Option<Vec<ReportPhoto>>> {
        self.require_tracking(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let settings = ctx.data::<std::sync::Arc<Settings>>()?;
        Ok(Some(
            photos::of_report(db, &self.row.id)
                .await
                .map_err(Error::from)?
                .iter()
                .map(|p| ReportPhoto::new(p, settings))
                .collect(),
        ))
    }
}

/// A point given by latitude and longitude (WGS 84).
#[derive(SimpleObject, Clone, Copy)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

/// Reference to an administrative unit of the geo subgraph.
#[derive(SimpleObject, Clone)]
#[graphql(unresolvable = "id")]
pub struct AdministrativeUnit {
    pub id: ID,
}

/// Reference to an agency of the directories subgraph.
#[derive(SimpleObject, Clone)]
#[graphql(unresolvable = "id")]
pub struct Agency {
    pub id: ID,
}

/// The reporter's rating of how the report was resolved.
#[derive(SimpleObject, Clone)]
pub struct ReportRating {
    /// 1 to 5.
    pub stars: i32,
    pub comment: Option<String>,
    pub rated_at: DateTime<Utc>,
}

/// What a timeline step did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum TimelineAction {
    Submitted,
    Assigned,
    Transferred,
    Started,
    Resolved,
    Rejected,
    Rated,
    Closed,
}

impl From<Action> for TimelineAction {
    fn from(action: Action) -> Self {
        match action {
            Action::Submit => Self::Submitted,
            Action::Assign => Self::Assigned,
            Action::Transfer => Self::Transferred,
            Action::Start => Self::Started,
            Action::Resolve => Self::Resolved,
            Action::Reject => Self::Rejected,
            Action::Rate => Self::Rated,
            Action::Close => Self::Closed,
        }
    }
}

/// One step of a report's handling.
#[derive(SimpleObject, Clone)]
pub struct TimelineEntry {
    pub id: ID,
    pub action: TimelineAction,
    pub from_status: Option<ReportStatus>,
    pub to_status: ReportStatus,
    /// In which capacity it was done.
    pub actor_role: ActorRole,
    /// Who did it (staff only; null for others, the system and partners).
    pub actor_id: Option<ID>,
    /// The agency the report is with after this step.
    pub agency: Option<Agency>,
    pub agency_id: Option<ID>,
    /// The officers' internal note (staff handling the report only; null
    /// for the reporter, followers and others).
    pub note: Option<String>,
    /// What the citizen is told: the answer, the reason, a message from the
    /// agency, the rating comment.
    pub message: Option<String>,
    pub photos: Vec<ReportPhoto>,
    pub created_at: DateTime<Utc>,
}

impl TimelineEntry {
    pub fn new(
        row: timeline_entry::Model,
        staff: bool,
        photos: Vec<ReportPhoto>,
    ) -> Result<Self, async_graphql::Error> {
        let broken = |what: &str| {
            async_graphql::Error::from(Error::Database(DbErr::Custom(format!(
                "timeline entry {} has an unknown {what}",
                row.id
            ))))
        };
        let action = Action::parse(&row.action).ok_or_else(|| broken("action"))?;
        let status = |text: &str| {
            text.parse::<domain::ReportStatus>()
                .map(ReportStatus::from)
                .map_err(|_| broken("status"))
        };
        let to_status = status(&row.to_status)?;
        let from_status = row.from_status.as_deref().map(status).transpose()?;
        let actor_role = domain::ActorRole::parse(&row.actor_role)
            .map(ActorRole::from)
            .ok_or_else(|| broken("role"))?;
        Ok(Self {
            id: ID(row.id),
            action: action.into(),
            from_status,
            to_status,
            actor_role,
            actor_id: row.actor_id.filter(|_| staff).map(ID),
            agency: row.agency_id.clone().map(|id| Agency { id: ID(id) }),
            agency_id: row.agency_id.map(ID),
            note: row.note.filter(|_| staff),
            message: row.message,
            photos,
            created_at: row.created_at,
        })
    }
}

/// A photo of a report or of a handling step.
#[derive(SimpleObject, Clone)]
pub struct ReportPhoto {
    pub id: ID,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    pub size_bytes: i64,
    /// A link that works for 15 minutes without other credentials.
    pub url: String,
    pub created_at: DateTime<Utc>,
}

impl ReportPhoto {
    pub fn new(row: &photo::Model, settings: &Settings) -> Self {
        Self {
            id: ID(row.id.clone()),
            content_type: row.content_type.clone(),
            size_bytes: row.size_bytes,
            url: settings.signer.link(&row.id, Utc::now().timestamp()),
            created_at: row.created_at,
        }
    }
}
