//! One GraphQL request through the gateway: persisted query → plan (cached,
//! with limits and validation) → variables → execute → shape.

pub mod persisted;

use std::sync::{Arc, RwLock};

use hive_router_query_planner::state::supergraph_state::OperationKind;
use serde::Deserialize;
use serde_json::{Map, Value};

use self::persisted::PersistedQueries;
use crate::error::GatewayError;
use crate::execute::projection::project;
use crate::execute::response::GraphQLResponse;
use crate::execute::subgraph::SubgraphClient;
use crate::execute::{Executed, Execution};
use crate::metrics::Metrics;
use crate::plan::authorization::Denied;
use crate::plan::{variables, IntrospectionPart, PlanCache, Policy};
use crate::supergraph::{introspection, Supergraph};

/// A GraphQL request as clients send it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphQLRequest {
    pub query: Option<String>,
    pub operation_name: Option<String>,
    #[serde(default)]
    pub variables: Option<Value>,
    #[serde(default)]
    pub extensions: Option<Value>,
}

/// Who sent a request, as the gateway established it (see `auth`).
#[derive(Debug, Clone, Default)]
pub struct Caller {
    pub identity: Option<congdan_common::identity::Identity>,
    /// The identity token forwarded to subgraphs (`x-congdan-identity`).
    pub identity_token: Option<String>,
    /// Whether this caller may introspect even where the policy says no (a
    /// partner key that grants it).
    pub may_introspect: bool,
}

/// How the request arrived; GET may only run queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A supergraph with the plans made for it; replaced whole on reload, so a
/// request keeps the schema it started with.
pub struct Loaded {
    pub supergraph: Arc<Supergraph>,
    pub plans: PlanCache,
}

pub struct Pipeline {
    loaded: RwLock<Arc<Loaded>>,
    plan_cache_size: u64,
    pub client: SubgraphClient,
    pub policy: Arc<Policy>,
    pub metrics: Arc<Metrics>,
    pub persisted: PersistedQueries,
}

impl Pipeline {
    pub fn new(
        supergraph: Supergraph,
        plan_cache_size: u64,
        client: SubgraphClient,
        policy: Arc<Policy>,
        metrics: Arc<Metrics>,
        persisted: PersistedQueries,
    ) -> Self {
        Self {
            loaded: RwLock::new(Arc::new(Loaded {
                supergraph: Arc::new(supergraph),
                plans: PlanCache::new(plan_cache_size),
            })),
            plan_cache_size,
            client,
            policy,
            metrics,
            persisted,
        }
    }

    /// The supergraph and plan cache new requests use.
    pub fn current(&self) -> Arc<Loaded> {
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Serves `supergraph` to requests from now on, with an empty plan cache;
    /// requests in flight finish on the one they started with.
    pub fn replace(&self, supergraph: Supergraph) {
        let loaded = Arc::new(Loaded {
            supergraph: Arc::new(supergraph),
            plans: PlanCache::new(self.plan_cache_size),
        });
        *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = loaded;
    }

    pub async fn run(
        &self,
        request: GraphQLRequest,
        method: Method,
        request_id: Option<&str>,
        caller: &Caller,
    ) -> Result<GraphQLResponse, GatewayError> {
        if !matches!(
            request.extensions,
            None | Some(Value::Null) | Some(Value::Object(_))
        ) {
            return Err(GatewayError::InvalidExtensions);
        }
        let query = self
            .persisted
            .resolve(request.query, request.extensions.as_ref())?;
        let variables = match request.variables {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map,
            Some(_) => return Err(GatewayError::InvalidVariables),
        };
        let loaded = self.current();
        let supergraph = loaded.supergraph.clone();
        let prepared = loaded
            .plans
            .get_or_prepare(
                &supergraph,
                &query,
                request.operation_name.as_deref(),
                &self.policy,
                &self.metrics,
            )
            .await?;
        if method == Method::Get && prepared.kind != OperationKind::Query {
            return Err(GatewayError::MutationOverGet);
        }
        if prepared.kind == OperationKind::Subscription {
            return Err(GatewayError::SubscriptionNotSupported);
        }
        if prepared.introspection.is_some() && !self.policy.introspection && !caller.may_introspect
        {
            return Err(GatewayError::IntrospectionDisabled);
        }
        let variables = variables::coerce(
            &supergraph.introspection,
            &prepared.variable_definitions,
            variables,
        )
        .map_err(GatewayError::Variables)?;
        let mut errors = Vec::new();
        let mut data = match &prepared.planned {
            // Fields the subgraphs answer, shaped to the request.
            Some((operation, plan)) => {
                // Fields the caller may not see are left out of the plan.
                let denied = Denied::evaluate(&prepared.guards, caller.identity.as_ref());
                let filtered;
                let plan = match &denied {
                    None => Some(plan),
                    Some(denied) => {
                        filtered = loaded
                            .plans
                            .plan_without(&supergraph, operation, denied)
                            .await?;
                        filtered.as_ref()
                    }
                };
                let executed = match plan {
                    Some(plan) => {
                        let execution = Execution::new(
                            &supergraph,
                            &self.client,
                            &self.metrics,
                            &variables,
                            request_id,
                            caller,
                        );
                        execution.run(plan).await
                    }
                    None => Executed::default(),
                };
                errors = executed.errors;
                let state = &supergraph.planner.supergraph;
                let root_type = match prepared.kind {
                    OperationKind::Mutation => state.mutation_type.as_deref().unwrap_or("Mutation"),
                    _ => state.query_type.as_str(),
                };
                project(
                    state,
                    operation,
                    root_type,
                    &executed.data,
                    &variables,
                    &mut errors,
                    &executed.missing,
                    denied.as_ref(),
                )
            }
            None => Value::Object(Map::new()),
        };
        if let (Some(part), Value::Object(map)) = (&prepared.introspection, &mut data) {
            answer_introspection(&supergraph, part, &variables, map);
        }
        Ok(GraphQLResponse {
            data: Some(data),
            errors,
        })
    }
}

/// Adds the root `__schema`/`__type` fields the gateway answers itself,
/// then puts the root fields back into request order.
fn answer_introspection(
    supergraph: &Supergraph,
    part: &IntrospectionPart,
    variables: &Map<String, Value>,
    map: &mut Map<String, Value>,
) {
    let request = introspection::Request {
        fragments: &part.fragments,
        variables,
    };
    for (key, field) in &part.fields {
        let value = supergraph.introspection.resolve_root_field(field, &request);
        map.insert(key.clone(), value);
    }
    let mut ordered = Map::new();
    for key in &part.root_order {
        if let Some(value) = map.remove(key) {
            ordered.insert(key.clone(), value);
        }
    }
    ordered.append(map);
    *map = ordered;
}
