//! What report lists are asked for: the officers' search and the public
//! map's box, parsed before they reach the store.

use chrono::{DateTime, Utc};
use congdan_common::text::fold;

use crate::domain::workflow::ReportStatus;

/// What officers search reports by; every field given must match.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportSearch {
    /// Words in the title, description or address, folded (no diacritics,
    /// lower case), without SQL `LIKE` wildcards.
    pub words: Vec<String>,
    pub category: Option<String>,
    /// Any of these statuses.
    pub statuses: Option<Vec<ReportStatus>>,
    pub ward_code: Option<String>,
    pub agency_id: Option<String>,
    /// Submitted at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Submitted before.
    pub created_to: Option<DateTime<Utc>>,
    /// Only reports still open after their due date (false: only the others).
    pub overdue: Option<bool>,
}

/// The words of a search text, folded, wildcards removed, blanks dropped.
pub fn search_words(text: &str) -> Vec<String> {
    fold(text)
        .split(' ')
        .map(|word| {
            word.chars()
                .filter(|c| !matches!(c, '%' | '_' | '\\'))
                .collect::<String>()
        })
        .filter(|word| !word.is_empty())
        .collect()
}

/// A box on the public map, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MapArea {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

impl MapArea {
    /// None unless south ≤ north and west ≤ east, all coordinates.
    pub fn parse(south: f64, west: f64, north: f64, east: f64) -> Option<Self> {
        let valid = [south, west, north, east].iter().all(|v| v.is_finite())
            && (-90.0..=90.0).contains(&south)
            && (-90.0..=90.0).contains(&north)
            && (-180.0..=180.0).contains(&west)
            && (-180.0..=180.0).contains(&east)
            && south <= north
            && west <= east;
        valid.then_some(Self {
            south,
            west,
            north,
            east,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_words_are_folded_without_wildcards() {
        assert_eq!(search_words(" Đường  ngập% _ "), vec!["duong", "ngap"]);
    }

    #[test]
    fn a_map_area_is_a_box_of_coordinates() {
        assert!(MapArea::parse(10.0, 106.0, 11.0, 107.0).is_some());
        assert!(MapArea::parse(11.0, 106.0, 10.0, 107.0).is_none());
        assert!(MapArea::parse(10.0, 106.0, f64::NAN, 107.0).is_none());
        assert!(MapArea::parse(-91.0, 106.0, 10.0, 107.0).is_none());
    }
}
