//! The congdan gateway: a Federation v2 gateway that reads a supergraph SDL,
//! plans each operation with `hive-router-query-planner`, executes the plan
//! over HTTP against the subgraphs and shapes the response.
//!
//! Folders follow what happens to a request, and depend one way: `http/`
//! receives it (and uses everything else), `auth/` says who the [`caller`]
//! is (calling the citizen subgraph through its own small client),
//! `pipeline/` runs persisted query → plan → execute → shape, `plan/`
//! prepares and caches plans, `execute/` walks a plan over the subgraph
//! transports and shapes the response (it knows plans and the supergraph,
//! never the pipeline, sign-in or HTTP), `supergraph/` loads the schema.
//! Errors are typed by stage (`error/`).

pub mod auth;
pub mod caller;
pub mod config;
pub mod error;
pub mod execute;
pub mod http;
pub mod metrics;
pub mod pipeline;
pub mod plan;
pub mod rate_limit;
pub mod supergraph;

pub use config::GatewayConfig;
pub use error::{RequestError, SignInError, StartupError};
pub use http::{router, Gateway};

impl Gateway {
    /// Runs one GraphQL request from `caller` without HTTP (tests, and work
    /// the process does itself): a POST without a request id.
    pub async fn execute(
        &self,
        request: pipeline::GraphQLRequest,
        caller: &pipeline::Caller,
    ) -> Result<execute::response::GraphQLResponse, RequestError> {
        self.pipeline()
            .run(request, pipeline::Method::Post, None, caller)
            .await
    }
}
