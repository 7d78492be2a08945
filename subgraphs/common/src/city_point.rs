//! A point inside Ho Chi Minh City, parsed at the edge.

use crate::language::Text;

/// The bounding box of the city since 1 July 2025 (with the former Bình
/// Dương and Bà Rịa–Vũng Tàu, and the special zone of Côn Đảo).
pub const CITY_BOUNDS: Bounds = Bounds {
    south: 8.5,
    north: 11.6,
    west: 106.3,
    east: 107.7,
};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    pub south: f64,
    pub north: f64,
    pub west: f64,
    pub east: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CityPoint {
    latitude: f64,
    longitude: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CityPointError {
    #[error("latitude must be between -90 and 90 and longitude between -180 and 180")]
    NotACoordinate,
    #[error("the point ({0}, {1}) is outside Ho Chi Minh City")]
    OutsideCity(f64, f64),
}

impl CityPointError {
    /// The message for the caller, in both languages.
    pub fn text(&self) -> Text {
        match self {
            Self::NotACoordinate => Text::new(
                "Vĩ độ phải nằm trong khoảng -90 đến 90 và kinh độ trong khoảng -180 đến 180",
                self.to_string(),
            ),
            Self::OutsideCity(latitude, longitude) => Text::new(
                format!("Điểm ({latitude}, {longitude}) nằm ngoài Thành phố Hồ Chí Minh"),
                self.to_string(),
            ),
        }
    }
}

impl CityPoint {
    pub fn parse(latitude: f64, longitude: f64) -> Result<Self, CityPointError> {
        if !latitude.is_finite()
            || !longitude.is_finite()
            || !(-90.0..=90.0).contains(&latitude)
            || !(-180.0..=180.0).contains(&longitude)
        {
            return Err(CityPointError::NotACoordinate);
        }
        let b = CITY_BOUNDS;
        if !(b.south..=b.north).contains(&latitude) || !(b.west..=b.east).contains(&longitude) {
            return Err(CityPointError::OutsideCity(latitude, longitude));
        }
        Ok(Self {
            latitude,
            longitude,
        })
    }

    pub fn latitude(self) -> f64 {
        self.latitude
    }

    pub fn longitude(self) -> f64 {
        self.longitude
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_in_the_city_and_out() {
        assert!(CityPoint::parse(10.7731, 106.7003).is_ok()); // Bến Thành
        assert!(CityPoint::parse(8.6833, 106.6085).is_ok()); // Côn Đảo
        assert!(CityPoint::parse(10.9804, 106.6519).is_ok()); // Thủ Dầu Một
        assert_eq!(
            CityPoint::parse(21.0278, 105.8342),
            Err(CityPointError::OutsideCity(21.0278, 105.8342))
        ); // Hà Nội
        assert_eq!(
            CityPoint::parse(91.0, 0.0),
            Err(CityPointError::NotACoordinate)
        );
        assert_eq!(
            CityPoint::parse(f64::NAN, 106.7),
            Err(CityPointError::NotACoordinate)
        );
    }
}
