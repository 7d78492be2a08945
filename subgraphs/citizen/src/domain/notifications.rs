//! The notifications an event of another service makes for citizens: what
//! each says, in Vietnamese and English, and to whom. No SQL: the store
//! writes them.

use chrono::{DateTime, Utc};
use congdan_contracts::bus::Event;
use congdan_contracts::events::feedback::{ReportCreated, ReportUpdated};

use super::preferences::NotificationTopic;

/// A notification to deliver to one citizen.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    pub citizen_id: String,
    /// The event it comes from; its id for direct writes.
    pub event_id: String,
    pub topic: NotificationTopic,
    pub title_vi: String,
    pub title_en: String,
    pub body_vi: String,
    pub body_en: String,
    /// Entity type (`report`) and key of what it is about.
    pub subject: Option<(String, String)>,
    pub created_at: DateTime<Utc>,
}

/// The notifications a feedback report event makes: for its reporter
/// (none for anonymous reports) and, on updates, for the citizens who
/// follow the report ("me too"). Empty for other events.
pub fn from_feedback_event(event: &Event) -> Vec<NewNotification> {
    let notification =
        |citizen_id: &str, report_id: &str, title: (String, String), body: (String, String)| {
            NewNotification {
                citizen_id: citizen_id.to_string(),
                event_id: event.id.clone(),
                topic: NotificationTopic::Feedback,
                title_vi: title.0,
                title_en: title.1,
                body_vi: body.0,
                body_en: body.1,
                subject: Some(("report".to_string(), report_id.to_string())),
                created_at: event.occurred_at,
            }
        };
    if let Some(created) = event.read::<ReportCreated>() {
        return non_empty(created.reporter_id.as_deref())
            .map(|citizen| {
                notification(
                    citizen,
                    &created.id,
                    (
                        "Đã nhận phản ánh của bạn".to_string(),
                        "Your report was received".to_string(),
                    ),
                    (
                        "Phản ánh đã được gửi đến Tổng đài 1022 và sẽ được chuyển đến đơn vị phụ trách."
                            .to_string(),
                        "Your report reached the 1022 hotline and will be forwarded to the unit in charge."
                            .to_string(),
                    ),
                )
            })
            .into_iter()
            .collect();
    }
    let Some(updated) = event.read::<ReportUpdated>() else {
        return Vec::new();
    };
    let (vi, en) = status_text(&updated.status.to_ascii_lowercase());
    // The text feedback meant for the citizen; its officers' internal notes
    // never travel in events.
    let body = match non_empty(updated.message.as_deref()) {
        Some(message) => (message.to_string(), message.to_string()),
        None => (
            format!("Trạng thái mới: {vi}."),
            format!("New status: {en}."),
        ),
    };
    let reporter = non_empty(updated.reporter_id.as_deref());
    let mut all: Vec<NewNotification> = reporter
        .map(|citizen| {
            notification(
                citizen,
                &updated.id,
                (
                    format!("Phản ánh của bạn: {vi}"),
                    format!("Your report: {en}"),
                ),
                body.clone(),
            )
        })
        .into_iter()
        .collect();
    let followers = updated
        .follower_ids
        .iter()
        .filter_map(|f| non_empty(Some(f)))
        .filter(|f| Some(*f) != reporter);
    for follower in followers {
        if all.iter().any(|n| n.citizen_id == follower) {
            continue;
        }
        all.push(notification(
            follower,
            &updated.id,
            (
                format!("Phản ánh bạn theo dõi: {vi}"),
                format!("A report you follow: {en}"),
            ),
            body.clone(),
        ));
    }
    all
}

fn non_empty(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A report status in Vietnamese and English; unknown statuses as given.
fn status_text(status: &str) -> (String, String) {
    let known = match status {
        "received" => Some(("đã tiếp nhận", "received")),
        "assigned" => Some(("đã chuyển đơn vị xử lý", "assigned to an agency")),
        "in_progress" => Some(("đang xử lý", "in progress")),
        "resolved" => Some(("đã xử lý xong", "resolved")),
        "rejected" => Some(("không được tiếp nhận", "rejected")),
        "closed" => Some(("đã đóng", "closed")),
        "reopened" => Some(("được mở lại", "reopened")),
        _ => None,
    };
    match known {
        Some((vi, en)) => (vi.to_string(), en.to_string()),
        None => {
            let plain = status.replace('_', " ");
            (plain.clone(), plain)
        }
    }
}
