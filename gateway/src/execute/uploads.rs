//! Files that travel with a fetch: a client's multipart request (parsed in
//! `http::multipart`) stands a placeholder string in for each file in the
//! variables, so planning and variable coercion see an ordinary value;
//! when a subgraph fetch's variables carry placeholders, the fetch is sent
//! as a multipart request with the files again, each file once with all
//! its paths in the subgraph request's `map`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use serde_json::{Map, Value};

const PLACEHOLDER: &str = "__congdan_upload:";

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct UploadFile {
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// The files of one request, by the placeholder standing in for them.
pub type Uploads = Arc<HashMap<String, UploadFile>>;

/// The placeholder that stands in for the file sent as part `key`.
pub fn placeholder(key: &str) -> String {
    format!("{PLACEHOLDER}{key}")
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
