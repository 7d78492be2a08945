//! Invalid input to a mutation, returned in its payload (not as a GraphQL
//! error) so an app can show it beside the field.

use async_graphql::SimpleObject;

#[derive(Debug, Clone, PartialEq, SimpleObject)]
#[graphql(shareable)]
pub struct UserError {
    /// Path of the input field at fault, e.g. `["input", "latitude"]`.
    pub field: Vec<String>,
    pub message: String,
    /// Machine-readable, e.g. `OUTSIDE_CITY`.
    pub code: String,
}

impl UserError {
    pub fn new(field: &[&str], code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.iter().map(|f| f.to_string()).collect(),
            message: message.into(),
            code: code.to_string(),
        }
    }
}
