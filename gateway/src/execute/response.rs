//! The GraphQL response a client receives.

use serde::Serialize;
use serde_json::{Map, Value};

/// One error of a GraphQL response.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GraphQLError {
    pub message: String,
    /// Where in the client's document (validation errors).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Map<String, Value>>,
}

impl GraphQLError {
    pub fn new(message: impl Into<String>, code: &str) -> Self {
        let mut extensions = Map::new();
        extensions.insert("code".into(), Value::String(code.into()));
        Self {
            message: message.into(),
            locations: Vec::new(),
            path: None,
            extensions: Some(extensions),
        }
    }

    pub fn with_locations(mut self, locations: Vec<Location>) -> Self {
        self.locations = locations;
        self
    }

    pub fn at(mut self, path: Vec<Value>) -> Self {
        self.path = Some(path);
        self
    }
}

/// A place in a GraphQL document, 1-based.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

/// `data` is absent when the request failed before execution, and present
/// (possibly `null`) once execution started. `data` is JSON text, written by
/// `projection` without an intermediate tree.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphQLResponse {
    pub data: Option<String>,
    pub errors: Vec<GraphQLError>,
}

impl GraphQLResponse {
    pub fn request_error(error: GraphQLError) -> Self {
        Self {
            data: None,
            errors: vec![error],
        }
    }

    /// The response as JSON text: `data` (when present) before `errors`
    /// (when any), as the GraphQL-over-HTTP spec shows them.
    pub fn to_json(&self) -> String {
        let data_len = self.data.as_ref().map_or(0, String::len);
        let mut out = String::with_capacity(data_len + 32);
        out.push('{');
        if let Some(data) = &self.data {
            out.push_str("\"data\":");
            out.push_str(data);
        }
        if !self.errors.is_empty() {
            if self.data.is_some() {
                out.push(',');
            }
            out.push_str("\"errors\":");
            // Errors are strings, numbers and maps with string keys: they
            // always serialize.
            match serde_json::to_string(&self.errors) {
                Ok(errors) => out.push_str(&errors),
                Err(_) => out.push_str("[]"),
            }
        }
        out.push('}');
        out
    }
}
