//! Purposes a citizen consents to (Personal Data Protection Law
//! 91/2025/QH15, Decree 356/2025/ND-CP): explicit, per purpose, withdrawable;
//! silence is not consent.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum ConsentPurpose {
    /// Using my location (reports, places near me, alerts for where I am).
    Location,
    /// Push notifications to my devices.
    PushNotifications,
    /// Taking part in surveys with my answers linked to me.
    Surveys,
    /// Usage statistics to improve the app.
    Analytics,
    /// Sharing my contact details with the agency handling my request.
    ShareWithAgencies,
}

impl ConsentPurpose {
    pub const ALL: [Self; 5] = [
        Self::Location,
        Self::PushNotifications,
        Self::Surveys,
        Self::Analytics,
        Self::ShareWithAgencies,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Location => "location",
            Self::PushNotifications => "push_notifications",
            Self::Surveys => "surveys",
            Self::Analytics => "analytics",
            Self::ShareWithAgencies => "share_with_agencies",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }
}
