//! Administrative units as the domain sees them: no GraphQL, no SQL. The
//! list of units and which unit a point lies in are `congdan_geography`'s;
//! here is what a caller's input becomes before it reaches the store.

use congdan_common::text::fold;
use congdan_geography::units::UnitKind;

/// A unit's official code: five digits ("26743").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitCode(String);

impl UnitCode {
    /// None for anything that is not five digits (no unit has such a key).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        (text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which units a list asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitFilter {
    pub kind: Option<UnitKind>,
    /// The search text folded (no diacritics, lower case); None for none.
    pub folded_search: Option<String>,
}

impl UnitFilter {
    pub fn parse(search: Option<&str>, kind: Option<UnitKind>) -> Self {
        Self {
            kind,
            folded_search: search.map(fold).filter(|s| !s.is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_five_digits() {
        assert_eq!(UnitCode::parse(" 26743 ").unwrap().as_str(), "26743");
        assert_eq!(UnitCode::parse("2674"), None);
        assert_eq!(UnitCode::parse("2674a"), None);
    }

    #[test]
    fn a_search_is_folded_and_blank_means_none() {
        assert_eq!(
            UnitFilter::parse(Some("Bến Thành"), None)
                .folded_search
                .as_deref(),
            Some("ben thanh")
        );
        assert_eq!(UnitFilter::parse(Some("  "), None).folded_search, None);
    }
}
