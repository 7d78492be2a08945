//! Walking a query plan: fetches run against subgraphs (in parallel where the
//! plan says so), their results are merged into one response tree, and
//! `projection` shapes that tree into exactly what the client asked for.

pub mod breaker;
mod entities;
mod merge;
pub mod projection;
pub mod response;
pub mod single_flight;
pub mod transport;
pub mod uploads;

use congdan_common::language::Language;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures::future::{join_all, BoxFuture, FutureExt};
use hive_router_query_planner::planner::plan_nodes::{
    BatchFetchNode, FetchNode, FlattenNodePath, PlanNode, QueryPlan,
};
use hive_router_query_planner::state::supergraph_state::OperationKind;
use serde_json::{Map, Value};

use self::entities::{EntityBatch, PathElem};
use self::response::GraphQLError;
use self::transport::{SubgraphClient, SubgraphError, SubgraphResponse};
use self::uploads::Uploads;
use crate::metrics::Metrics;
use crate::supergraph::Supergraph;

/// What every subgraph request of one execution carries on the client's
/// behalf: who asks (the identity token), in which language, the client
/// request's id, and the files of a multipart request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Forwarded<'a> {
    pub identity_token: Option<&'a str>,
    pub language: Language,
    pub request_id: Option<&'a str>,
    pub uploads: Option<&'a Uploads>,
}

/// Shared state of one plan execution. The data tree sits behind a mutex that
/// is held only to read representations or merge results, never across a
/// subgraph call, so parallel fetches overlap.
pub struct Execution<'a> {
    supergraph: &'a Supergraph,
    client: &'a SubgraphClient,
    metrics: &'a Metrics,
    variables: &'a Map<String, Value>,
    forwarded: Forwarded<'a>,
    data: Mutex<Tree>,
    errors: Mutex<Vec<GraphQLError>>,
    /// Paths whose data is missing because a fetch failed; its error is
    /// reported once, so shaping adds none for nulls below them.
    missing: Mutex<Vec<Vec<Value>>>,
}

/// What executing a plan produced, before shaping.
#[derive(Default)]
pub struct Executed {
    pub data: Tree,
    pub errors: Vec<GraphQLError>,
    pub missing: Vec<Vec<Value>>,
}

/// The merged data. The first root answer stays as the subgraph client
/// shares it (with requests deduplicated into the same subgraph request)
/// and is copied only when something is merged into it: a plan with one
/// fetch is shaped straight from the subgraph's answer.
#[derive(Default)]
pub struct Tree {
    owned: Value,
    shared: Option<Arc<SubgraphResponse>>,
}

static NULL: Value = Value::Null;

impl Tree {
    pub fn get(&self) -> &Value {
        match &self.shared {
            Some(response) => response.data.as_ref().unwrap_or(&NULL),
            None => &self.owned,
        }
    }

    fn make_mut(&mut self) -> &mut Value {
        if let Some(response) = self.shared.take() {
            self.owned = Arc::try_unwrap(response)
                .map(|r| r.data)
                .unwrap_or_else(|r| r.data.clone())
                .unwrap_or_else(|| Value::Object(Map::new()));
        }
        &mut self.owned
    }

    fn is_empty(&self) -> bool {
        self.shared.is_none()
            && match &self.owned {
                Value::Null => true,
                Value::Object(map) => map.is_empty(),
                _ => false,
            }
    }
}

impl<'a> Execution<'a> {
    pub fn new(
        supergraph: &'a Supergraph,
        client: &'a SubgraphClient,
        metrics: &'a Metrics,
        variables: &'a Map<String, Value>,
        forwarded: Forwarded<'a>,
    ) -> Self {
        Self {
            supergraph,
            client,
            metrics,
            variables,
            forwarded,
            data: Mutex::new(Tree::default()),
            errors: Mutex::new(Vec::new()),
            missing: Mutex::new(Vec::new()),
        }
    }

    /// Runs the plan and returns the merged (unshaped) data and the errors.
    pub async fn run(self, plan: &QueryPlan) -> Executed {
        if let Some(node) = &plan.node {
            self.node(node).await;
        }
        Executed {
            data: self.data.into_inner().unwrap_or_else(|e| e.into_inner()),
            errors: self.errors.into_inner().unwrap_or_else(|e| e.into_inner()),
            missing: self.missing.into_inner().unwrap_or_else(|e| e.into_inner()),
        }
    }

    fn node<'n>(&'n self, node: &'n PlanNode) -> BoxFuture<'n, ()> {
        async move {
            match node {
                PlanNode::Fetch(fetch) => self.fetch(fetch, None).await,
                PlanNode::Flatten(flatten) => match flatten.node.as_ref() {
                    PlanNode::Fetch(fetch) => self.fetch(fetch, Some(&flatten.path)).await,
                    other => self.node(other).await,
                },
                PlanNode::BatchFetch(batch) => self.batch_fetch(batch).await,
                PlanNode::Sequence(sequence) => {
                    for child in &sequence.nodes {
                        self.node(child).await;
                    }
                }
                PlanNode::Parallel(parallel) => {
                    join_all(parallel.nodes.iter().map(|child| self.node(child))).await;
                }
                PlanNode::Condition(condition) => {
                    let on = matches!(
                        self.variables.get(&condition.condition),
                        Some(Value::Bool(true))
                    );
                    let branch = if on {
                        &condition.if_clause
                    } else {
                        &condition.else_clause
                    };
                    if let Some(branch) = branch {
                        self.node(branch).await;
                    }
                }
                PlanNode::Subscription(_) | PlanNode::Defer(_) => {
                    self.push_error(GraphQLError::new(
                        "subscriptions and @defer are not supported by this gateway yet",
                        "BAD_REQUEST",
                    ));
                }
            }
        }
        .boxed()
    }

    fn push_error(&self, error: GraphQLError) {
        self.errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(error);
    }

    fn used_variables(
        &self,
        usages: Option<&std::collections::BTreeSet<String>>,
    ) -> Map<String, Value> {
        usages
            .into_iter()
            .flatten()
            .filter_map(|name| self.variables.get(name).map(|v| (name.clone(), v.clone())))
            .collect()
    }

    /// Calls `service`; `dedupe` for queries (never for mutations).
    async fn call(
        &self,
        service: &str,
        query: &str,
        variables: Map<String, Value>,
        dedupe: bool,
    ) -> Result<Arc<SubgraphResponse>, SubgraphError> {
        let url = self
            .supergraph
            .endpoints
            .get(service)
            .ok_or_else(|| SubgraphError::UnknownSubgraph(service.to_string()))?;
        let started = Instant::now();
        let mut variables = variables;
        let files = match self.forwarded.uploads {
            Some(uploads) => uploads::take_files(&mut variables, uploads),
            None => Vec::new(),
        };
        let result = if !files.is_empty() {
            self.client
                .call_multipart(
                    service,
                    url,
                    query,
                    &variables,
                    &files,
                    self.forwarded.request_id,
                    self.forwarded.identity_token,
                    self.forwarded.language,
                )
                .await
                .map(Arc::new)
        } else {
            self.client
                .call(
                    service,
                    url,
                    query,
                    variables,
                    self.forwarded.request_id,
                    self.forwarded.identity_token,
                    self.forwarded.language,
                    dedupe,
                )
                .await
        };
        let metrics = self.metrics.subgraph(service);
        metrics.latency.observe(started.elapsed());
        if result.is_err() {
            metrics
                .errors
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        result
    }

    /// Reports a failed fetch once, at the first affected path, and marks
    /// every affected path as missing.
    fn unavailable(&self, service: &str, error: &SubgraphError, affected: Vec<Vec<Value>>) {
        let path = affected.first().cloned();
        self.missing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(affected);
        tracing::warn!(subgraph = service, %error, "subgraph fetch failed");
        let message = match self.forwarded.language {
            Language::Vi => format!(
                "Dịch vụ {service} hiện không truy cập được; thiếu dữ liệu do dịch vụ này cung cấp"
            ),
            Language::En => {
                format!("the {service} service is unavailable; data it provides is missing")
            }
        };
        let mut e = GraphQLError::new(message, "SUBGRAPH_UNAVAILABLE");
        e.path = path;
        self.push_error(e);
    }

    /// An entity left out of a fetch because a field its representation
    /// needs is missing gets an error at its path, so its fields are not a
    /// silent null; unless that is already explained, by a failed fetch
    /// (its data is missing) or an error at or above the path.
    fn requirements_missing(&self, service: &str, batch: &EntityBatch) {
        let mut incomplete = batch.incomplete().peekable();
        if incomplete.peek().is_none() {
            return;
        }
        let missing = self.missing.lock().unwrap_or_else(|e| e.into_inner());
        let mut errors = self.errors.lock().unwrap_or_else(|e| e.into_inner());
        for (path, typename) in incomplete {
            let explained = missing.iter().any(|m| path.starts_with(m))
                || errors
                    .iter()
                    .any(|e| e.path.as_ref().is_some_and(|p| path.starts_with(p)));
            if explained {
                continue;
            }
            tracing::warn!(
                subgraph = service,
                r#type = typename,
                "an entity lacks a field its representation requires"
            );
            errors.push(
                GraphQLError::new(
                    format!(
                        "the {service} service was not asked for this {typename}: a field it requires is missing"
                    ),
                    "REQUIREMENT_MISSING",
                )
                .at(path),
            );
        }
    }

    /// A fetch at the root (`path` is None) or into the entities at `path`.
    async fn fetch(&self, fetch: &FetchNode, path: Option<&FlattenNodePath>) {
        let mut variables = self.used_variables(fetch.variable_usages.as_ref());
        let Some(requires) = &fetch.requires else {
            return self.root_fetch(fetch, variables).await;
        };
        let path = path.map(FlattenNodePath::as_slice).unwrap_or_default();
        let batch = {
            let data = self.data.lock().unwrap_or_else(|e| e.into_inner());
            EntityBatch::collect(
                &self.supergraph.planner.supergraph,
                data.get(),
                path,
                requires,
                fetch.input_rewrites.as_deref(),
            )
        };
        self.requirements_missing(&fetch.service_name, &batch);
        if batch.is_empty() {
            return;
        }
        variables.insert("representations".into(), batch.representations_json());
        let document = &fetch.operation.document_str;
        match self
            .call(&fetch.service_name, document, variables, true)
            .await
        {
            Ok(response) => {
                let response = owned(response);
                let entities = response
                    .data
                    .and_then(|mut d| d.get_mut("_entities").map(Value::take));
                let mut unindexed =
                    entities::Unindexed::new(entities.as_ref(), !response.errors.is_empty());
                let mut data = self.data.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(Value::Array(entities)) = entities {
                    let unresolved = entities::unresolved(&response.errors, "_entities", &entities);
                    batch.merge(
                        &self.supergraph.planner.supergraph,
                        data.make_mut(),
                        entities,
                        fetch.output_rewrites.as_deref(),
                        &unresolved,
                    );
                }
                drop(data);
                for error in response.errors {
                    for relocated in batch.relocate_error(error, "_entities", &mut unindexed) {
                        self.push_error(relocated);
                    }
                }
            }
            Err(error) => self.unavailable(&fetch.service_name, &error, batch.target_paths()),
        }
    }

    async fn root_fetch(&self, fetch: &FetchNode, variables: Map<String, Value>) {
        let document = &fetch.operation.document_str;
        let query = matches!(fetch.operation_kind, None | Some(OperationKind::Query));
        match self
            .call(&fetch.service_name, document, variables, query)
            .await
        {
            Ok(response) => self.merge_root(fetch, response),
            Err(error) => {
                let root_fields = fetch
                    .operation
                    .document
                    .operation
                    .selection_set
                    .items
                    .iter()
                    .filter_map(|item| match item {
                        hive_router_query_planner::ast::selection_item::SelectionItem::Field(f) => {
                            Some(vec![Value::String(f.selection_identifier().to_string())])
                        }
                        _ => None,
                    })
                    .collect();
                self.unavailable(&fetch.service_name, &error, root_fields);
            }
        }
    }

    /// Merges what a root fetch answered into the data: the first answer
    /// without rewrites is kept as it is shared, not copied.
    fn merge_root(&self, fetch: &FetchNode, response: Arc<SubgraphResponse>) {
        for error in &response.errors {
            self.push_error(entities::subgraph_error(error.clone(), None));
        }
        if response.data.is_none() {
            return;
        }
        let mut data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        if fetch.output_rewrites.is_none() && data.is_empty() {
            data.shared = Some(response);
            return;
        }
        let Some(mut result) = owned(response).data else {
            return;
        };
        if let Some(rewrites) = &fetch.output_rewrites {
            entities::apply_rewrites(&self.supergraph.planner.supergraph, &mut result, rewrites);
        }
        merge::deep_merge(data.make_mut(), result);
    }

    /// One event of a subscription: `event` is what the owning subgraph sent
    /// for the plan's primary fetch; the rest of the plan fetches the fields
    /// other subgraphs own.
    pub async fn run_event(
        self,
        primary: &FetchNode,
        event: SubgraphResponse,
        rest: &[&PlanNode],
    ) -> Executed {
        self.merge_root(primary, Arc::new(event));
        for node in rest {
            self.node(node).await;
        }
        Executed {
            data: self.data.into_inner().unwrap_or_else(|e| e.into_inner()),
            errors: self.errors.into_inner().unwrap_or_else(|e| e.into_inner()),
            missing: self.missing.into_inner().unwrap_or_else(|e| e.into_inner()),
        }
    }

    /// Several entity fetches to one subgraph sent as one request, each under
    /// its own alias of `_entities`.
    async fn batch_fetch(&self, node: &BatchFetchNode) {
        let mut variables = self.used_variables(node.variable_usages.as_ref());
        let batches: Vec<(String, EntityBatch)> = {
            let data = self.data.lock().unwrap_or_else(|e| e.into_inner());
            node.entity_batch
                .aliases
                .iter()
                .map(|alias| {
                    let mut batch = EntityBatch::default();
                    for path in &alias.merge_paths {
                        batch.extend(
                            &self.supergraph.planner.supergraph,
                            data.get(),
                            path.as_slice(),
                            &alias.requires,
                            alias.input_rewrites.as_deref(),
                        );
                    }
                    (alias.alias.clone(), batch)
                })
                .collect()
        };
        for (_, batch) in &batches {
            self.requirements_missing(&node.service_name, batch);
        }
        if batches.iter().all(|(_, b)| b.is_empty()) {
            return;
        }
        for (alias, (_, batch)) in node.entity_batch.aliases.iter().zip(&batches) {
            variables.insert(
                alias.representations_variable_name.clone(),
                batch.representations_json(),
            );
        }
        match self
            .call(
                &node.service_name,
                &node.operation.document_str,
                variables,
                true,
            )
            .await
        {
            Ok(response) => {
                let mut response = owned(response);
                let mut data = self.data.lock().unwrap_or_else(|e| e.into_inner());
                let mut unindexed = Vec::with_capacity(batches.len());
                for (alias, (key, batch)) in node.entity_batch.aliases.iter().zip(&batches) {
                    let entities = response
                        .data
                        .as_mut()
                        .and_then(|d| d.get_mut(key.as_str()).map(Value::take));
                    unindexed.push(entities::Unindexed::new(
                        entities.as_ref(),
                        !response.errors.is_empty(),
                    ));
                    if let Some(Value::Array(entities)) = entities {
                        let unresolved = entities::unresolved(&response.errors, key, &entities);
                        batch.merge(
                            &self.supergraph.planner.supergraph,
                            data.make_mut(),
                            entities,
                            alias.output_rewrites.as_deref(),
                            &unresolved,
                        );
                    }
                }
                drop(data);
                for error in response.errors {
                    let alias = error
                        .path
                        .as_ref()
                        .and_then(|p| p.first())
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    let batch = batches
                        .iter()
                        .zip(&mut unindexed)
                        .find(|((key, _), _)| Some(key) == alias.as_ref());
                    let relocated = match (batch, alias) {
                        (Some(((_, batch), nulls)), Some(alias)) => {
                            batch.relocate_error(error, &alias, nulls)
                        }
                        _ => vec![entities::subgraph_error(error, None)],
                    };
                    for error in relocated {
                        self.push_error(error);
                    }
                }
            }
            Err(error) => {
                let affected = batches.iter().flat_map(|(_, b)| b.target_paths()).collect();
                self.unavailable(&node.service_name, &error, affected)
            }
        }
    }
}

/// The answer to change: this request's own, or a copy when others share it.
fn owned(response: Arc<SubgraphResponse>) -> SubgraphResponse {
    Arc::try_unwrap(response).unwrap_or_else(|shared| (*shared).clone())
}

/// A path in the response tree, as GraphQL error paths write it.
pub(crate) fn path_to_json(path: &[PathElem]) -> Vec<Value> {
    path.iter()
        .map(|elem| match elem {
            PathElem::Key(key) => Value::String(key.clone()),
            PathElem::Index(i) => Value::from(*i),
        })
        .collect()
}
