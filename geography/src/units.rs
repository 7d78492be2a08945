//! The city's administrative units: the 168 wards, communes and special
//! zone in force since 1 July 2025 (Resolution 1685/NQ-UBTVQH15), bundled
//! as `data/admin_units.tsv` (code, name, kind, folded name).

use std::fmt;
use std::str::FromStr;

const ADMIN_UNITS_TSV: &str = include_str!("../data/admin_units.tsv");

/// Code of Ho Chi Minh City in the national list of provinces.
pub const PROVINCE_CODE: &str = "79";

/// The three kinds of commune-level unit since 1 July 2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitKind {
    Ward,
    Commune,
    SpecialZone,
}

impl UnitKind {
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

impl FromStr for UnitKind {
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

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One administrative unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The five-digit national code.
    pub code: String,
    pub name: String,
    pub kind: UnitKind,
    /// The name without diacritics, as the public list spells it.
    pub name_ascii: String,
}

/// A line of the bundled list that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("admin_units.tsv line {line}: {why}")]
pub struct BadLine {
    line: usize,
    why: String,
}

/// The bundled list; a malformed line is an error naming the line.
pub fn all() -> Result<Vec<Unit>, BadLine> {
    ADMIN_UNITS_TSV
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let bad = |why: &str| BadLine {
                line: i + 1,
                why: why.to_string(),
            };
            let mut cols = line.split('\t');
            let code = cols.next().ok_or_else(|| bad("no code"))?.trim();
            let name = cols.next().ok_or_else(|| bad("no name"))?.trim();
            let kind = cols
                .next()
                .ok_or_else(|| bad("no kind"))?
                .trim()
                .parse()
                .map_err(|e: UnknownKind| bad(&e.to_string()))?;
            let name_ascii = cols.next().ok_or_else(|| bad("no ASCII name"))?.trim();
            if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("the code is not five digits"));
            }
            Ok(Unit {
                code: code.to_string(),
                name: name.to_string(),
                kind,
                name_ascii: name_ascii.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_list_has_the_168_units_of_resolution_1685() {
        let units = all().unwrap();
        let count = |kind| units.iter().filter(|u| u.kind == kind).count();
        assert_eq!(count(UnitKind::Ward), 113);
        assert_eq!(count(UnitKind::Commune), 54);
        assert_eq!(count(UnitKind::SpecialZone), 1);
        let codes: HashSet<_> = units.iter().map(|u| &u.code).collect();
        assert_eq!(codes.len(), units.len(), "codes are unique");
    }
}
