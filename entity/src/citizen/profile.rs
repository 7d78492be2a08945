//! What a citizen edits about themself. A citizen without a row has the
//! defaults: no contact details of their own, no home ward, Vietnamese.
use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "citizen_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub citizen_id: String,
    /// `+84` and nine digits.
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    /// Code of an administrative unit of the geo subgraph.
    pub home_ward_id: Option<String>,
    /// `vi` or `en`.
    pub language: String,
    /// Whether My Services was filled with the default list once (an empty
    /// list afterwards is the citizen's choice).
    pub services_initialised: bool,
    pub updated_at: DateTimeUtc,
}

/// Personal data stays out of logs.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CitizenProfile")
            .field("citizen_id", &self.citizen_id)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
