//! Loading a supergraph SDL: the planner built from it, the API schema used
//! to validate operations and answer introspection, and where each subgraph
//! is reached.

pub mod api_types;
pub mod introspection;

use std::collections::HashMap;
use std::sync::Arc;

use graphql_tools::parser::schema::parse_schema;
use graphql_tools::static_graphql::schema::{
    Definition, Document as SchemaDocument, TypeDefinition,
};
use hive_router_query_planner::planner::{Planner, QueryPlannerOptions};

use crate::error::StartupError;

/// A loaded supergraph, shared by every request that started on it.
pub struct Supergraph {
    pub planner: Planner,
    /// The API schema (no `join__`/`link__` internals), used for validation.
    pub api_schema: Arc<SchemaDocument>,
    /// The API schema's enum values and composite types, that answers are
    /// checked against.
    pub api_types: api_types::ApiTypes,
    /// Subgraph name → URL, after configuration overrides.
    pub endpoints: HashMap<String, String>,
    pub introspection: introspection::Introspection,
    /// The API schema as SDL, for `GET /schema.graphql`.
    pub api_sdl: String,
}

impl Supergraph {
    pub fn from_sdl(
        sdl: &str,
        url_overrides: &HashMap<String, String>,
    ) -> Result<Self, StartupError> {
        let document = parse_schema::<String>(sdl)
            .map_err(|e| StartupError::Supergraph(e.to_string()))?
            .into_static();
        let planner = Planner::new_from_supergraph(&document, QueryPlannerOptions::default())
            .map_err(|e| StartupError::Supergraph(e.to_string()))?;
        let mut endpoints = planner.supergraph.subgraph_endpoint_map.clone();
        for (name, url) in url_overrides {
            // A deployment may configure URLs for more subgraphs than this
            // supergraph has (say, before a reload adds one).
            match endpoints.get_mut(name) {
                Some(endpoint) => *endpoint = url.clone(),
                None => {
                    tracing::warn!(subgraph = %name, "a URL is configured for a subgraph the supergraph does not have")
                }
            }
        }
        let api_schema = planner.consumer_schema.document.clone();
        let api_types = api_types::ApiTypes::new(&api_schema);
        let introspection = introspection::Introspection::new(api_schema.clone());
        let api_sdl = api_sdl(&api_schema);
        Ok(Self {
            planner,
            api_schema,
            api_types,
            endpoints,
            introspection,
            api_sdl,
        })
    }
}

/// The API schema without the introspection types the planner adds to it.
fn api_sdl(api_schema: &SchemaDocument) -> String {
    let mut document = api_schema.clone();
    document.definitions.retain(|d| match d {
        Definition::TypeDefinition(t) => !introspection::type_name(t).starts_with("__"),
        _ => true,
    });
    for definition in &mut document.definitions {
        if let Definition::TypeDefinition(TypeDefinition::Object(object)) = definition {
            object.fields.retain(|f| !f.name.starts_with("__"));
        }
    }
    document.to_string()
}
