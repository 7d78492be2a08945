//! Events of the citizen subgraph.

use serde::{Deserialize, Serialize};

use super::Contract;

/// Every citizen event (the gateway follows them for sessions).
pub const EVENTS: &str = "citizen.>";

/// A citizen deleted their account: every subgraph removes or anonymises
/// what it holds of them; the gateway revokes their sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountDeleted {
    pub citizen_id: String,
}

impl Contract for AccountDeleted {
    const TOPIC: &'static str = "citizen.account.deleted";
    const VERSION: u32 = 1;
}

/// An admin changed a citizen's roles or agencies: the gateway makes their
/// sessions pick the new roles up at the next refresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RolesChanged {
    pub citizen_id: String,
}

impl Contract for RolesChanged {
    const TOPIC: &'static str = "citizen.roles.changed";
    const VERSION: u32 = 1;
}
