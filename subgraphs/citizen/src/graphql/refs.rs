//! References to entities other subgraphs own: the citizen subgraph knows
//! only their keys (`@key(..., resolvable: false)`); the gateway fetches
//! their fields from the owner.

use async_graphql::{SimpleObject, Union, ID};

use crate::domain::pins::PinnedItemType;

/// A feedback report (feedback subgraph).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Report", unresolvable = "id")]
pub struct ReportRef {
    pub id: ID,
}

/// A ward, commune or special zone (geo subgraph).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "AdministrativeUnit", unresolvable = "id")]
pub struct AdministrativeUnitRef {
    pub id: ID,
}

/// An agency (directories subgraph).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Agency", unresolvable = "id")]
pub struct AgencyRef {
    pub id: ID,
}

/// An administrative procedure (dossiers subgraph).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Procedure", unresolvable = "id")]
pub struct ProcedureRef {
    pub id: ID,
}

/// A news article (content subgraph).
#[derive(SimpleObject, Clone, Debug)]
#[graphql(name = "Article", unresolvable = "id")]
pub struct ArticleRef {
    pub id: ID,
}

/// What a pin points at.
#[derive(Union, Clone, Debug)]
pub enum PinnedItem {
    Report(ReportRef),
    AdministrativeUnit(AdministrativeUnitRef),
    Agency(AgencyRef),
    Procedure(ProcedureRef),
    Article(ArticleRef),
}

impl PinnedItem {
    pub fn new(kind: PinnedItemType, key: String) -> Self {
        let id = ID(key);
        match kind {
            PinnedItemType::Report => Self::Report(ReportRef { id }),
            PinnedItemType::AdministrativeUnit => {
                Self::AdministrativeUnit(AdministrativeUnitRef { id })
            }
            PinnedItemType::Agency => Self::Agency(AgencyRef { id }),
            PinnedItemType::Procedure => Self::Procedure(ProcedureRef { id }),
            PinnedItemType::Article => Self::Article(ArticleRef { id }),
        }
    }
}

/// What a notification is about (more types as their domains land:
/// dossiers, alerts, surveys).
#[derive(Union, Clone, Debug)]
pub enum NotificationSubject {
    Report(ReportRef),
}

impl NotificationSubject {
    /// The subject stored as `kind`/`key`; None for kinds this build does
    /// not know.
    pub fn new(kind: &str, key: String) -> Option<Self> {
        match kind {
            "report" => Some(Self::Report(ReportRef { id: ID(key) })),
            _ => None,
        }
    }
}
