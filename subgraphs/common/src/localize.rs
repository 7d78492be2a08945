//! Errors in the caller's language: an [`Error`] travels as its GraphQL
//! error's source, and this extension writes its message in the request's
//! [`Language`] where the response is made, for queries, mutations and
//! each event of a subscription. Codes are left as they are.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextSubscribe,
};
use async_graphql::Response;
use futures::stream::BoxStream;
use futures::StreamExt;

use crate::language::Language;
use crate::Error;

/// The extension every subgraph schema is built with.
pub struct LocalizeErrors;

impl ExtensionFactory for LocalizeErrors {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LocalizeErrors)
    }
}

fn localize(mut response: Response, language: Language) -> Response {
    for error in &mut response.errors {
        if let Some(message) = error.source::<Error>().map(|e| e.message(language)) {
            error.message = message.to_string();
        }
    }
    response
}

fn language(ctx: &ExtensionContext<'_>) -> Language {
    ctx.data_opt::<Language>().copied().unwrap_or_default()
}

#[async_graphql::async_trait::async_trait]
impl Extension for LocalizeErrors {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        localize(next.run(ctx, operation_name).await, language(ctx))
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let language = language(ctx);
        next.run(ctx, stream)
            .map(move |response| localize(response, language))
            .boxed()
    }
}
