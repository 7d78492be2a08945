//! Invalid input to a mutation, returned in its payload (not as a GraphQL
//! error) so an app can show it beside the field. The message is kept in
//! both languages and read in the request's.

use async_graphql::{ComplexObject, Context, SimpleObject};

use crate::language::{self, Text};

#[derive(Debug, Clone, PartialEq, SimpleObject)]
#[graphql(shareable, complex)]
pub struct UserError {
    /// Path of the input field at fault, e.g. `["input", "latitude"]`.
    pub field: Vec<String>,
    #[graphql(skip)]
    pub text: Text,
    /// Machine-readable, e.g. `OUTSIDE_CITY`.
    pub code: String,
}

#[ComplexObject]
impl UserError {
    /// What is wrong, in the caller's language.
    async fn message(&self, ctx: &Context<'_>) -> &str {
        self.text.get(language::current(ctx))
    }
}

impl UserError {
    pub fn new(field: &[&str], code: &str, text: Text) -> Self {
        Self {
            field: field.iter().map(|f| f.to_string()).collect(),
            text,
            code: code.to_string(),
        }
    }
}
