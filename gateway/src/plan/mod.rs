//! From operation text to a query plan: protection limits, parse, validate
//! against the API schema, normalize and plan, with plans cached by
//! operation.

pub mod authorization;
pub mod limits;
pub mod variables;

use std::sync::Arc;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use graphql_tools::parser::query::parse_query;
use graphql_tools::static_graphql::query::{
    Definition, Document, Field, FragmentDefinition, OperationDefinition as QueryOperation,
    Selection, SelectionSet, VariableDefinition,
};
use graphql_tools::validation::rules::default_rules_validation_plan;
use graphql_tools::validation::validate::validate;
use hive_router_query_planner::ast::operation::OperationDefinition;
use hive_router_query_planner::graph::PlannerOverrideContext;
use hive_router_query_planner::planner::plan_nodes::QueryPlan;
use hive_router_query_planner::state::supergraph_state::OperationKind;
use hive_router_query_planner::utils::cancellation::CancellationToken;
use sha2::{Digest, Sha256};

use self::authorization::{Denied, Guard};
use crate::error::RequestError;
use crate::execute::projection::Shape;
use crate::execute::response::Location;
use crate::metrics::Metrics;
use crate::supergraph::Supergraph;

/// An operation ready to execute: its normalized form (for shaping the
/// response), its plan, and the introspection fields the gateway answers
/// itself.
pub struct PreparedOperation {
    pub kind: OperationKind,
    /// Normalized operation and plan for the fields subgraphs answer; None
    /// when the operation asks only for introspection.
    pub planned: Option<(OperationDefinition, Arc<QueryPlan>)>,
    /// `planned`'s operation compiled for writing responses.
    pub shape: Option<Shape>,
    pub introspection: Option<IntrospectionPart>,
    /// The operation's variable definitions, for coercing request variables.
    pub variable_definitions: Vec<VariableDefinition>,
    /// Fields of `planned` under `@authenticated`/`@requiresScopes`,
    /// checked against each request's caller.
    pub guards: Vec<Guard>,
}

/// Validation problems reported for one document; a hostile document can
/// have thousands, and the first ones say what is wrong.
const MAX_PROBLEMS: usize = 100;

/// One problem validation found, with where it is in the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub message: String,
    pub locations: Vec<Location>,
}

impl Problem {
    /// One line for logs; clients get one error per problem.
    pub fn summary(problems: &[Problem]) -> String {
        match problems {
            [] => "the document is not valid".to_string(),
            [one] => one.message.clone(),
            [first, rest @ ..] => format!("{} (and {} more problems)", first.message, rest.len()),
        }
    }
}

/// What a gateway allows, fixed for its lifetime.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Whether callers without a special grant may introspect. Checked per
    /// request, after the plan cache, so a grant (a partner's API key) can
    /// differ between callers of the same operation.
    pub introspection: bool,
    pub limits: limits::Limits,
    /// Mutations an anonymous client address may send per minute (0: no
    /// limit).
    pub anonymous_mutations_per_minute: u32,
}

/// Root `__schema`/`__type` fields, answered from the API schema.
pub struct IntrospectionPart {
    pub fields: Vec<(String, Field)>,
    pub fragments: HashMap<String, FragmentDefinition>,
    /// Response keys of the root selection in request order.
    pub root_order: Vec<String>,
}

/// Two levels: prepared operations by the SHA-256 of their text and name
/// (a repeated request skips parsing too), and query plans by the
/// normalized operation's hash and name (texts that differ only in
/// formatting, fragment layout or field order share a plan).
/// `try_get_with` makes concurrent identical requests build once.
pub struct PlanCache {
    cache: moka::future::Cache<[u8; 32], Arc<PreparedOperation>>,
    plans: ShapeCache,
}

/// Query plans by normalized operation hash and operation name.
pub type ShapeCache = moka::sync::Cache<(u64, Option<String>), Arc<QueryPlan>>;

impl PlanCache {
    pub fn new(capacity: u64) -> Self {
        Self {
            cache: moka::future::Cache::new(capacity),
            plans: moka::sync::Cache::new(capacity),
        }
    }

    /// The prepared operation for `query`, from the cache or made now.
    /// Making it stops when it runs past the planning limit, when this
    /// future is dropped (the client left) or when `shutdown` is cancelled.
    pub async fn get_or_prepare(
        &self,
        supergraph: &Arc<Supergraph>,
        query: &str,
        operation_name: Option<&str>,
        policy: &Arc<Policy>,
        metrics: &Metrics,
        shutdown: &tokio_util::sync::CancellationToken,
    ) -> Result<Arc<PreparedOperation>, RequestError> {
        let mut hasher = Sha256::new();
        hasher.update(query.as_bytes());
        hasher.update([0]);
        hasher.update(operation_name.unwrap_or_default().as_bytes());
        let key: [u8; 32] = hasher.finalize().into();
        let supergraph = supergraph.clone();
        let query = query.to_string();
        let operation_name = operation_name.map(str::to_string);
        let policy = policy.clone();
        let plans = self.plans.clone();
        let built = AtomicBool::new(false);
        let result = self
            .cache
            .try_get_with(key, async {
                built.store(true, Ordering::Relaxed);
                let planning = Planning::new(&policy.limits, shutdown);
                let cancel = planning.token.clone();
                // Planning is CPU work: keep it off the I/O threads.
                let work = tokio::task::spawn_blocking(move || {
                    prepare_until(
                        &supergraph,
                        &query,
                        operation_name.as_deref(),
                        &policy,
                        &plans,
                        &cancel,
                    )
                    .map(Arc::new)
                });
                planning.run(work).await
            })
            .await
            .map_err(|e: Arc<RequestError>| (*e).clone());
        let counter = if built.load(Ordering::Relaxed) {
            &metrics.plan_misses
        } else {
            &metrics.plan_hits
        };
        counter.fetch_add(1, Ordering::Relaxed);
        result
    }

    /// The plan of `operation` without the fields `denied` to a caller, from
    /// the shape cache when this denial was planned before; None when no
    /// root field is left to execute.
    pub async fn plan_without(
        &self,
        supergraph: &Arc<Supergraph>,
        operation: &OperationDefinition,
        denied: &Denied,
        limits: &limits::Limits,
        shutdown: &tokio_util::sync::CancellationToken,
    ) -> Result<Option<Arc<QueryPlan>>, RequestError> {
        let Some(filtered) = denied.filter(operation) else {
            return Ok(None);
        };
        let name = filtered.name.clone();
        if let Some(plan) = self.plans.get(&(filtered.hash(), name.clone())) {
            return Ok(Some(plan));
        }
        let supergraph = supergraph.clone();
        let plans = self.plans.clone();
        let planning = Planning::new(limits, shutdown);
        let cancel = planning.token.clone();
        let work = tokio::task::spawn_blocking(move || {
            plan_normalized(&supergraph, &filtered, name, &plans, &cancel).map(Some)
        });
        planning.run(work).await
    }
}

/// How long a planning in progress may go on once the gateway shuts down.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// One planning's cancellation: its deadline, the client leaving (the
/// future holding this is dropped) and the gateway shutting down all stop
/// the planner at its next check.
struct Planning {
    token: Arc<CancellationToken>,
    shutdown: tokio_util::sync::CancellationToken,
    limit_ms: u64,
}

impl Planning {
    fn new(limits: &limits::Limits, shutdown: &tokio_util::sync::CancellationToken) -> Self {
        Self {
            token: Arc::new(CancellationToken::with_timeout(
                std::time::Duration::from_millis(limits.max_plan_millis),
            )),
            shutdown: shutdown.clone(),
            limit_ms: limits.max_plan_millis,
        }
    }

    async fn run<T>(
        &self,
        mut work: tokio::task::JoinHandle<Result<T, RequestError>>,
    ) -> Result<T, RequestError> {
        let joined = tokio::select! {
            joined = &mut work => joined,
            () = self.shutdown.cancelled() => {
                // Requests in flight are drained: a planning gets a moment
                // to finish, no more.
                match tokio::time::timeout(SHUTDOWN_GRACE, &mut work).await {
                    Ok(joined) => joined,
                    Err(_) => {
                        self.token.cancel();
                        return Err(RequestError::ShuttingDown);
                    }
                }
            }
        };
        let result = joined.map_err(|e| RequestError::Plan(e.to_string()))?;
        match result {
            Err(RequestError::PlanningStopped) => Err(RequestError::Limit(limits::LimitExceeded {
                name: "plan_time",
                actual: self.limit_ms,
                limit: self.limit_ms,
            })),
            other => other,
        }
    }
}

impl Drop for Planning {
    fn drop(&mut self) {
        self.token.cancel();
    }
}

/// Parse, validate, normalize and plan one operation, with no deadline
/// (for tools and tests; requests go through [`PlanCache::get_or_prepare`]).
pub fn prepare(
    supergraph: &Supergraph,
    query: &str,
    operation_name: Option<&str>,
    policy: &Policy,
    plans: &ShapeCache,
) -> Result<PreparedOperation, RequestError> {
    prepare_until(
        supergraph,
        query,
        operation_name,
        policy,
        plans,
        &CancellationToken::new(),
    )
}

/// [`prepare`], stopped when `cancel` is.
fn prepare_until(
    supergraph: &Supergraph,
    query: &str,
    operation_name: Option<&str>,
    policy: &Policy,
    plans: &ShapeCache,
    cancel: &CancellationToken,
) -> Result<PreparedOperation, RequestError> {
    policy.limits.check_text(query)?;
    let document = parse_query::<String>(query)
        .map_err(|e| RequestError::Parse(e.to_string().trim().to_string()))?
        .into_static();
    let operation = select_operation(&document, operation_name)?;
    policy
        .limits
        .check_document(&document, selection_of(operation))?;
    let variable_definitions = match operation {
        QueryOperation::SelectionSet(_) => Vec::new(),
        QueryOperation::Query(q) => q.variable_definitions.clone(),
        QueryOperation::Mutation(m) => m.variable_definitions.clone(),
        QueryOperation::Subscription(s) => s.variable_definitions.clone(),
    };
    let errors = validate(
        &supergraph.api_schema,
        &document,
        &default_rules_validation_plan(),
    );
    if !errors.is_empty() {
        let problems = errors
            .into_iter()
            .take(MAX_PROBLEMS)
            .map(|e| Problem {
                message: e.message,
                locations: e
                    .locations
                    .iter()
                    .map(|p| Location {
                        line: p.line,
                        column: p.column,
                    })
                    .collect(),
            })
            .collect();
        return Err(RequestError::Validation(problems));
    }
    let mut document = document;
    let (kind, introspection) = split_introspection(&mut document, operation_name)?;
    let planned = match introspection {
        Some(ref part) if part.fields.len() == part.root_order.len() => None,
        _ => Some(plan(supergraph, &document, operation_name, plans, cancel)?),
    };
    let guards = match &planned {
        Some((operation, _)) => {
            authorization::guards(&supergraph.planner.supergraph, operation, &kind)
        }
        None => Vec::new(),
    };
    let shape = planned.as_ref().map(|(operation, _)| {
        let state = &supergraph.planner.supergraph;
        let root_type = match kind {
            OperationKind::Mutation => state.mutation_type.as_deref().unwrap_or("Mutation"),
            OperationKind::Subscription => {
                state.subscription_type.as_deref().unwrap_or("Subscription")
            }
            _ => state.query_type.as_str(),
        };
        Shape::compile(state, operation, root_type)
    });
    Ok(PreparedOperation {
        kind,
        planned,
        shape,
        introspection,
        variable_definitions,
        guards,
    })
}

fn plan(
    supergraph: &Supergraph,
    document: &Document,
    operation_name: Option<&str>,
    plans: &ShapeCache,
    cancel: &CancellationToken,
) -> Result<(OperationDefinition, Arc<QueryPlan>), RequestError> {
    let normalized = hive_router_query_planner::ast::normalization::normalize_operation(
        &supergraph.planner.supergraph,
        document,
        operation_name,
    )
    .map_err(|e| RequestError::UnknownOperation(e.to_string()))?;
    let operation = normalized.operation;
    let plan = plan_normalized(
        supergraph,
        &operation,
        operation_name.map(str::to_string),
        plans,
        cancel,
    )?;
    Ok((operation, plan))
}

/// Plans a normalized operation, through the shape cache.
fn plan_normalized(
    supergraph: &Supergraph,
    operation: &OperationDefinition,
    operation_name: Option<String>,
    plans: &ShapeCache,
    cancel: &CancellationToken,
) -> Result<Arc<QueryPlan>, RequestError> {
    let key = (operation.hash(), operation_name);
    let plan = plans.try_get_with(key, || {
        supergraph
            .planner
            .plan_from_normalized_operation(operation, PlannerOverrideContext::default(), cancel)
            .map(Arc::new)
            .map_err(|e| {
                if cancel.bail_if_cancelled().is_err() {
                    return RequestError::PlanningStopped;
                }
                tracing::warn!(error = %e, "no plan for an operation");
                RequestError::Unplannable(e.to_string())
            })
    });
    plan.map_err(|e: Arc<RequestError>| (*e).clone())
}

/// Takes the root `__schema`/`__type` fields out of the selected operation
/// (validation has ensured there is exactly one to select).
fn split_introspection(
    document: &mut Document,
    operation_name: Option<&str>,
) -> Result<(OperationKind, Option<IntrospectionPart>), RequestError> {
    let fragments: HashMap<String, FragmentDefinition> = document
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Fragment(f) => Some((f.name.clone(), f.clone())),
            _ => None,
        })
        .collect();
    let operation = document
        .definitions
        .iter_mut()
        .filter_map(|d| match d {
            Definition::Operation(op) => Some(op),
            _ => None,
        })
        .find(|op| operation_name.is_none() || name_of(op) == operation_name)
        .ok_or_else(|| no_operation(operation_name))?;
    let (kind, selection) = match operation {
        QueryOperation::SelectionSet(s) => (OperationKind::Query, s),
        QueryOperation::Query(q) => (OperationKind::Query, &mut q.selection_set),
        QueryOperation::Mutation(m) => (OperationKind::Mutation, &mut m.selection_set),
        QueryOperation::Subscription(s) => (OperationKind::Subscription, &mut s.selection_set),
    };
    if kind != OperationKind::Query {
        return Ok((kind, None));
    }
    let root_order = response_keys(selection);
    let mut fields = Vec::new();
    selection.items.retain(|item| match item {
        Selection::Field(f) if f.name == "__schema" || f.name == "__type" => {
            fields.push((f.alias.clone().unwrap_or_else(|| f.name.clone()), f.clone()));
            false
        }
        _ => true,
    });
    if fields.is_empty() {
        return Ok((kind, None));
    }
    Ok((
        kind,
        Some(IntrospectionPart {
            fields,
            fragments,
            root_order,
        }),
    ))
}

fn no_operation(operation_name: Option<&str>) -> RequestError {
    RequestError::UnknownOperation(match operation_name {
        Some(name) => format!("the document has no operation named `{name}`"),
        None => "the document has no operation".to_string(),
    })
}

/// The operation a request runs: the one named, or the only one.
fn select_operation<'d>(
    document: &'d Document,
    operation_name: Option<&str>,
) -> Result<&'d QueryOperation, RequestError> {
    let mut operations = document.definitions.iter().filter_map(|d| match d {
        Definition::Operation(op) => Some(op),
        _ => None,
    });
    match operation_name {
        Some(name) => operations
            .find(|op| name_of(op) == Some(name))
            .ok_or_else(|| no_operation(Some(name))),
        None => {
            let first = operations.next().ok_or_else(|| no_operation(None))?;
            if operations.next().is_some() {
                return Err(RequestError::UnknownOperation(
                    "the document has several operations; say which to run in `operationName`"
                        .into(),
                ));
            }
            Ok(first)
        }
    }
}

fn selection_of(operation: &QueryOperation) -> &SelectionSet {
    match operation {
        QueryOperation::SelectionSet(s) => s,
        QueryOperation::Query(q) => &q.selection_set,
        QueryOperation::Mutation(m) => &m.selection_set,
        QueryOperation::Subscription(s) => &s.selection_set,
    }
}

fn name_of(operation: &QueryOperation) -> Option<&str> {
    match operation {
        QueryOperation::SelectionSet(_) => None,
        QueryOperation::Query(q) => q.name.as_deref(),
        QueryOperation::Mutation(m) => m.name.as_deref(),
        QueryOperation::Subscription(s) => s.name.as_deref(),
    }
}

/// Response keys of a root selection (fields only; fragments at the root
/// contribute their own fields).
fn response_keys(selection: &SelectionSet) -> Vec<String> {
    let mut keys = Vec::new();
    for item in &selection.items {
        if let Selection::Field(f) = item {
            let key = f.alias.clone().unwrap_or_else(|| f.name.clone());
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Planning work as the planner does it: until its token says stop.
    fn work_until_stopped(
        token: Arc<CancellationToken>,
    ) -> tokio::task::JoinHandle<Result<(), RequestError>> {
        tokio::task::spawn_blocking(move || loop {
            if token.bail_if_cancelled().is_err() {
                return Err(RequestError::PlanningStopped);
            }
            std::thread::yield_now();
        })
    }

    fn limits(max_plan_millis: u64) -> limits::Limits {
        limits::Limits {
            max_plan_millis,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn planning_past_its_deadline_is_the_plan_time_limit() {
        let shutdown = tokio_util::sync::CancellationToken::new();
        let planning = Planning::new(&limits(0), &shutdown);
        let work = work_until_stopped(planning.token.clone());
        match planning.run(work).await {
            Err(RequestError::Limit(limit)) => assert_eq!(limit.name, "plan_time"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn shutdown_stops_planning() {
        let shutdown = tokio_util::sync::CancellationToken::new();
        let planning = Planning::new(&limits(3_600_000), &shutdown);
        let token = planning.token.clone();
        let work = work_until_stopped(token.clone());
        shutdown.cancel();
        assert!(matches!(
            planning.run(work).await,
            Err(RequestError::ShuttingDown)
        ));
        assert!(token.bail_if_cancelled().is_err());
    }

    #[tokio::test]
    async fn a_caller_that_leaves_stops_planning() {
        let shutdown = tokio_util::sync::CancellationToken::new();
        let planning = Planning::new(&limits(3_600_000), &shutdown);
        let token = planning.token.clone();
        let work = work_until_stopped(token.clone());
        // The request's future (holding the planning) is dropped.
        drop(planning);
        assert!(matches!(work.await, Ok(Err(RequestError::PlanningStopped))));
    }
}
