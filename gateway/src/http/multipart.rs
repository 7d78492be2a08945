//! File uploads by the GraphQL multipart request specification: the
//! client's multipart request parsed into the GraphQL request, with a
//! placeholder for each file in its variables, and the files
//! (`execute::uploads` sends them on with the fetches that carry them).
//! Browsers can send multipart forms cross-site without a preflight, so a
//! multipart request must carry a header a form cannot set.
//!
//! The number of `map` paths is bounded before any is located. Placeholders are accepted only where the
//! operation's variable type is `Upload` (checked with the variables).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

use crate::error::RequestError;
use crate::execute::uploads::{placeholder, UploadFile, Uploads};
use crate::pipeline::GraphQLRequest;

/// Most files in one request.
const MAX_FILES: usize = 20;
/// Most `map` paths in one request, all files together.
const MAX_MAP_PATHS: usize = 40;
/// Headers a cross-site form cannot send; one of them must be present.
const PREFLIGHT_HEADERS: [&str; 3] = [
    "graphql-preflight",
    "apollo-require-preflight",
    "x-apollo-operation-name",
];

pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn bad(message: impl Into<String>) -> RequestError {
    RequestError::Upload(message.into())
}

/// The request, its files with it, from a multipart body.
pub async fn parse(headers: &HeaderMap, body: Bytes) -> Result<GraphQLRequest, RequestError> {
    if !PREFLIGHT_HEADERS.iter().any(|h| headers.contains_key(*h)) {
        return Err(RequestError::Upload(
            "multipart requests need a `GraphQL-Preflight: 1` (or `Apollo-Require-Preflight: true`) header".into(),
        ));
    }
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| bad("the multipart body has no boundary"))?;
    let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut operations: Option<Value> = None;
    let mut map: Option<Map<String, Value>> = None;
    let mut files: HashMap<String, UploadFile> = HashMap::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| bad(format!("the multipart body is malformed: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "operations" => {
                let text = field.bytes().await.map_err(|e| bad(e.to_string()))?;
                operations = Some(
                    serde_json::from_slice(&text)
                        .map_err(|e| RequestError::MalformedJson(format!("`operations`: {e}")))?,
                );
            }
            "map" => {
                let text = field.bytes().await.map_err(|e| bad(e.to_string()))?;
                map = Some(
                    serde_json::from_slice(&text)
                        .map_err(|e| RequestError::MalformedJson(format!("`map`: {e}")))?,
                );
            }
            _ => {
                if operations.is_none() || map.is_none() {
                    return Err(bad("`operations` and `map` must come before the files"));
                }
                if files.len() >= MAX_FILES {
                    return Err(bad(format!("at most {MAX_FILES} files per request")));
                }
                let filename = field.file_name().unwrap_or("upload").to_string();
                let content_type = field.content_type().map(|m| m.to_string());
                let bytes = field.bytes().await.map_err(|e| bad(e.to_string()))?;
                files.insert(
                    name,
                    UploadFile {
                        filename,
                        content_type,
                        bytes,
                    },
                );
            }
        }
    }
    let mut operations = operations.ok_or_else(|| bad("the multipart body has no `operations`"))?;
    let map = map.ok_or_else(|| bad("the multipart body has no `map`"))?;
    let paths: usize = map
        .values()
        .map(|paths| paths.as_array().map_or(1, Vec::len))
        .sum();
    if paths > MAX_MAP_PATHS {
        return Err(bad(format!(
            "`map` names {paths} paths; at most {MAX_MAP_PATHS} per request"
        )));
    }
    let mut uploads = HashMap::new();
    for (key, paths) in map {
        let file = files
            .remove(&key)
            .ok_or_else(|| bad(format!("`map` names file `{key}`, which was not sent")))?;
        let stand_in = placeholder(&key);
        let paths = paths
            .as_array()
            .filter(|paths| !paths.is_empty())
            .ok_or_else(|| {
                bad(format!(
                    "`map` entry `{key}` must be a non-empty array of paths"
                ))
            })?;
        for path in paths {
            let path = path
                .as_str()
                .filter(|path| path.starts_with("variables."))
                .ok_or_else(|| bad("`map` paths are strings into `variables`"))?;
            let slot = locate(&mut operations, path)
                .ok_or_else(|| bad(format!("`map` path `{path}` is not in `operations`")))?;
            *slot = Value::String(stand_in.clone());
        }
        uploads.insert(stand_in, file);
    }
    if !files.is_empty() {
        return Err(bad("files were sent that `map` does not name"));
    }
    let request: GraphQLRequest = serde_json::from_value(operations).map_err(|e| {
        RequestError::MalformedJson(format!("`operations` is not a GraphQL request: {e}"))
    })?;
    let uploads: Uploads = Arc::new(uploads);
    Ok(GraphQLRequest {
        uploads: Some(uploads),
        ..request
    })
}

/// The value at a dotted path like `variables.input.photos.0`.
fn locate<'v>(value: &'v mut Value, path: &str) -> Option<&'v mut Value> {
    path.split('.')
        .try_fold(value, |value, segment| match value {
            Value::Object(map) => map.get_mut(segment),
            Value::Array(items) => items.get_mut(segment.parse::<usize>().ok()?),
            _ => None,
        })
}
