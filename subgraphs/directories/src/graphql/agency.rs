use async_graphql::{SimpleObject, ID};
use entity::directories::agency;

/// A government agency with its contacts.
#[derive(SimpleObject, Clone)]
pub struct Agency {
    pub id: ID,
    pub name: String,
    /// `city_department`, `commune_committee`, `police`, `hotline`, ...
    pub kind: String,
    pub hotline: Option<String>,
    pub address: Option<String>,
    /// The ward or commune the agency serves, if it serves one.
    pub ward: Option<AdministrativeUnit>,
}

/// Reference to an administrative unit of the geo subgraph.
#[derive(SimpleObject, Clone)]
#[graphql(unresolvable = "id")]
pub struct AdministrativeUnit {
    pub id: ID,
}

impl TryFrom<agency::Model> for Agency {
    type Error = congdan_common::Error;

    fn try_from(row: agency::Model) -> Result<Self, Self::Error> {
        Ok(Self {
            id: ID(row.id),
            name: row.name,
            kind: row.kind,
            hotline: row.hotline,
            address: row.address,
            ward: row
                .ward_code
                .map(|code| AdministrativeUnit { id: ID(code) }),
        })
    }
}
