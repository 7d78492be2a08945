//! The six subgraphs as one registry: name, default port, SDL, router, demo data.

use axum::Router;
use congdan_citizen::Citizen;
use congdan_common::server::Deps;
use congdan_common::subgraph::{self, Subgraph};
use congdan_content::Content;
use congdan_directories::Directories;
use congdan_dossiers::Dossiers;
use congdan_feedback::Feedback;
use congdan_geo::Geo;
use sea_orm::{ConnectionTrait, DbErr};

/// The subgraphs' own settings (read with the rest of the configuration,
/// `config::FeedbackArgs`).
#[derive(Debug, Clone, Default)]
pub struct SubgraphConfig {
    pub feedback: congdan_feedback::config::FeedbackConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum SubgraphName {
    Citizen,
    Feedback,
    Dossiers,
    Directories,
    Geo,
    Content,
}

impl SubgraphName {
    pub const ALL: [SubgraphName; 6] = [
        Self::Citizen,
        Self::Feedback,
        Self::Dossiers,
        Self::Directories,
        Self::Geo,
        Self::Content,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => Citizen::NAME,
            Self::Feedback => Feedback::NAME,
            Self::Dossiers => Dossiers::NAME,
            Self::Directories => Directories::NAME,
            Self::Geo => Geo::NAME,
            Self::Content => Content::NAME,
        }
    }

    /// Port the subgraph listens on by default (gateway is 4000).
    pub fn default_port(self) -> u16 {
        4001 + Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as u16
    }

    /// The URL written into the committed supergraph: each subgraph on its
    /// default port on this host. Deployments override it per subgraph.
    pub fn default_url(self) -> String {
        format!("http://127.0.0.1:{}/graphql", self.default_port())
    }

    pub fn sdl(self) -> String {
        match self {
            Self::Citizen => subgraph::sdl::<Citizen>(),
            Self::Feedback => subgraph::sdl::<Feedback>(),
            Self::Dossiers => subgraph::sdl::<Dossiers>(),
            Self::Directories => subgraph::sdl::<Directories>(),
            Self::Geo => subgraph::sdl::<Geo>(),
            Self::Content => subgraph::sdl::<Content>(),
        }
    }

    pub fn router(self, deps: &Deps, config: &SubgraphConfig) -> Router {
        match self {
            Self::Citizen => subgraph::router(&Citizen, deps),
            Self::Feedback => Feedback::new(deps, config.feedback.clone()).router(deps),
            Self::Dossiers => subgraph::router(&Dossiers, deps),
            Self::Directories => subgraph::router(&Directories, deps),
            Self::Geo => subgraph::router(&Geo, deps),
            Self::Content => subgraph::router(&Content, deps),
        }
    }

    /// Inserts this subgraph's demo data, its dates counted back from
    /// `installed_at`.
    pub async fn seed(
        self,
        db: &impl ConnectionTrait,
        installed_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), DbErr> {
        match self {
            Self::Citizen => congdan_citizen::seed::seed(db).await,
            Self::Feedback => congdan_feedback::seed::seed(db, installed_at).await,
            Self::Dossiers => congdan_dossiers::seed::seed(db).await,
            Self::Directories => congdan_directories::seed::seed(db).await,
            Self::Geo => congdan_geo::seed::seed(db).await,
            Self::Content => congdan_content::seed::seed(db, installed_at).await,
        }
    }
}

impl std::fmt::Display for SubgraphName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
