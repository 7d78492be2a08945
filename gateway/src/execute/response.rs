//! The GraphQL response a client receives.

use serde::Serialize;
use serde_json::{Map, Value};

/// One error of a GraphQL response.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GraphQLError {
    pub message: String,
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
            path: None,
            extensions: Some(extensions),
        }
    }

    pub fn at(mut self, path: Vec<Value>) -> Self {
        self.path = Some(path);
        self
    }
}

/// `data` is absent when the request failed before execution, and present
/// (possibly `null`) once execution started.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GraphQLResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<GraphQLError>,
}

impl GraphQLResponse {
    pub fn request_error(error: GraphQLError) -> Self {
        Self {
            data: None,
            errors: vec![error],
        }
    }
}
