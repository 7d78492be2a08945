//! The city's administrative units, from the list `congdan_geography`
//! bundles (the public list in force since 1 July 2025).

use congdan_common::text::fold;
use congdan_geography::units::{self, PROVINCE_CODE};
use entity::geo::admin_unit;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

/// Inserts every administrative unit.
pub async fn seed(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let rows = units::all()
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .into_iter()
        .map(|unit| admin_unit::ActiveModel {
            name_folded: Set(fold(&unit.name)),
            code: Set(unit.code),
            name: Set(unit.name),
            kind: Set(unit.kind.as_str().to_string()),
            province_code: Set(PROVINCE_CODE.to_string()),
        });
    admin_unit::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_names_match_the_public_lists_ascii_names() {
        for unit in units::all().unwrap() {
            assert_eq!(fold(&unit.name), unit.name_ascii, "{}", unit.code);
        }
    }
}
