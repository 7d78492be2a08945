//! Feedback subgraph (hotline 1022): citizens' reports of incidents and
//! ideas, their handling workflow, tracking, ratings, the public map and
//! statistics, photos, and an Open311 GeoReport v2 facade.

pub mod agencies;
pub mod config;
pub mod domain;
pub mod graphql;
pub mod jobs;
pub mod open311;
pub mod personal_data;
pub mod photos;
pub mod seed;
pub mod store;

use std::sync::Arc;

use async_graphql::SchemaBuilder;
use axum::routing::get;
use congdan_common::server::Deps;
use congdan_common::subgraph::{self, Subgraph};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use config::FeedbackConfig;
use graphql::{Mutation, Query, Subscription};
use photos::{FileStore, LinkSigner, PhotoStore};

/// What resolvers and routes share besides the database.
pub struct Settings {
    pub config: FeedbackConfig,
    pub store: Arc<dyn PhotoStore>,
    pub signer: LinkSigner,
}

impl Settings {
    /// Photos in files under `config.photos_dir`; links signed with a key
    /// derived from `secret` (the deployment's personal-data key).
    pub fn new(config: FeedbackConfig, secret: &[u8; 32]) -> Self {
        let store = Arc::new(FileStore::new(config.photos_dir.clone()));
        Self::with_store(config, secret, store)
    }

    pub fn with_store(
        config: FeedbackConfig,
        secret: &[u8; 32],
        store: Arc<dyn PhotoStore>,
    ) -> Self {
        let signer = LinkSigner::new(secret, &config.photo_url_prefix, config.photo_url_ttl);
        Self {
            config,
            store,
            signer,
        }
    }
}

/// The feedback subgraph, with its settings.
pub struct Feedback {
    pub settings: Arc<Settings>,
}

impl Feedback {
    /// Configured with `config`; photo links signed with a key derived
    /// from the deployment's personal-data key.
    pub fn new(deps: &Deps, config: FeedbackConfig) -> Self {
        Self {
            settings: Arc::new(Settings::new(config, &deps.secrets.personal_data_key)),
        }
    }

    /// `/graphql` (with multipart uploads), `/health`, `/ready`, the photo
    /// links (`<FEEDBACK_PHOTO_URL_PREFIX>/{id}`, `/feedback/photos/{id}`
    /// by default) and Open311 (`/open311/v2/...`), with a body limit that
    /// fits five photos.
    pub fn router(&self, deps: &Deps) -> axum::Router {
        let settings = &self.settings;
        let photo_path = format!(
            "{}/{{id}}",
            photo_route_prefix(&settings.config.photo_url_prefix)
        );
        let photo_routes = axum::Router::new()
            .route(&photo_path, get(photos::serve_photo))
            .with_state(photos::PhotoRoute {
                db: deps.db.clone(),
                store: settings.store.clone(),
                signer: settings.signer.clone(),
            });
        let open311 = open311::router(open311::Open311 {
            db: deps.db.clone(),
            settings: settings.clone(),
        });
        subgraph::router(self, deps)
            .merge(photo_routes)
            .merge(open311)
            .layer(tower_http::limit::RequestBodyLimitLayer::new(
                settings.config.body_limit(),
            ))
    }
}

impl Subgraph for Feedback {
    const NAME: &'static str = "feedback";
    type Query = Query;
    type Mutation = Mutation;
    type Subscription = Subscription;

    fn roots() -> (Query, Mutation, Subscription) {
        (Query, Mutation, Subscription)
    }

    /// The bus (subscriptions read report events from it), the loaders,
    /// the settings, the database.
    fn data(
        &self,
        schema: SchemaBuilder<Query, Mutation, Subscription>,
        deps: &Deps,
    ) -> SchemaBuilder<Query, Mutation, Subscription> {
        schema
            .data(deps.bus.clone())
            .data(store::reports_by_id(deps.db.clone()))
            .data(store::follows::follows(deps.db.clone()))
            .data(store::categories_by_key(deps.db.clone()))
            .data(self.settings.clone())
            .data(deps.db.clone())
    }
}

/// The path part of the photo link prefix (it may be an absolute URL).
fn photo_route_prefix(prefix: &str) -> String {
    let path = match prefix.split_once("://") {
        Some((_, rest)) => rest.find('/').map(|i| &rest[i..]).unwrap_or(""),
        None => prefix,
    };
    let path = path.trim_end_matches('/');
    if path.is_empty() {
        "/feedback/photos".to_string()
    } else if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// Starts the maintenance job (fills old rows, closes expired reports
/// hourly) until `shutdown`. Run it beside the subgraph's server.
pub fn spawn_maintenance(
    deps: &Deps,
    config: FeedbackConfig,
    shutdown: CancellationToken,
) -> JoinHandle<()> {
    jobs::spawn(
        deps.db.clone(),
        Feedback::new(deps, config).settings,
        shutdown,
    )
}

/// Starts the consumer of `citizen.account.deleted` (anonymises a deleted
/// citizen's reports, follows, rating comments and timeline authorship;
/// see [`personal_data`]) until `shutdown`. Run it beside the subgraph's
/// server, once per process.
pub fn spawn_account_deletions(deps: &Deps, shutdown: CancellationToken) -> JoinHandle<()> {
    personal_data::spawn(deps, shutdown)
}

/// Starts following the directory's agency lists (the read model that
/// checks agency ids and routes reports; see [`agencies`]) until
/// `shutdown`. Run it beside the subgraph's server, once per process.
pub fn spawn_agency_lists(deps: &Deps, shutdown: CancellationToken) -> JoinHandle<()> {
    agencies::spawn(deps, shutdown)
}

#[cfg(test)]
mod tests {
    #[test]
    fn photo_routes_follow_the_link_prefix() {
        assert_eq!(
            super::photo_route_prefix("/feedback/photos"),
            "/feedback/photos"
        );
        assert_eq!(
            super::photo_route_prefix("https://api.example.vn/feedback/photos/"),
            "/feedback/photos"
        );
        assert_eq!(super::photo_route_prefix("photos"), "/photos");
        assert_eq!(
            super::photo_route_prefix("https://cdn.example.vn"),
            "/feedback/photos"
        );
    }

    #[test]
    fn sdl_declares_access_rules() {
        let sdl = congdan_common::subgraph::sdl::<super::Feedback>();
        let line = |field: &str| {
            sdl.lines()
                .find(|l| l.trim_start().starts_with(field))
                .unwrap_or_else(|| panic!("no `{field}` in\n{sdl}"))
                .to_string()
        };
        for field in [
            "assignReport(",
            "transferReport(",
            "startReportProgress(",
            "resolveReport(",
            "rejectReport(",
            "searchReports(",
        ] {
            assert!(
                line(field).contains(r#"@requiresScopes(scopes: [["officer"], ["admin"]])"#),
                "{field}"
            );
        }
        for field in [
            "rateReport(",
            "followReport(",
            "myReports(",
            "followedReports(",
        ] {
            assert!(line(field).contains("@authenticated"), "{field}");
        }
        assert!(line("closeExpiredReports").contains(r#"@requiresScopes(scopes: [["admin"]])"#));
        assert!(sdl.contains(r#"type PersonalDataExport @key(fields: "citizenId")"#));
        assert!(line("feedback:").contains("@authenticated"));
    }
}
