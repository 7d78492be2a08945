//! Persisted queries: Apollo's automatic persisted queries protocol (a
//! client sends a sha256 hash, and the text once when the gateway does not
//! know it) and an allow-list mode that runs registered operations only.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{RequestError, StartupError};

/// How the gateway treats persisted queries.
pub enum PersistedQueries {
    /// Hashes are not accepted; every request carries its text.
    Off,
    /// Automatic persisted queries: texts are remembered by hash, in a
    /// store bounded in bytes.
    Automatic(moka::sync::Cache<String, String>),
    /// Only operations of the manifest run (by hash, or by identical text).
    AllowList(HashMap<String, String>),
}

/// Apollo's persisted query manifest, or a plain `{hash: text}` object.
#[derive(Deserialize)]
#[serde(untagged)]
enum Manifest {
    Apollo { operations: Vec<ManifestOperation> },
    Plain(HashMap<String, String>),
}

#[derive(Deserialize)]
struct ManifestOperation {
    id: String,
    body: String,
}

impl PersistedQueries {
    /// An automatic store holding at most `max_bytes` of hashes and texts.
    pub fn automatic(max_bytes: u64) -> Self {
        Self::Automatic(
            moka::sync::Cache::builder()
                .weigher(|hash: &String, text: &String| {
                    u32::try_from(hash.len() + text.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(max_bytes)
                .build(),
        )
    }

    /// Remembers `query` under `hash` once it has passed every limit and
    /// validation as any query does: a text that was refused is never
    /// stored.
    pub fn register(&self, registration: Registration, query: &str) {
        if let Self::Automatic(store) = self {
            store.insert(registration.0, query.to_string());
        }
    }

    /// Reads an allow-list manifest; every entry's id must be the sha256 of
    /// its body.
    pub fn allow_list(path: &Path) -> Result<Self, StartupError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            StartupError::Config(format!(
                "cannot read the persisted query manifest {}: {e}",
                path.display()
            ))
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            StartupError::Config(format!(
                "the persisted query manifest {} is not valid: {e}",
                path.display()
            ))
        })?;
        let entries: Vec<(String, String)> = match manifest {
            Manifest::Apollo { operations } => {
                operations.into_iter().map(|o| (o.id, o.body)).collect()
            }
            Manifest::Plain(map) => map.into_iter().collect(),
        };
        let mut operations = HashMap::new();
        for (id, body) in entries {
            if sha256_hex(&body) != id.to_ascii_lowercase() {
                return Err(StartupError::Config(format!(
                    "persisted query {id} in {} is not the sha256 of its body",
                    path.display()
                )));
            }
            operations.insert(id.to_ascii_lowercase(), body);
        }
        Ok(Self::AllowList(operations))
    }

    /// The operation text a request runs, and whether to remember it (by
    /// [`Self::register`]) once it is known to be acceptable.
    pub fn resolve(
        &self,
        query: Option<String>,
        extensions: Option<&Value>,
    ) -> Result<(String, Option<Registration>), RequestError> {
        let persisted = extensions.and_then(|e| e.get("persistedQuery"));
        let hash = match persisted {
            None => None,
            Some(pq) => {
                if pq.get("version").and_then(Value::as_i64) != Some(1) {
                    return Err(RequestError::PersistedQuery(
                        "only version 1 of persisted queries is supported".into(),
                    ));
                }
                let hash = pq
                    .get("sha256Hash")
                    .and_then(Value::as_str)
                    .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
                    .ok_or_else(|| {
                        RequestError::PersistedQuery(
                            "`persistedQuery.sha256Hash` must be 64 hex digits".into(),
                        )
                    })?;
                Some(hash.to_ascii_lowercase())
            }
        };
        let query = query.filter(|q| !q.trim().is_empty());
        match (self, hash, query) {
            (Self::Off, Some(_), None) => Err(RequestError::PersistedQueryNotSupported),
            (Self::Off, _, Some(query)) => Ok((query, None)),
            (Self::Automatic(store), Some(hash), None) => store
                .get(&hash)
                .map(|query| (query, None))
                .ok_or(RequestError::PersistedQueryNotFound),
            (Self::Automatic(store), Some(hash), Some(query)) => {
                if sha256_hex(&query) != hash {
                    return Err(RequestError::PersistedQuery(
                        "`persistedQuery.sha256Hash` is not the sha256 of the query".into(),
                    ));
                }
                let known = store.contains_key(&hash);
                Ok((query, (!known).then_some(Registration(hash))))
            }
            (Self::Automatic(_), None, Some(query)) => Ok((query, None)),
            (Self::AllowList(operations), hash, query) => {
                let hash = match (hash, &query) {
                    (Some(hash), _) => hash,
                    (None, Some(query)) => sha256_hex(query),
                    (None, None) => return Err(RequestError::MissingQuery),
                };
                operations
                    .get(&hash)
                    .map(|query| (query.clone(), None))
                    .ok_or(RequestError::PersistedQueryNotInList)
            }
            (_, None, None) => Err(RequestError::MissingQuery),
        }
    }
}

/// A text to remember under this hash once it is accepted.
#[derive(Debug)]
pub struct Registration(String);

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn automatic_persisted_queries_remember_texts_by_hash() {
        let apq = PersistedQueries::automatic(1024);
        let query = "{ reports { totalCount } }";
        let hash = sha256_hex(query);
        let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } });
        assert!(matches!(
            apq.resolve(None, Some(&ext)),
            Err(RequestError::PersistedQueryNotFound)
        ));
        let (text, registration) = apq.resolve(Some(query.into()), Some(&ext)).unwrap();
        assert_eq!(text, query);
        // Not remembered until registered (after its limits and validation).
        assert!(matches!(
            apq.resolve(None, Some(&ext)),
            Err(RequestError::PersistedQueryNotFound)
        ));
        apq.register(registration.expect("a new text"), &text);
        assert_eq!(apq.resolve(None, Some(&ext)).unwrap().0, query);
        let wrong =
            json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex("other") } });
        assert!(matches!(
            apq.resolve(Some(query.into()), Some(&wrong)),
            Err(RequestError::PersistedQuery(_))
        ));
    }

    #[test]
    fn the_allow_list_runs_registered_operations_only() {
        let query = "{ reports { totalCount } }";
        let list =
            PersistedQueries::AllowList(HashMap::from([(sha256_hex(query), query.to_string())]));
        assert_eq!(list.resolve(Some(query.into()), None).unwrap().0, query);
        let ext = json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(query) } });
        assert_eq!(list.resolve(None, Some(&ext)).unwrap().0, query);
        assert!(matches!(
            list.resolve(Some("{ agencies { totalCount } }".into()), None),
            Err(RequestError::PersistedQueryNotInList)
        ));
    }

    #[test]
    fn the_automatic_store_is_bounded_in_bytes() {
        let apq = PersistedQueries::automatic(64 * 1024);
        let PersistedQueries::Automatic(store) = &apq else {
            unreachable!()
        };
        for n in 0..200 {
            let query = format!("{{ reports {{ totalCount }} }} # {n} {}", "x".repeat(4096));
            let ext =
                json!({ "persistedQuery": { "version": 1, "sha256Hash": sha256_hex(&query) } });
            let (text, registration) = apq.resolve(Some(query), Some(&ext)).unwrap();
            apq.register(registration.unwrap(), &text);
        }
        store.run_pending_tasks();
        assert!(
            store.weighted_size() <= 64 * 1024,
            "{}",
            store.weighted_size()
        );
    }
}
