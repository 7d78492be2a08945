//! Which administrative unit a point lies in — an approximation.
//!
//! The repository has no ward boundaries. What it has (`data/ward_points.tsv`,
//! built by `data/ward_points.py` from the MIT-licensed PyPI package
//! `vietnamadminunits` 1.0.4) is one representative point per unit of the
//! 168 in force since 1 July 2025, with its area, plus the point of each of
//! the 394 former wards that a new unit absorbed whole, labelled with that
//! unit: 562 points in all. A point is assigned the unit of the nearest of
//! them (a Voronoi partition over the 562 seeds, distances by haversine).
//!
//! How good is it? Measured with the package's own data: points a third of
//! the way from a former ward's point to the corners of its bounding box
//! (1,576 points) get the right unit 96 % of the time; leaving each former
//! ward's own seed out (a pessimistic bound) 72 %; the 168 unit points alone
//! would give 78 %. Points near a boundary can get the neighbour: fine for
//! routing a report, not for anything legal. A real boundary set (the
//! national spatial data of Decision 19/2025 or OpenStreetMap's
//! `admin_level=6` relations) can replace the seeds behind the same function.
//!
//! A point farther from every seed than twice the radius of a disc of its
//! nearest unit's area (at least 3 km) is outside the city: the open sea
//! inside the city's bounding box, for instance. Points just across the
//! city's land border still get the nearest unit.

use std::sync::LazyLock;

use crate::distance::haversine_m;

const WARD_POINTS_TSV: &str = include_str!("../data/ward_points.tsv");

/// Closest a point outside every unit can be to a seed, in metres.
const MIN_REACH_M: f64 = 3_000.0;

/// One seed of the partition.
#[derive(Debug, Clone, PartialEq)]
struct Seed {
    code: String,
    latitude: f64,
    longitude: f64,
}

#[derive(Debug)]
struct Index {
    seeds: Vec<Seed>,
    /// Unit code → how far from a seed its unit may reach, in metres.
    reach: std::collections::HashMap<String, f64>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| parse(WARD_POINTS_TSV));

fn parse(tsv: &str) -> Index {
    let mut seeds = Vec::new();
    let mut reach = std::collections::HashMap::new();
    for line in tsv
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(code), Some(lat), Some(lon), Some(kind)) = (
            cols.first(),
            cols.get(1).and_then(|v| v.parse::<f64>().ok()),
            cols.get(2).and_then(|v| v.parse::<f64>().ok()),
            cols.get(3),
        ) else {
            // The file is bundled and checked by a test; a bad line is skipped.
            continue;
        };
        if *kind == "unit" {
            let area_km2 = cols
                .get(4)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0);
            let radius_m = (area_km2 / std::f64::consts::PI).sqrt() * 1000.0;
            reach.insert(code.to_string(), (2.0 * radius_m).max(MIN_REACH_M));
        }
        seeds.push(Seed {
            code: code.to_string(),
            latitude: lat,
            longitude: lon,
        });
    }
    Index { seeds, reach }
}

/// The code of the unit `(latitude, longitude)` is taken to lie in, or
/// None when the point is farther from every unit than a unit reaches.
/// The caller has already checked that the point is a coordinate.
pub fn unit_at(latitude: f64, longitude: f64) -> Option<&'static str> {
    let index = &*INDEX;
    let (seed, distance) = index
        .seeds
        .iter()
        .map(|s| (s, haversine_m(latitude, longitude, s.latitude, s.longitude)))
        .min_by(|a, b| a.1.total_cmp(&b.1))?;
    let reach = index.reach.get(&seed.code).copied().unwrap_or(MIN_REACH_M);
    (distance <= reach).then_some(seed.code.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_unit_has_a_point_and_every_seed_a_known_unit() {
        let units: HashSet<String> = crate::units::all()
            .unwrap()
            .into_iter()
            .map(|u| u.code)
            .collect();
        let index = &*INDEX;
        assert_eq!(index.seeds.len(), 562, "168 units and 394 former wards");
        assert_eq!(index.reach.len(), 168);
        for seed in &index.seeds {
            assert!(units.contains(&seed.code), "{}", seed.code);
        }
        for code in &units {
            assert!(index.reach.contains_key(code), "{code} has a point");
        }
    }

    #[test]
    fn known_places_fall_in_their_units() {
        // Chợ Bến Thành, Nhà thờ Đức Bà, Chợ Tân Định, Thủ Dầu Một market,
        // Côn Đảo's town, Vũng Tàu's Bãi Trước.
        assert_eq!(unit_at(10.7725, 106.6980), Some("26743")); // Bến Thành
        assert_eq!(unit_at(10.7798, 106.6990), Some("26740")); // Sài Gòn
        assert_eq!(unit_at(10.7905, 106.6903), Some("26737")); // Tân Định
        assert_eq!(unit_at(8.6833, 106.6085).map(|c| c.len()), Some(5));
        assert!(unit_at(10.3460, 107.0740).is_some());
    }

    #[test]
    fn the_open_sea_is_outside() {
        assert_eq!(unit_at(9.5, 107.5), None);
        assert_eq!(unit_at(11.5, 107.6), None);
    }
}
