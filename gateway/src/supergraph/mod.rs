//! Loading a supergraph SDL: the planner built from it, the API schema used
//! to validate operations, and where each subgraph is reached.

use std::collections::HashMap;
use std::sync::Arc;

use graphql_tools::parser::schema::parse_schema;
use graphql_tools::static_graphql::schema::Document as SchemaDocument;
use hive_router_query_planner::planner::{Planner, QueryPlannerOptions};

use crate::error::GatewayError;

/// A loaded supergraph, shared by every request that started on it.
pub struct Supergraph {
    pub planner: Planner,
    /// The API schema (no `join__`/`link__` internals), used for validation.
    pub api_schema: Arc<SchemaDocument>,
    /// Subgraph name → URL, after configuration overrides.
    pub endpoints: HashMap<String, String>,
}

impl Supergraph {
    pub fn from_sdl(
        sdl: &str,
        url_overrides: &HashMap<String, String>,
    ) -> Result<Self, GatewayError> {
        let document = parse_schema::<String>(sdl)
            .map_err(|e| GatewayError::Supergraph(e.to_string()))?
            .into_static();
        let planner = Planner::new_from_supergraph(&document, QueryPlannerOptions::default())
            .map_err(|e| GatewayError::Supergraph(e.to_string()))?;
        let mut endpoints = planner.supergraph.subgraph_endpoint_map.clone();
        for (name, url) in url_overrides {
            if !endpoints.contains_key(name) {
                return Err(GatewayError::Supergraph(format!(
                    "a URL is configured for subgraph `{name}`, which the supergraph does not have"
                )));
            }
            endpoints.insert(name.clone(), url.clone());
        }
        let api_schema = planner.consumer_schema.document.clone();
        Ok(Self {
            planner,
            api_schema,
            endpoints,
        })
    }
}
