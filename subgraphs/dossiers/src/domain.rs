//! Procedures as the domain sees them.

use std::str::FromStr;

/// The level of government that receives a procedure's dossiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ProcedureLevel {
    City,
    Commune,
}

impl ProcedureLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::City => "city",
            Self::Commune => "commune",
        }
    }
}

impl FromStr for ProcedureLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "city" => Ok(Self::City),
            "commune" => Ok(Self::Commune),
            other => Err(format!("unknown procedure level `{other}`")),
        }
    }
}
