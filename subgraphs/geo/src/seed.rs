//! The city's administrative units, loaded from `data/admin_units.tsv`
//! (code, name, kind, folded name; the public list in force since 1 July 2025).

use congdan_common::text::fold;
use entity::geo::admin_unit;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

use crate::domain::{AdministrativeUnitKind, PROVINCE_CODE};

const ADMIN_UNITS_TSV: &str = include_str!("../data/admin_units.tsv");

/// One row of the administrative-unit list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitRow {
    pub code: String,
    pub name: String,
    pub kind: AdministrativeUnitKind,
}

/// Parses the bundled list; a malformed line is an error naming the line.
pub fn admin_units() -> Result<Vec<UnitRow>, DbErr> {
    ADMIN_UNITS_TSV
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let bad = |why: &str| DbErr::Custom(format!("admin_units.tsv line {}: {why}", i + 1));
            let mut cols = line.split('\t');
            let code = cols.next().ok_or_else(|| bad("no code"))?.trim();
            let name = cols.next().ok_or_else(|| bad("no name"))?.trim();
            let kind = cols
                .next()
                .ok_or_else(|| bad("no kind"))?
                .trim()
                .parse()
                .map_err(|e: crate::domain::UnknownKind| bad(&e.to_string()))?;
            if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("the code is not five digits"));
            }
            Ok(UnitRow {
                code: code.to_string(),
                name: name.to_string(),
                kind,
            })
        })
        .collect()
}

/// Inserts every administrative unit.
pub async fn seed(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows = admin_units()?
        .into_iter()
        .map(|row| admin_unit::ActiveModel {
            name_folded: Set(fold(&row.name)),
            code: Set(row.code),
            name: Set(row.name),
            kind: Set(row.kind.as_str().to_string()),
            province_code: Set(PROVINCE_CODE.to_string()),
        });
    admin_unit::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_list_has_the_168_units_of_resolution_1685() {
        let units = admin_units().unwrap();
        let count = |kind| units.iter().filter(|u| u.kind == kind).count();
        assert_eq!(count(AdministrativeUnitKind::Ward), 113);
        assert_eq!(count(AdministrativeUnitKind::Commune), 54);
        assert_eq!(count(AdministrativeUnitKind::SpecialZone), 1);
        let codes: HashSet<_> = units.iter().map(|u| &u.code).collect();
        assert_eq!(codes.len(), units.len(), "codes are unique");
    }

    #[test]
    fn folded_names_match_the_ascii_column() {
        for (line_no, line) in ADMIN_UNITS_TSV.lines().enumerate().skip(1) {
            let cols: Vec<_> = line.split('\t').collect();
            if cols.len() >= 4 {
                assert_eq!(fold(cols[1]), cols[3].trim(), "line {}", line_no + 1);
            }
        }
    }
}
