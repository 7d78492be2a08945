//! The workloads, and the check that every target answers them alike
//! before anything is measured.

use anyhow::{bail, ensure, Context};
use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::load::{Operation, Request};

/// How a workload is answered without a gateway (workload 4 of issue 8).
pub enum Baseline {
    /// The same query, sent to the one subgraph that owns all its fields.
    Same { subgraph: &'static str },
    /// W2: feedback's part, then geo's `_entities` for the wards of the
    /// answer, one after the other, as a gateway does.
    FeedbackThenGeo,
}

pub struct Workload {
    pub id: &'static str,
    pub title: &'static str,
    pub query: &'static str,
    pub baseline: Baseline,
}

pub const W2_FEEDBACK: &str = include_str!("../queries/baseline/w2_feedback.graphql");
pub const W2_GEO: &str = include_str!("../queries/baseline/w2_geo_entities.graphql");

pub fn all() -> Vec<Workload> {
    vec![
        Workload {
            id: "W2",
            title: "100 reports + ward (feedback → geo)",
            query: include_str!("../queries/w2_reports_wards.graphql"),
            baseline: Baseline::FeedbackThenGeo,
        },
        Workload {
            id: "W3",
            title: "service catalog (citizen alone, the floor)",
            query: include_str!("../queries/w3_services.graphql"),
            baseline: Baseline::Same {
                subgraph: "citizen",
            },
        },
        Workload {
            id: "W3b",
            title: "100 reports, no join (feedback alone)",
            query: include_str!("../queries/w3b_reports_only.graphql"),
            baseline: Baseline::Same {
                subgraph: "feedback",
            },
        },
    ]
}

/// W1 of issue 8, printed but not run.
pub const W1_TITLE: &str = "My Services of a signed-in citizen (4+ subgraphs)";
pub const W1_STATUS: &str = "not yet (issue 6)";

pub fn body(query: &str, variables: Option<Value>) -> Bytes {
    let mut object = Map::new();
    object.insert("query".into(), Value::String(query.to_string()));
    if let Some(variables) = variables {
        object.insert("variables".into(), variables);
    }
    Bytes::from(serde_json::to_vec(&Value::Object(object)).expect("JSON"))
}

/// The JSON text with every fractional number turned into a string of its
/// exact value, `"#num:<shortest repr>"`. serde_json (without its
/// `float_roundtrip` feature, which this crate must not turn on: features
/// are shared with the binary under test when both are built together)
/// may parse a float one unit in the last place off, which would make two
/// different answers compare equal; `str::parse::<f64>` is exact.
pub fn exact_numbers(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 8);
    let mut i = 0;
    let mut in_string = false;
    while i < raw.len() {
        let b = raw[i];
        if in_string {
            out.push(b);
            if b == b'\\' && i + 1 < raw.len() {
                out.push(raw[i + 1]);
                i += 1;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            out.push(b);
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < raw.len() && matches!(raw[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            {
                i += 1;
            }
            let token = &raw[start..i];
            let fractional = token.iter().any(|c| matches!(c, b'.' | b'e' | b'E'));
            match std::str::from_utf8(token)
                .ok()
                .and_then(|t| t.parse::<f64>().ok())
            {
                Some(x) if fractional => {
                    out.extend_from_slice(format!("\"#num:{x:?}\"").as_bytes())
                }
                _ => out.extend_from_slice(token),
            }
            continue;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// Sends one request; returns the raw answer after checking it is a 200
/// with `data` and no `errors` (numbers as [`exact_numbers`] makes them).
pub async fn ask(
    client: &reqwest::Client,
    url: &str,
    body: &Bytes,
    what: &str,
) -> anyhow::Result<(Bytes, Value)> {
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body.clone())
        .send()
        .await
        .with_context(|| format!("{what}: POST {url}"))?;
    let status = response.status();
    let raw = response.bytes().await?;
    let text = String::from_utf8_lossy(&raw[..raw.len().min(2000)]).into_owned();
    ensure!(
        status == reqwest::StatusCode::OK,
        "{what}: HTTP {status}: {text}"
    );
    let value: Value = serde_json::from_slice(&exact_numbers(&raw))
        .with_context(|| format!("{what}: not JSON: {text}"))?;
    if value.get("errors").is_some() {
        bail!("{what}: the answer has errors: {text}");
    }
    match value.get("data") {
        Some(Value::Object(_)) => Ok((raw, value)),
        _ => bail!("{what}: the answer has no data: {text}"),
    }
}

/// The baseline operation of a workload, checked: returns the operation
/// and the `data` it amounts to (to compare with the gateways').
pub async fn baseline_operation(
    client: &reqwest::Client,
    workload: &Workload,
    subgraph_url: impl Fn(&str) -> String,
) -> anyhow::Result<(Operation, Value)> {
    match workload.baseline {
        Baseline::Same { subgraph } => {
            let url = subgraph_url(subgraph);
            let body = body(workload.query, None);
            let what = format!("{} straight to {subgraph}", workload.id);
            let (raw, value) = ask(client, &url, &body, &what).await?;
            let op = Operation {
                requests: vec![Request {
                    url,
                    body,
                    expected_len: raw.len(),
                }],
            };
            Ok((op, value["data"].clone()))
        }
        Baseline::FeedbackThenGeo => {
            let feedback_url = subgraph_url("feedback");
            let feedback_body = body(W2_FEEDBACK, None);
            let (raw_feedback, feedback) = ask(
                client,
                &feedback_url,
                &feedback_body,
                "W2 baseline: feedback",
            )
            .await?;
            let mut data = feedback["data"].clone();
            // The wards in order of first appearance, each once.
            let mut representations: Vec<Value> = Vec::new();
            for node in nodes(&data)? {
                if let Some(ward) = node.get("ward").filter(|w| !w.is_null()) {
                    if !representations.contains(ward) {
                        representations.push(ward.clone());
                    }
                }
            }
            ensure!(
                !representations.is_empty(),
                "W2 baseline: no report of the first page has a ward"
            );
            let geo_url = subgraph_url("geo");
            let geo_body = body(W2_GEO, Some(json!({ "representations": representations })));
            let (raw_geo, geo) = ask(client, &geo_url, &geo_body, "W2 baseline: geo").await?;
            let entities = geo["data"]["_entities"]
                .as_array()
                .context("W2 baseline: geo's _entities is not a list")?;
            ensure!(
                entities.len() == representations.len(),
                "W2 baseline: {} representations, {} entities",
                representations.len(),
                entities.len()
            );
            // Merge as a gateway would, to compare with the gateways' data.
            for node in nodes_mut(&mut data)? {
                let Some(ward) = node.get_mut("ward").filter(|w| !w.is_null()) else {
                    continue;
                };
                let at = representations
                    .iter()
                    .position(|r| r == &*ward)
                    .context("ward without representation")?;
                let mut merged = Map::new();
                merged.insert("id".into(), ward["id"].clone());
                if let Value::Object(fields) = &entities[at] {
                    merged.extend(fields.clone());
                }
                *ward = Value::Object(merged);
            }
            let op = Operation {
                requests: vec![
                    Request {
                        url: feedback_url,
                        body: feedback_body,
                        expected_len: raw_feedback.len(),
                    },
                    Request {
                        url: geo_url,
                        body: geo_body,
                        expected_len: raw_geo.len(),
                    },
                ],
            };
            Ok((op, data))
        }
    }
}

fn nodes(data: &Value) -> anyhow::Result<Vec<&Value>> {
    Ok(data["reports"]["edges"]
        .as_array()
        .context("no reports.edges")?
        .iter()
        .map(|edge| &edge["node"])
        .collect())
}

fn nodes_mut(data: &mut Value) -> anyhow::Result<Vec<&mut Value>> {
    Ok(data["reports"]["edges"]
        .as_array_mut()
        .context("no reports.edges")?
        .iter_mut()
        .map(|edge| &mut edge["node"])
        .collect())
}

/// Checks that the data is not trivially empty (so equal answers mean
/// something).
pub fn sanity(workload: &Workload, data: &Value) -> anyhow::Result<()> {
    match workload.id {
        "W2" | "W3b" => {
            let nodes = nodes(data)?;
            ensure!(
                nodes.len() == 100,
                "{}: {} reports, not 100",
                workload.id,
                nodes.len()
            );
            if workload.id == "W2" {
                let named = nodes
                    .iter()
                    .filter(|n| n["ward"]["fullName"].is_string())
                    .count();
                ensure!(
                    named > 50,
                    "W2: only {named} of 100 reports have a ward name"
                );
            }
        }
        "W3" => {
            let n = data["services"]["edges"].as_array().map_or(0, Vec::len);
            ensure!(n > 0, "W3: no services");
        }
        _ => {}
    }
    Ok(())
}

/// How many leaves differ between two values, and the first as a path.
pub fn differences(a: &Value, b: &Value) -> (usize, Option<String>) {
    let mut count = 0;
    let mut first = None;
    count_differences(a, b, "data", &mut count, &mut first);
    (count, first)
}

fn count_differences(
    a: &Value,
    b: &Value,
    path: &str,
    count: &mut usize,
    first: &mut Option<String>,
) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, value) in x {
                let at = format!("{path}.{key}");
                match y.get(key) {
                    Some(other) => count_differences(value, other, &at, count, first),
                    None => {
                        *count += 1;
                        first.get_or_insert(format!("{at}: missing on the right"));
                    }
                }
            }
            for key in y.keys().filter(|k| !x.contains_key(*k)) {
                *count += 1;
                first.get_or_insert(format!("{path}.{key}: missing on the left"));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (l, r)) in x.iter().zip(y).enumerate() {
                count_differences(l, r, &format!("{path}[{i}]"), count, first);
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            *count += 1;
            first.get_or_insert(format!("{path}: {} items against {}", x.len(), y.len()));
        }
        _ if a == b => {}
        _ => {
            *count += 1;
            let short = |v: &Value| v.to_string().chars().take(200).collect::<String>();
            first.get_or_insert(format!("{path}: {} against {}", short(a), short(b)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_one_ulp_apart_differ() {
        let a: Value = serde_json::from_slice(&exact_numbers(
            br#"{"x":106.69595913391848,"s":"a \"1.5\" b","n":-3,"e":1e2}"#,
        ))
        .unwrap();
        let b: Value = serde_json::from_slice(&exact_numbers(
            br#"{"x":106.69595913391849,"s":"a \"1.5\" b","n":-3,"e":100.0}"#,
        ))
        .unwrap();
        assert_eq!(a["x"], "#num:106.69595913391848");
        assert_eq!(a["s"], "a \"1.5\" b");
        assert_eq!(a["n"], -3);
        assert_eq!(a["e"], b["e"]);
        let (count, first) = differences(&a, &b);
        assert_eq!(count, 1);
        assert!(first.unwrap().starts_with("data.x"));
    }
}
