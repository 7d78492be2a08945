//! Feedback's read model of the directory's agencies (ADR 6): checking an
//! agency id, routing a report to the agency of its category's kind, and
//! replacing the model with the directory's latest list.

use chrono::Utc;
use congdan_contracts::events::directories::AgenciesListed;
use entity::feedback::{agency, category, report};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};

/// Whether the directory has agency `id`.
pub async fn exists(db: &impl ConnectionTrait, id: &str) -> Result<bool, DbErr> {
    Ok(agency::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .is_some())
}

/// The agency a report goes to: of its category's kind, the one serving
/// its ward, else a city-wide one (the first by id, so routing is stable).
/// None when the directory has neither.
pub async fn route(
    db: &impl ConnectionTrait,
    row: &report::Model,
) -> Result<Option<String>, DbErr> {
    let Some(category) = category::Entity::find_by_id(row.category.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let candidates = agency::Entity::find()
        .filter(agency::Column::Kind.eq(category.agency_kind))
        .order_by_asc(agency::Column::Id)
        .all(db)
        .await?;
    Ok(choose(&candidates, row.ward_code.as_deref()))
}

/// Of agencies of one kind, the one serving `ward`, else a city-wide one.
fn choose(candidates: &[agency::Model], ward: Option<&str>) -> Option<String> {
    let serving = candidates
        .iter()
        .find(|a| ward.is_some() && a.ward_code.as_deref() == ward);
    serving
        .or_else(|| candidates.iter().find(|a| a.ward_code.is_none()))
        .map(|a| a.id.clone())
}

/// Makes the read model the list: listed agencies written, others removed.
pub async fn replace(db: &DatabaseConnection, listed: &AgenciesListed) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let ids: Vec<&str> = listed.agencies.iter().map(|a| a.id.as_str()).collect();
    agency::Entity::delete_many()
        .filter(agency::Column::Id.is_not_in(ids))
        .exec(&txn)
        .await?;
    let now = Utc::now();
    for a in &listed.agencies {
        agency::Entity::insert(agency::ActiveModel {
            id: Set(a.id.clone()),
            kind: Set(a.kind.clone()),
            ward_code: Set(a.ward_id.clone()),
            updated_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(agency::Column::Id)
                .update_columns([
                    agency::Column::Kind,
                    agency::Column::WardCode,
                    agency::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agency(id: &str, ward: Option<&str>) -> agency::Model {
        agency::Model {
            id: id.into(),
            kind: "commune_committee".into(),
            ward_code: ward.map(str::to_string),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_ward_agency_first_then_a_city_wide_one() {
        let all = [
            agency("a-city", None),
            agency("b-ward", Some("26743")),
            agency("c-other", Some("26737")),
        ];
        assert_eq!(choose(&all, Some("26743")).as_deref(), Some("b-ward"));
        assert_eq!(choose(&all, Some("99999")).as_deref(), Some("a-city"));
        assert_eq!(choose(&all[1..], Some("99999")), None);
        assert_eq!(choose(&[], Some("26743")), None);
    }
}
