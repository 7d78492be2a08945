//! Agencies as the domain sees them: no GraphQL, no SQL; what a caller's
//! input becomes before it reaches the store.

use congdan_common::text::fold;

/// Which agencies a list asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgencyFilter {
    /// The code of the ward or commune served.
    pub ward_code: Option<String>,
    /// The name search folded (no diacritics, lower case); None for none.
    pub folded_search: Option<String>,
}

impl AgencyFilter {
    pub fn parse(ward_code: Option<&str>, search: Option<&str>) -> Self {
        Self {
            ward_code: ward_code.map(|w| w.trim().to_string()),
            folded_search: search.map(fold).filter(|s| !s.is_empty()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_folded_and_blank_means_none() {
        let filter = AgencyFilter::parse(Some(" 26743"), Some("Ủy ban"));
        assert_eq!(filter.ward_code.as_deref(), Some("26743"));
        assert_eq!(filter.folded_search.as_deref(), Some("uy ban"));
        assert_eq!(AgencyFilter::parse(None, Some(" ")).folded_search, None);
    }
}
