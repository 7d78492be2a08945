//! File uploads by the GraphQL multipart request specification. The gateway
//! parses the client's multipart request, stands a placeholder string in
//! for each file in the variables (so planning and variable coercion see an
//! ordinary value), and when a subgraph fetch carries placeholders, sends
//! that fetch to the subgraph as a multipart request with the files again.
//! Browsers can send multipart forms cross-site without a preflight, so a
//! multipart request must carry a header a form cannot set.
//!
//! A file mapped to several paths is held and sent once, with all its
//! paths in the subgraph request's `map`; the number of paths is bounded
//! before any is located. Placeholders are accepted only where the
//! operation's variable type is `Upload` (checked with the variables).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

use crate::error::GatewayError;
use crate::pipeline::GraphQLRequest;

const PLACEHOLDER: &str = "__congdan_upload:";
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

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct UploadFile {
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// The files of one request, by the placeholder standing in for them.
pub type Uploads = Arc<HashMap<String, UploadFile>>;

pub fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

fn bad(message: impl Into<String>) -> GatewayError {
    GatewayError::Upload(message.into())
}

/// The request and its files from a multipart body.
pub async fn parse(
    headers: &HeaderMap,
    body: Bytes,
) -> Result<(GraphQLRequest, Uploads), GatewayError> {
    if !PREFLIGHT_HEADERS.iter().any(|h| headers.contains_key(*h)) {
        return Err(GatewayError::Upload(
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
                        .map_err(|e| GatewayError::MalformedJson(format!("`operations`: {e}")))?,
                );
            }
            "map" => {
                let text = field.bytes().await.map_err(|e| bad(e.to_string()))?;
                map = Some(
                    serde_json::from_slice(&text)
                        .map_err(|e| GatewayError::MalformedJson(format!("`map`: {e}")))?,
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
        let placeholder = format!("{PLACEHOLDER}{key}");
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
            *slot = Value::String(placeholder.clone());
        }
        uploads.insert(placeholder, file);
    }
    if !files.is_empty() {
        return Err(bad("files were sent that `map` does not name"));
    }
    let request: GraphQLRequest = serde_json::from_value(operations).map_err(|e| {
        GatewayError::MalformedJson(format!("`operations` is not a GraphQL request: {e}"))
    })?;
    Ok((request, Arc::new(uploads)))
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

/// Whether a variable's string stands in for an uploaded file.
pub fn is_placeholder(text: &str) -> bool {
    text.starts_with(PLACEHOLDER)
}

/// A file a subgraph fetch carries, with every variable path it fills.
pub type FileAndPaths = (UploadFile, Vec<String>);

/// The files a subgraph fetch's variables carry, each once with all the
/// paths its placeholder stood at (replaced by null), in first-seen order.
pub fn take_files(
    variables: &mut Map<String, Value>,
    uploads: &HashMap<String, UploadFile>,
) -> Vec<FileAndPaths> {
    fn walk(
        value: &mut Value,
        path: String,
        uploads: &HashMap<String, UploadFile>,
        found: &mut Vec<(String, FileAndPaths)>,
    ) {
        match value {
            Value::String(text) if text.starts_with(PLACEHOLDER) => {
                if let Some(file) = uploads.get(text.as_str()) {
                    match found.iter_mut().find(|(key, _)| key == text) {
                        Some((_, (_, paths))) => paths.push(path),
                        None => found.push((text.clone(), (file.clone(), vec![path]))),
                    }
                    *value = Value::Null;
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    walk(item, format!("{path}.{i}"), uploads, found);
                }
            }
            Value::Object(map) => {
                for (key, item) in map.iter_mut() {
                    walk(item, format!("{path}.{key}"), uploads, found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    for (name, value) in variables.iter_mut() {
        walk(value, format!("variables.{name}"), uploads, &mut found);
    }
    found.into_iter().map(|(_, file)| file).collect()
}

/// A multipart body (`operations`, `map`, the files) and its boundary.
pub fn encode(
    query: &str,
    variables: &Map<String, Value>,
    files: &[FileAndPaths],
) -> (String, Vec<u8>) {
    let boundary = format!("congdan-{}", uuid::Uuid::new_v4().simple());
    let mut body = Vec::new();
    let mut part = |headers: String, content: &[u8]| {
        body.extend_from_slice(format!("--{boundary}\r\n{headers}\r\n\r\n").as_bytes());
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    let operations = serde_json::json!({ "query": query, "variables": variables }).to_string();
    part(
        "Content-Disposition: form-data; name=\"operations\"".into(),
        operations.as_bytes(),
    );
    let map: Map<String, Value> = files
        .iter()
        .enumerate()
        .map(|(i, (_, paths))| {
            (
                i.to_string(),
                Value::Array(paths.iter().cloned().map(Value::String).collect()),
            )
        })
        .collect();
    part(
        "Content-Disposition: form-data; name=\"map\"".into(),
        Value::Object(map).to_string().as_bytes(),
    );
    for (i, (file, _)) in files.iter().enumerate() {
        let filename: String = file
            .filename
            .chars()
            .filter(|c| *c != '"' && *c != '\r' && *c != '\n')
            .collect();
        let content_type = file
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream");
        part(
            format!("Content-Disposition: form-data; name=\"{i}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}"),
            &file.bytes,
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn placeholders_become_nulls_and_paths() {
        let mut uploads = HashMap::new();
        uploads.insert(
            format!("{PLACEHOLDER}0"),
            UploadFile {
                filename: "a.png".into(),
                content_type: None,
                bytes: Bytes::from_static(b"x"),
            },
        );
        let mut variables = json!({ "input": {
            "photos": [format!("{PLACEHOLDER}0"), format!("{PLACEHOLDER}0")],
            "title": "t"
        } })
        .as_object()
        .cloned()
        .unwrap();
        let found = take_files(&mut variables, &uploads);
        // One file, once, at both of its paths.
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].1,
            ["variables.input.photos.0", "variables.input.photos.1"]
        );
        assert_eq!(variables["input"]["photos"], json!([null, null]));
        let (_, body) = encode("q", &variables, &found);
        let body = String::from_utf8_lossy(&body);
        assert_eq!(body.matches("filename=").count(), 1, "{body}");
    }
}
