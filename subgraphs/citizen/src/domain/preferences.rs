//! Notification topics and channels, and what a citizen gets before they
//! choose.

/// What a notification is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum NotificationTopic {
    /// My feedback reports.
    Feedback,
    /// My dossiers.
    Dossiers,
    /// Emergency alerts for my area.
    Alerts,
    /// News and events.
    News,
    /// Surveys.
    Surveys,
}

/// Where a notification is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum NotificationChannel {
    /// The inbox in the app.
    InApp,
    /// A push notification to the citizen's devices.
    Push,
}

impl NotificationTopic {
    pub const ALL: [Self; 5] = [
        Self::Feedback,
        Self::Dossiers,
        Self::Alerts,
        Self::News,
        Self::Surveys,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feedback => "feedback",
            Self::Dossiers => "dossiers",
            Self::Alerts => "alerts",
            Self::News => "news",
            Self::Surveys => "surveys",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }
}

impl NotificationChannel {
    pub const ALL: [Self; 2] = [Self::InApp, Self::Push];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::InApp => "in_app",
            Self::Push => "push",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Before a citizen chooses: everything in the inbox; pushed are what
/// concerns them or their safety (their reports and dossiers, alerts), not
/// news and surveys.
pub fn enabled_by_default(topic: NotificationTopic, channel: NotificationChannel) -> bool {
    match channel {
        NotificationChannel::InApp => true,
        NotificationChannel::Push => matches!(
            topic,
            NotificationTopic::Feedback | NotificationTopic::Dossiers | NotificationTopic::Alerts
        ),
    }
}
