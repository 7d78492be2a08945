//! Distances on the Earth at city scale.

/// Mean Earth radius (IUGG), in metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Metres in one degree of latitude (and of longitude at the equator).
pub const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

/// Great-circle distance between two points, in metres.
pub fn haversine_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A latitude/longitude rectangle, in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

impl BoundingBox {
    /// A box around `(lat, lon)` that holds every point within `radius_m`:
    /// the cheap prefilter (an index range in SQL) before the exact
    /// distance is checked.
    pub fn around(lat: f64, lon: f64, radius_m: f64) -> Self {
        let dlat = radius_m / METRES_PER_DEGREE;
        // Longitude degrees shrink with the cosine of the latitude.
        let dlon = radius_m / (METRES_PER_DEGREE * lat.to_radians().cos().max(1e-6));
        Self {
            south: lat - dlat,
            west: lon - dlon,
            north: lat + dlat,
            east: lon + dlon,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn haversine_is_right_at_city_scale() {
        // One thousandth of a degree of latitude is about 111 m.
        let d = haversine_m(10.0, 106.0, 10.001, 106.0);
        assert!((d - 111.2).abs() < 0.5, "{d}");
    }

    #[test]
    fn the_box_reaches_exactly_the_radius_on_its_axes() {
        let (lat, lon) = (10.7725, 106.698);
        let b = BoundingBox::around(lat, lon, 50.0);
        assert!((haversine_m(lat, lon, b.north, lon) - 50.0).abs() < 0.01);
        assert!((haversine_m(lat, lon, b.south, lon) - 50.0).abs() < 0.01);
        assert!((haversine_m(lat, lon, lat, b.east) - 50.0).abs() < 0.05);
        assert!((haversine_m(lat, lon, lat, b.west) - 50.0).abs() < 0.05);
    }
}
