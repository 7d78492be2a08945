//! The congdan gateway: a Federation v2 gateway that reads a supergraph SDL,
//! plans each operation with `hive-router-query-planner`, executes the plan
//! over HTTP against the subgraphs and shapes the response.
//!
//! Folders follow what happens to a request: `http/` receives it,
//! `pipeline/` runs parse → validate → plan → execute, `plan/` caches plans,
//! `execute/` walks a plan and shapes the response, `supergraph/` loads the
//! schema.

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
