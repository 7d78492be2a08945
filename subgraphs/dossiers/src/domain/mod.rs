//! Procedures as the domain sees them: no GraphQL, no SQL.

use std::str::FromStr;

use congdan_common::text::fold;

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

/// Which procedures a list asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcedureFilter {
    /// The name search folded (no diacritics, lower case); None for none.
    pub folded_search: Option<String>,
}

impl ProcedureFilter {
    pub fn parse(search: Option<&str>) -> Self {
        Self {
            folded_search: search.map(fold).filter(|s| !s.is_empty()),
        }
    }
}
