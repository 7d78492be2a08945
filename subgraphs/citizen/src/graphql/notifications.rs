use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{ComplexObject, Context, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use congdan_common::directives::authenticated;
use congdan_common::language::Language;
use congdan_common::language::Text;
use congdan_common::pagination::{encode_cursor, PageRequest};
use congdan_common::user_error::UserError;
use congdan_common::Error;
use entity::citizen::notification;
use sea_orm::DatabaseConnection;

use super::account::signed_in;
use super::refs::NotificationSubject;
use crate::domain::preferences::NotificationTopic;
use crate::store::inbox::{self, InboxPage};

/// A notification in the citizen's inbox.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct Notification {
    pub id: ID,
    pub topic: NotificationTopic,
    pub created_at: DateTime<Utc>,
    /// When the citizen read it; null while unread.
    pub read_at: Option<DateTime<Utc>>,
    /// What it is about; the gateway fetches its fields from its owner.
    pub subject: Option<NotificationSubject>,
    #[graphql(skip)]
    pub row: notification::Model,
}

#[ComplexObject]
impl Notification {
    /// The title in the given language (Vietnamese by default).
    async fn title(&self, #[graphql(default)] language: Language) -> &str {
        language.pick(&self.row.title_vi, &self.row.title_en)
    }

    /// The text in the given language (Vietnamese by default).
    async fn body(&self, #[graphql(default)] language: Language) -> &str {
        language.pick(&self.row.body_vi, &self.row.body_en)
    }
}

impl Notification {
    /// None for a row of a topic this build does not know.
    pub fn from_row(row: notification::Model) -> Option<Self> {
        let topic = NotificationTopic::parse(&row.topic)?;
        let subject = match (&row.subject_type, &row.subject_key) {
            (Some(kind), Some(key)) => NotificationSubject::new(kind, key.clone()),
            _ => None,
        };
        Some(Self {
            id: ID(row.id.clone()),
            topic,
            created_at: row.created_at,
            read_at: row.read_at,
            subject,
            row,
        })
    }
}

/// Counts of the inbox besides its edges.
#[derive(SimpleObject)]
pub struct InboxCounts {
    /// Notifications in the list, across all pages.
    pub total_count: u64,
    /// Unread notifications in the inbox.
    pub unread_count: u64,
}

pub type NotificationConnection = Connection<String, Notification, InboxCounts, EmptyFields>;

pub fn connection(inbox: InboxPage, page: PageRequest) -> NotificationConnection {
    let mut connection = Connection::with_additional_fields(
        page.offset > 0,
        inbox.has_next,
        InboxCounts {
            total_count: inbox.total,
            unread_count: inbox.unread,
        },
    );
    for (i, row) in inbox.rows.into_iter().enumerate() {
        if let Some(node) = Notification::from_row(row) {
            connection
                .edges
                .push(Edge::new(encode_cursor(page.offset + i as u64), node));
        }
    }
    connection
}

#[derive(SimpleObject)]
pub struct MarkNotificationReadPayload {
    pub notification: Option<Notification>,
    pub unread_count: u64,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct MarkAllNotificationsReadPayload {
    /// How many were unread.
    pub marked_count: u64,
    pub unread_count: u64,
}

#[derive(SimpleObject)]
pub struct DeleteNotificationPayload {
    pub deleted_notification_id: Option<ID>,
    pub unread_count: u64,
    pub user_errors: Vec<UserError>,
}

fn not_found() -> UserError {
    UserError::new(
        &["id"],
        "NOT_FOUND",
        Text::new(
            "Hộp thư của bạn không có thông báo với mã này",
            "no notification with this id in your inbox",
        ),
    )
}

#[derive(Default)]
pub struct InboxMutation;

#[Object]
impl InboxMutation {
    /// Marks one notification read (a second time changes nothing).
    #[graphql(directive = authenticated::apply())]
    async fn mark_notification_read(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<MarkNotificationReadPayload> {
        let record = signed_in(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let row = inbox::mark_read(db, &record.id, &id)
            .await
            .map_err(Error::from)?;
        let unread_count = inbox::unread_count(db, &record.id)
            .await
            .map_err(Error::from)?;
        let user_errors = if row.is_none() {
            vec![not_found()]
        } else {
            Vec::new()
        };
        Ok(MarkNotificationReadPayload {
            notification: row.and_then(Notification::from_row),
            unread_count,
            user_errors,
        })
    }

    /// Marks every unread notification read.
    #[graphql(directive = authenticated::apply())]
    async fn mark_all_notifications_read(
        &self,
        ctx: &Context<'_>,
    ) -> Result<MarkAllNotificationsReadPayload> {
        let record = signed_in(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let marked_count = inbox::mark_all_read(db, &record.id)
            .await
            .map_err(Error::from)?;
        let unread_count = inbox::unread_count(db, &record.id)
            .await
            .map_err(Error::from)?;
        Ok(MarkAllNotificationsReadPayload {
            marked_count,
            unread_count,
        })
    }

    /// Deletes one notification from the inbox.
    #[graphql(directive = authenticated::apply())]
    async fn delete_notification(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<DeleteNotificationPayload> {
        let record = signed_in(ctx).await?;
        let db = ctx.data::<DatabaseConnection>()?;
        let deleted = inbox::delete(db, &record.id, &id)
            .await
            .map_err(Error::from)?;
        let unread_count = inbox::unread_count(db, &record.id)
            .await
            .map_err(Error::from)?;
        Ok(DeleteNotificationPayload {
            deleted_notification_id: deleted.then_some(id),
            unread_count,
            user_errors: if deleted {
                Vec::new()
            } else {
                vec![not_found()]
            },
        })
    }
}
