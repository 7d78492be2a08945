//! One GraphQL request through the gateway: persisted query → plan (cached,
//! with limits and validation) → variables → execute → shape.

pub mod persisted;
pub mod reload;

use congdan_common::language::Language;
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::stream::{BoxStream, StreamExt};
use hive_router_query_planner::planner::plan_nodes::{FetchNode, PlanNode, QueryPlan};
use hive_router_query_planner::state::supergraph_state::OperationKind;
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use self::persisted::PersistedQueries;
pub use crate::caller::Caller;
use crate::error::RequestError;
use crate::execute::projection::project;
use crate::execute::response::GraphQLResponse;
use crate::execute::single_flight::{self, SingleFlight};
use crate::execute::transport::{websocket, SubgraphClient};
use crate::execute::uploads::Uploads;
use crate::execute::{Executed, Execution, Forwarded};
use crate::metrics::Metrics;
use crate::plan::authorization::Denied;
use crate::plan::{variables, IntrospectionPart, PlanCache, Policy, PreparedOperation};
use crate::rate_limit::KeyedLimiter;
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
    /// The files of a multipart request, sent on with the fetch whose
    /// variables carry them.
    #[serde(skip)]
    pub uploads: Option<Uploads>,
}

/// How the request arrived; GET may not run mutations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// An operation's answer: once, or a stream of them (a subscription).
pub enum Answer {
    Once(GraphQLResponse),
    Stream(BoxStream<'static, GraphQLResponse>),
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
    /// Identical query operations in flight share one execution; None when
    /// turned off.
    coalesce: Option<SingleFlight<Arc<GraphQLResponse>>>,
    pub policy: Arc<Policy>,
    pub metrics: Arc<Metrics>,
    pub persisted: PersistedQueries,
    /// Cancelled when the gateway shuts down: plannings in progress stop.
    shutdown: tokio_util::sync::CancellationToken,
    /// Anonymous mutations by client address.
    anonymous_mutations: KeyedLimiter<IpAddr>,
}

impl Pipeline {
    pub fn new(
        supergraph: Supergraph,
        plan_cache_size: u64,
        client: SubgraphClient,
        policy: Arc<Policy>,
        metrics: Arc<Metrics>,
        persisted: PersistedQueries,
        coalesce: bool,
    ) -> Self {
        Self {
            coalesce: coalesce.then(SingleFlight::default),
            loaded: RwLock::new(Arc::new(Loaded {
                supergraph: Arc::new(supergraph),
                plans: PlanCache::new(plan_cache_size),
            })),
            plan_cache_size,
            client,
            policy,
            metrics,
            persisted,
            shutdown: tokio_util::sync::CancellationToken::new(),
            anonymous_mutations: KeyedLimiter::new(100_000, Duration::from_secs(600)),
        }
    }

    /// Counts an anonymous mutation against its client address's allowance
    /// (a phone reporting a pothole needs a few a minute; a script sending
    /// hundreds is refused).
    fn admit_anonymous_mutation(&self, caller: &Caller) -> Result<(), RequestError> {
        let Some(per_minute) = NonZeroU32::new(self.policy.anonymous_mutations_per_minute) else {
            return Ok(());
        };
        let address = caller.client.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        self.anonymous_mutations
            .check(address, per_minute)
            .map_err(|wait| RequestError::AnonymousRateLimited {
                limit: per_minute.get(),
                retry_after_secs: wait.as_secs().max(1),
            })
    }

    /// Stops every planning in progress and any that starts from now on:
    /// the gateway is shutting down.
    pub fn stop_planning(&self) {
        self.shutdown.cancel();
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

    /// Everything before execution: persisted query, plan (cached), method,
    /// introspection permission, variables, and the fields the caller may
    /// not see cut from the plan.
    async fn prepare(
        &self,
        request: GraphQLRequest,
        method: Method,
        caller: &Caller,
    ) -> Result<Ready, RequestError> {
        if !matches!(
            request.extensions,
            None | Some(Value::Null) | Some(Value::Object(_))
        ) {
            return Err(RequestError::InvalidExtensions);
        }
        let (query, registration) = self
            .persisted
            .resolve(request.query, request.extensions.as_ref())?;
        let variables = match request.variables {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(map)) => map,
            Some(_) => return Err(RequestError::InvalidVariables),
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
                &self.shutdown,
            )
            .await?;
        // Limits, parsing and validation passed: only now is a new
        // persisted text worth remembering.
        if let Some(registration) = registration {
            self.persisted.register(registration, &query);
        }
        // GET changes nothing: queries, and subscriptions (SSE's
        // `EventSource` can only GET).
        if method == Method::Get && prepared.kind == OperationKind::Mutation {
            return Err(RequestError::MutationOverGet);
        }
        if prepared.kind == OperationKind::Mutation && caller.identity.is_none() {
            self.admit_anonymous_mutation(caller)?;
        }
        if prepared.introspection.is_some() && !self.policy.introspection && !caller.may_introspect
        {
            return Err(RequestError::IntrospectionDisabled);
        }
        let variables = variables::coerce(
            &supergraph.introspection,
            &prepared.variable_definitions,
            variables,
        )
        .map_err(RequestError::Variables)?;
        let denied = Denied::evaluate(&prepared.guards, caller.identity.as_ref());
        let plan = match (&prepared.planned, &denied) {
            (None, _) => None,
            (Some((_, plan)), None) => Some(plan.clone()),
            (Some((operation, _)), Some(denied)) => {
                loaded
                    .plans
                    .plan_without(
                        &supergraph,
                        operation,
                        denied,
                        &self.policy.limits,
                        &self.shutdown,
                    )
                    .await?
            }
        };
        Ok(Ready {
            supergraph,
            prepared,
            variables,
            plan,
            denied,
            uploads: request.uploads,
        })
    }

    pub async fn run(
        self: &Arc<Self>,
        request: GraphQLRequest,
        method: Method,
        request_id: Option<&str>,
        caller: &Caller,
    ) -> Result<GraphQLResponse, RequestError> {
        let ready = self.prepare(request, method, caller).await?;
        if ready.prepared.kind == OperationKind::Subscription {
            return Err(RequestError::SubscriptionNotSupported);
        }
        Ok(self.run_once(ready, request_id, caller).await)
    }

    /// A query or mutation answered once, a subscription as a stream: for
    /// a client that reads either (HTTP with both JSON and
    /// `text/event-stream` in `Accept`).
    pub async fn run_or_subscribe(
        self: &Arc<Self>,
        request: GraphQLRequest,
        method: Method,
        request_id: Option<String>,
        caller: Caller,
    ) -> Result<Answer, RequestError> {
        let ready = self.prepare(request, method, &caller).await?;
        if ready.prepared.kind == OperationKind::Subscription {
            return Ok(Answer::Stream(
                self.stream_ready(ready, request_id, caller).await?,
            ));
        }
        Ok(Answer::Once(
            self.run_once(ready, request_id.as_deref(), &caller).await,
        ))
    }

    /// Runs a prepared query or mutation; identical queries in flight
    /// share one execution.
    async fn run_once(
        self: &Arc<Self>,
        ready: Ready,
        request_id: Option<&str>,
        caller: &Caller,
    ) -> GraphQLResponse {
        let flight = self
            .coalesce
            .as_ref()
            .filter(|_| ready.prepared.kind == OperationKind::Query && ready.uploads.is_none())
            .and_then(|flights| Some((flights, ready.flight_key(caller)?)));
        let Some((flights, key)) = flight else {
            return self.run_ready(ready, request_id, caller).await;
        };
        let work = {
            let (pipeline, caller) = (self.clone(), caller.clone());
            let request_id = request_id.map(str::to_string);
            async move {
                Arc::new(
                    pipeline
                        .run_ready(ready, request_id.as_deref(), &caller)
                        .await,
                )
            }
        };
        let (response, shared) = flights.run(key, work).await;
        if shared {
            self.metrics
                .coalesced
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Arc::try_unwrap(response).unwrap_or_else(|r| (*r).clone())
    }

    /// A subscription: the owning subgraph's events, each completed with the
    /// fields other subgraphs own and shaped like a query's answer. Queries
    /// and mutations sent over a streaming transport answer once.
    pub async fn subscribe(
        self: &Arc<Self>,
        request: GraphQLRequest,
        method: Method,
        request_id: Option<String>,
        caller: Caller,
    ) -> Result<BoxStream<'static, GraphQLResponse>, RequestError> {
        let ready = self.prepare(request, method, &caller).await?;
        if ready.prepared.kind != OperationKind::Subscription {
            let response = self.run_ready(ready, request_id.as_deref(), &caller).await;
            return Ok(futures::stream::once(async move { response }).boxed());
        }
        self.stream_ready(ready, request_id, caller).await
    }

    /// The event stream of a prepared subscription.
    async fn stream_ready(
        self: &Arc<Self>,
        ready: Ready,
        request_id: Option<String>,
        caller: Caller,
    ) -> Result<BoxStream<'static, GraphQLResponse>, RequestError> {
        let Some(plan) = ready.plan.clone() else {
            // Every root field was refused: say so once and end.
            return Ok(futures::stream::once(async move {
                ready.shape(Executed::default(), caller.language)
            })
            .boxed());
        };
        let (primary, _) = split_subscription(&plan).ok_or_else(|| {
            RequestError::Plan("the subscription plan has no subscription fetch".into())
        })?;
        let url = ready
            .supergraph
            .endpoints
            .get(&primary.service_name)
            .cloned()
            .ok_or_else(|| RequestError::Plan(format!("no URL for {}", primary.service_name)))?;
        let variables: Map<String, Value> = primary
            .variable_usages
            .iter()
            .flatten()
            .filter_map(|name| ready.variables.get(name).map(|v| (name.clone(), v.clone())))
            .collect();
        let events = websocket::subscribe(
            &url,
            &primary.operation.document_str,
            variables,
            caller.identity_token.as_deref(),
            caller.language,
            request_id.as_deref(),
        )
        .await
        .map_err(|error| {
            tracing::warn!(subgraph = %primary.service_name, %error, "cannot subscribe upstream");
            RequestError::SubgraphUnavailable(primary.service_name.clone())
        })?;
        let pipeline = self.clone();
        let ready = Arc::new(ready);
        Ok(events
            .then(move |event| {
                let pipeline = pipeline.clone();
                let ready = ready.clone();
                let plan = plan.clone();
                let caller = caller.clone();
                let request_id = request_id.clone();
                async move {
                    let Some((primary, rest)) = split_subscription(&plan) else {
                        return ready.shape(Executed::default(), caller.language);
                    };
                    let mut caller = caller.clone();
                    if let (Some(identity), Some(signer)) = (&caller.identity, &caller.signer) {
                        caller.identity_token = signer.identity_token(identity);
                    }
                    let executed = Execution::new(
                        &ready.supergraph,
                        &pipeline.client,
                        &pipeline.metrics,
                        &ready.variables,
                        ready.forwarded(&caller, request_id.as_deref()),
                    )
                    .run_event(primary, event, &rest)
                    .await;
                    ready.shape(executed, caller.language)
                }
            })
            .boxed())
    }

    async fn run_ready(
        &self,
        ready: Ready,
        request_id: Option<&str>,
        caller: &Caller,
    ) -> GraphQLResponse {
        let executed = match &ready.plan {
            Some(plan) => {
                Execution::new(
                    &ready.supergraph,
                    &self.client,
                    &self.metrics,
                    &ready.variables,
                    ready.forwarded(caller, request_id),
                )
                .run(plan)
                .await
            }
            None => Executed::default(),
        };
        ready.shape(executed, caller.language)
    }
}

/// A request ready to execute.
struct Ready {
    supergraph: Arc<Supergraph>,
    prepared: Arc<PreparedOperation>,
    variables: Map<String, Value>,
    /// The plan without the fields the caller may not see; None when there
    /// is nothing for subgraphs to answer.
    plan: Option<Arc<QueryPlan>>,
    denied: Option<Denied>,
    uploads: Option<Uploads>,
}

impl Ready {
    /// What this request's subgraph fetches carry for `caller`.
    fn forwarded<'a>(&'a self, caller: &'a Caller, request_id: Option<&'a str>) -> Forwarded<'a> {
        Forwarded {
            identity_token: caller.identity_token.as_deref(),
            language: caller.language,
            request_id,
            uploads: self.uploads.as_ref(),
        }
    }

    /// What the answer to this request depends on: the operation (the same
    /// prepared operation of the same supergraph: the leader holds both, so
    /// their addresses stay theirs while it runs), the coerced variables,
    /// who asks and in which language. Two citizens never share an answer. None (run alone) if
    /// the variables or the identity could not be serialized.
    fn flight_key(&self, caller: &Caller) -> Option<single_flight::Key> {
        let mut hasher = Sha256::new();
        hasher.update((Arc::as_ptr(&self.supergraph) as usize).to_le_bytes());
        hasher.update((Arc::as_ptr(&self.prepared) as usize).to_le_bytes());
        for part in [
            serde_json::to_vec(&self.variables).ok()?,
            serde_json::to_vec(&caller.identity).ok()?,
            caller.language.code().as_bytes().to_vec(),
        ] {
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part);
        }
        Some(hasher.finalize().into())
    }

    /// The client's answer from what execution produced; the gateway's own
    /// errors in `language`.
    fn shape(&self, executed: Executed, language: Language) -> GraphQLResponse {
        let mut errors = executed.errors;
        let mut data = match &self.prepared.shape {
            Some(shape) => project(
                &self.supergraph,
                shape,
                executed.data.get(),
                &self.variables,
                &mut errors,
                &executed.missing,
                self.denied.as_ref(),
                language,
            ),
            None => "{}".to_string(),
        };
        if let Some(part) = &self.prepared.introspection {
            // Root fields the gateway answers itself (tools and partners
            // reading the schema): rare enough to go through a tree.
            if let Ok(Value::Object(mut map)) = serde_json::from_str::<Value>(&data) {
                answer_introspection(&self.supergraph, part, &self.variables, &mut map);
                data = Value::Object(map).to_string();
            }
        }
        GraphQLResponse {
            data: Some(data),
            errors,
        }
    }
}

/// The primary (subscription) fetch of a subscription plan and the nodes
/// that follow it.
fn split_subscription(plan: &QueryPlan) -> Option<(&FetchNode, Vec<&PlanNode>)> {
    match plan.node.as_ref()? {
        PlanNode::Subscription(node) => Some((&node.primary, Vec::new())),
        PlanNode::Sequence(sequence) => {
            let (first, rest) = sequence.nodes.split_first()?;
            match first {
                PlanNode::Subscription(node) => Some((&node.primary, rest.iter().collect())),
                _ => None,
            }
        }
        _ => None,
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
