//! One step of a report's handling: who did what, when, with an internal note and
//! a message for the citizen.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback_timeline")]
pub struct Model {
    /// UUID v7: ordering by id orders by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub report_id: String,
    /// `submitted`, `assigned`, `transferred`, `started`, `resolved`,
    /// `rejected`, `rated`, `closed`, `reopened`.
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: String,
    /// The citizen id of the person who acted; None for the system, a
    /// partner or an anonymous reporter.
    pub actor_id: Option<String>,
    /// `reporter`, `officer`, `dispatcher`, `admin`, `partner`, `system`.
    pub actor_role: String,
    /// The agency the report is with after this step.
    pub agency_id: Option<String>,
    /// The officers' internal working note: shown to staff only, never
    /// sent to the citizen.
    pub note: Option<String>,
    /// What the citizen is told: the answer, the reason, a message from the
    /// agency, the rating comment.
    pub message: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
