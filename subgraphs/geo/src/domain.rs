//! Administrative units as the domain sees them: no GraphQL, no SQL.

use std::fmt;
use std::str::FromStr;

/// Code of Ho Chi Minh City in the national list of provinces.
pub const PROVINCE_CODE: &str = "79";

/// The three kinds of commune-level unit since 1 July 2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, async_graphql::Enum)]
pub enum AdministrativeUnitKind {
    Ward,
    Commune,
    SpecialZone,
}

impl AdministrativeUnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ward => "ward",
            Self::Commune => "commune",
            Self::SpecialZone => "special_zone",
        }
    }

    /// The prefix used before the name in Vietnamese: "Phường Bến Thành".
    pub fn title_vi(self) -> &'static str {
        match self {
            Self::Ward => "Phường",
            Self::Commune => "Xã",
            Self::SpecialZone => "Đặc khu",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown administrative unit kind `{0}`")]
pub struct UnknownKind(String);

impl FromStr for AdministrativeUnitKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ward" => Ok(Self::Ward),
            "commune" => Ok(Self::Commune),
            "special_zone" => Ok(Self::SpecialZone),
            other => Err(UnknownKind(other.to_string())),
        }
    }
}

impl fmt::Display for AdministrativeUnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
