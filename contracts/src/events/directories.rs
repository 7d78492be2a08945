//! Events of the directories subgraph: the directory's agencies as other
//! subgraphs learn them (ADR 6). The directories subgraph publishes the
//! whole list when it starts and whenever a subgraph asks for it
//! ([`super::feedback::AgenciesWanted`]); feedback keeps a read model.

use serde::{Deserialize, Serialize};

use super::Contract;

/// Every agency of the directory, as checking an agency id and routing a
/// report need it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgenciesListed {
    pub agencies: Vec<ListedAgency>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedAgency {
    pub id: String,
    pub kind: String,
    /// The ward or commune it serves; None for a city-wide agency.
    pub ward_id: Option<String>,
}

impl Contract for AgenciesListed {
    const TOPIC: &'static str = "directories.agencies.listed";
    const VERSION: u32 = 1;
}
