//! One GraphQL request through the gateway: plan (cached) → execute → shape.

use std::sync::Arc;

use hive_router_query_planner::state::supergraph_state::OperationKind;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::GatewayError;
use crate::execute::projection::project;
use crate::execute::response::GraphQLResponse;
use crate::execute::subgraph::SubgraphClient;
use crate::execute::Execution;
use crate::plan::PlanCache;
use crate::supergraph::Supergraph;

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

/// How the request arrived; GET may only run queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

pub struct Pipeline {
    pub supergraph: Arc<Supergraph>,
    pub plans: PlanCache,
    pub client: SubgraphClient,
}

impl Pipeline {
    pub async fn run(
        &self,
        request: GraphQLRequest,
        method: Method,
    ) -> Result<GraphQLResponse, GatewayError> {
        let query = request
            .query
            .filter(|q| !q.trim().is_empty())
            .ok_or(GatewayError::MissingQuery)?;
        let variables = match request.variables {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map,
            Some(_) => return Err(GatewayError::InvalidVariables),
        };
        let supergraph = self.supergraph.clone();
        let prepared = self
            .plans
            .get_or_prepare(&supergraph, &query, request.operation_name.as_deref())
            .await?;
        let kind = prepared.kind();
        if method == Method::Get && kind != OperationKind::Query {
            return Err(GatewayError::MutationOverGet);
        }
        if kind == OperationKind::Subscription {
            return Err(GatewayError::SubscriptionNotSupported);
        }
        let execution = Execution::new(&supergraph, &self.client, &variables);
        let (data, mut errors) = execution.run(&prepared.plan).await;
        let state = &supergraph.planner.supergraph;
        let root_type = match kind {
            OperationKind::Mutation => state.mutation_type.as_deref().unwrap_or("Mutation"),
            _ => state.query_type.as_str(),
        };
        let data = project(
            state,
            &prepared.operation,
            root_type,
            &data,
            &variables,
            &mut errors,
        );
        Ok(GraphQLResponse {
            data: Some(data),
            errors,
        })
    }
}
