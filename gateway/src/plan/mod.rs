//! From operation text to a query plan: parse, validate against the API
//! schema, normalize and plan, with plans cached by operation.

use std::sync::Arc;

use graphql_tools::parser::query::parse_query;
use graphql_tools::validation::rules::default_rules_validation_plan;
use graphql_tools::validation::validate::validate;
use hive_router_query_planner::ast::operation::OperationDefinition;
use hive_router_query_planner::graph::PlannerOverrideContext;
use hive_router_query_planner::planner::plan_nodes::QueryPlan;
use hive_router_query_planner::state::supergraph_state::OperationKind;
use hive_router_query_planner::utils::cancellation::CancellationToken;
use sha2::{Digest, Sha256};

use crate::error::GatewayError;
use crate::supergraph::Supergraph;

/// An operation ready to execute: its normalized form (for shaping the
/// response) and its plan.
pub struct PreparedOperation {
    pub operation: OperationDefinition,
    pub plan: QueryPlan,
}

impl PreparedOperation {
    pub fn kind(&self) -> OperationKind {
        self.operation
            .operation_kind
            .clone()
            .unwrap_or(OperationKind::Query)
    }
}

/// Plans keyed by the SHA-256 of operation text and name. `try_get_with`
/// makes concurrent identical requests build the plan once.
pub struct PlanCache {
    cache: moka::future::Cache<[u8; 32], Arc<PreparedOperation>>,
}

impl PlanCache {
    pub fn new(capacity: u64) -> Self {
        Self {
            cache: moka::future::Cache::new(capacity),
        }
    }

    pub async fn get_or_prepare(
        &self,
        supergraph: &Arc<Supergraph>,
        query: &str,
        operation_name: Option<&str>,
    ) -> Result<Arc<PreparedOperation>, GatewayError> {
        let mut hasher = Sha256::new();
        hasher.update(query.as_bytes());
        hasher.update([0]);
        hasher.update(operation_name.unwrap_or_default().as_bytes());
        let key: [u8; 32] = hasher.finalize().into();
        let supergraph = supergraph.clone();
        let query = query.to_string();
        let operation_name = operation_name.map(str::to_string);
        self.cache
            .try_get_with(key, async move {
                // Planning is CPU work: keep it off the I/O threads.
                tokio::task::spawn_blocking(move || {
                    prepare(&supergraph, &query, operation_name.as_deref()).map(Arc::new)
                })
                .await
                .map_err(|e| GatewayError::Plan(e.to_string()))?
            })
            .await
            .map_err(|e: Arc<GatewayError>| clone_error(&e))
    }
}

fn clone_error(error: &GatewayError) -> GatewayError {
    match error {
        GatewayError::Parse(m) => GatewayError::Parse(m.clone()),
        GatewayError::Validation(m) => GatewayError::Validation(m.clone()),
        GatewayError::UnknownOperation(m) => GatewayError::UnknownOperation(m.clone()),
        GatewayError::Plan(m) => GatewayError::Plan(m.clone()),
        other => GatewayError::Plan(other.to_string()),
    }
}

/// Parse, validate, normalize and plan one operation.
pub fn prepare(
    supergraph: &Supergraph,
    query: &str,
    operation_name: Option<&str>,
) -> Result<PreparedOperation, GatewayError> {
    let document = parse_query::<String>(query)
        .map_err(|e| GatewayError::Parse(e.to_string().trim().to_string()))?
        .into_static();
    let errors = validate(
        &supergraph.api_schema,
        &document,
        &default_rules_validation_plan(),
    );
    if !errors.is_empty() {
        let message = errors
            .iter()
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        return Err(GatewayError::Validation(message));
    }
    let normalized = hive_router_query_planner::ast::normalization::normalize_operation(
        &supergraph.planner.supergraph,
        &document,
        operation_name,
    )
    .map_err(|e| GatewayError::UnknownOperation(e.to_string()))?;
    let operation = normalized.operation;
    let plan = supergraph
        .planner
        .plan_from_normalized_operation(
            &operation,
            PlannerOverrideContext::default(),
            &CancellationToken::new(),
        )
        .map_err(|e| {
            tracing::error!(error = %e, "query planning failed");
            GatewayError::Plan(e.to_string())
        })?;
    Ok(PreparedOperation { operation, plan })
}
