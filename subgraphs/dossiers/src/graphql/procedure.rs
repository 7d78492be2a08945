use async_graphql::{SimpleObject, ID};
use entity::dossiers::procedure;

use crate::domain::ProcedureLevel;

/// An administrative procedure, keyed by its national code
/// (e.g. `1.000494.000.00.00.H29`).
#[derive(SimpleObject, Clone)]
pub struct Procedure {
    pub id: ID,
    pub name: String,
    /// The field (lĩnh vực) the procedure belongs to, e.g. "Hộ tịch".
    pub field: String,
    pub level: ProcedureLevel,
    /// Statutory processing time in working days.
    pub processing_days: i32,
    /// Fee in Vietnamese đồng; 0 when free.
    pub fee_vnd: i64,
}

impl TryFrom<procedure::Model> for Procedure {
    type Error = congdan_common::Error;

    fn try_from(row: procedure::Model) -> Result<Self, Self::Error> {
        let level = row
            .level
            .parse()
            .map_err(|e: String| congdan_common::Error::Database(sea_orm::DbErr::Custom(e)))?;
        Ok(Self {
            id: ID(row.code),
            name: row.name,
            field: row.field,
            level,
            processing_days: row.processing_days,
            fee_vnd: row.fee_vnd,
        })
    }
}
