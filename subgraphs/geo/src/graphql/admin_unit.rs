use async_graphql::{ComplexObject, Enum, SimpleObject, ID};
use congdan_geography::units::{UnitKind, UnknownKind};
use entity::geo::admin_unit;

/// The three kinds of commune-level unit since 1 July 2025.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
#[graphql(remote = "congdan_geography::units::UnitKind")]
pub enum AdministrativeUnitKind {
    Ward,
    Commune,
    SpecialZone,
}

/// A commune-level administrative unit of Ho Chi Minh City: a ward (phường),
/// a commune (xã) or the special zone (đặc khu) of Côn Đảo.
#[derive(SimpleObject, Clone)]
#[graphql(complex)]
pub struct AdministrativeUnit {
    /// The unit's official code, also its key.
    pub id: ID,
    /// Name without the kind prefix, e.g. "Bến Thành".
    pub name: String,
    pub kind: AdministrativeUnitKind,
    /// Code of the province the unit belongs to ("79" for Ho Chi Minh City).
    pub province_code: String,
}

#[ComplexObject]
impl AdministrativeUnit {
    /// Name with its kind, as written in Vietnamese: "Phường Bến Thành".
    async fn full_name(&self) -> String {
        format!("{} {}", UnitKind::from(self.kind).title_vi(), self.name)
    }
}

impl TryFrom<admin_unit::Model> for AdministrativeUnit {
    type Error = congdan_common::Error;

    fn try_from(row: admin_unit::Model) -> Result<Self, Self::Error> {
        let kind = row.kind.parse::<UnitKind>().map_err(|e: UnknownKind| {
            tracing::error!(code = %row.code, error = %e, "stored administrative unit has an unknown kind");
            congdan_common::Error::Database(sea_orm::DbErr::Custom(e.to_string()))
        })?;
        Ok(Self {
            id: ID(row.code),
            name: row.name,
            kind: kind.into(),
            province_code: row.province_code,
        })
    }
}
