//! Devices that receive push notifications.

use congdan_common::language::Text;

/// The platform a push token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum Platform {
    /// Apple Push Notification service.
    Ios,
    /// Firebase Cloud Messaging.
    Android,
    /// Web Push.
    Web,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ios => "ios",
            Self::Android => "android",
            Self::Web => "web",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Ios, Self::Android, Self::Web]
            .into_iter()
            .find(|p| p.as_str() == text)
    }
}

/// A push token: 16 to 512 visible ASCII characters.
pub fn check_token(token: &str) -> Result<&str, Text> {
    let token = token.trim();
    if (16..=512).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(token)
    } else {
        Err(Text::new(
            "Mã thông báo đẩy gồm 16 đến 512 ký tự ASCII hiển thị được",
            "a push token is 16 to 512 visible ASCII characters",
        ))
    }
}

/// An app version such as `2.4.1` or `2.4.1+305`: 1 to 32 letters, digits,
/// `.`, `-` or `+`.
pub fn check_app_version(version: &str) -> Result<&str, Text> {
    let version = version.trim();
    if (1..=32).contains(&version.len())
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
    {
        Ok(version)
    } else {
        Err(Text::new(
            "Phiên bản ứng dụng gồm 1 đến 32 chữ cái, chữ số, `.`, `-` hoặc `+`",
            "an app version is 1 to 32 letters, digits, `.`, `-` or `+`",
        ))
    }
}
