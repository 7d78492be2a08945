//! The twelve feature groups of the app and the two content languages.

use std::str::FromStr;

/// The feature groups services are listed under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ServiceGroup {
    Feedback,
    Education,
    Health,
    Tourism,
    Transport,
    Construction,
    Agencies,
    PublicServices,
    Map,
    Account,
    Vneid,
    Notifications,
}

impl ServiceGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feedback => "feedback",
            Self::Education => "education",
            Self::Health => "health",
            Self::Tourism => "tourism",
            Self::Transport => "transport",
            Self::Construction => "construction",
            Self::Agencies => "agencies",
            Self::PublicServices => "public_services",
            Self::Map => "map",
            Self::Account => "account",
            Self::Vneid => "vneid",
            Self::Notifications => "notifications",
        }
    }
}

impl FromStr for ServiceGroup {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "feedback" => Self::Feedback,
            "education" => Self::Education,
            "health" => Self::Health,
            "tourism" => Self::Tourism,
            "transport" => Self::Transport,
            "construction" => Self::Construction,
            "agencies" => Self::Agencies,
            "public_services" => Self::PublicServices,
            "map" => Self::Map,
            "account" => Self::Account,
            "vneid" => Self::Vneid,
            "notifications" => Self::Notifications,
            other => return Err(format!("unknown service group `{other}`")),
        })
    }
}
