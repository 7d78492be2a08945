//! The workloads, and the check that every target answers them alike
//! before anything is measured.

use std::sync::Arc;

use anyhow::{bail, ensure, Context};
use bytes::Bytes;
use serde_json::{json, Map, Value};

use crate::load::{Credential, Operation, Request};

/// How a workload is answered without a gateway (workload 4 of issue 8).
pub enum Baseline {
    /// The same query, sent to the one subgraph that owns all its fields.
    Same { subgraph: &'static str },
    /// A query that needs several subgraphs: the owner of its root field
    /// first, then each other subgraph's `_entities` for the references of
    /// that answer, all at the same time, as a gateway does.
    Joined(Joined),
}

pub struct Joined {
    /// The subgraph of the root field, and what a gateway asks it.
    pub root: &'static str,
    pub query: &'static str,
    /// Where the root answer holds references to other subgraphs' entities
    /// (dotted paths; `[]` goes into every item of a list).
    pub sites: &'static [Site],
    /// The `_entities` call for each entity type.
    pub joins: &'static [Join],
}

pub struct Site {
    pub path: &'static str,
    /// The client asked for `__typename` there too (else it was only for
    /// the representation, and a gateway leaves it out of the answer).
    pub keep_typename: bool,
}

pub struct Join {
    pub typename: &'static str,
    pub subgraph: &'static str,
    pub query: &'static str,
}

pub struct Workload {
    pub id: &'static str,
    pub title: &'static str,
    pub query: &'static str,
    pub baseline: Baseline,
    /// Asked as the signed-in test citizen.
    pub signed_in: bool,
}

const W2_SITES: &[Site] = &[
    Site {
        path: "reports.edges[].node.ward",
        keep_typename: false,
    },
    Site {
        path: "reports.edges[].node.agency",
        keep_typename: false,
    },
];

const W2_JOINS: &[Join] = &[
    Join {
        typename: "AdministrativeUnit",
        subgraph: "geo",
        query: include_str!("../queries/baseline/w2_geo_entities.graphql"),
    },
    Join {
        typename: "Agency",
        subgraph: "directories",
        query: include_str!("../queries/baseline/w2_directories_entities.graphql"),
    },
];

const W1_SITES: &[Site] = &[
    Site {
        path: "me.profile.homeWard",
        keep_typename: false,
    },
    Site {
        path: "me.pins[].item",
        keep_typename: true,
    },
    Site {
        path: "me.notifications.edges[].node.subject",
        keep_typename: true,
    },
];

const W1_JOINS: &[Join] = &[
    Join {
        typename: "Report",
        subgraph: "feedback",
        query: include_str!("../queries/baseline/w1_feedback_entities.graphql"),
    },
    Join {
        typename: "AdministrativeUnit",
        subgraph: "geo",
        query: include_str!("../queries/baseline/w1_geo_entities.graphql"),
    },
    Join {
        typename: "Agency",
        subgraph: "directories",
        query: include_str!("../queries/baseline/w1_directories_entities.graphql"),
    },
    Join {
        typename: "Procedure",
        subgraph: "dossiers",
        query: include_str!("../queries/baseline/w1_dossiers_entities.graphql"),
    },
    Join {
        typename: "Article",
        subgraph: "content",
        query: include_str!("../queries/baseline/w1_content_entities.graphql"),
    },
];

pub fn all() -> Vec<Workload> {
    vec![
        Workload {
            id: "W1",
            title: "My Services of a signed-in citizen (citizen → 5 subgraphs)",
            query: include_str!("../queries/w1_my_services.graphql"),
            baseline: Baseline::Joined(Joined {
                root: "citizen",
                query: include_str!("../queries/baseline/w1_citizen.graphql"),
                sites: W1_SITES,
                joins: W1_JOINS,
            }),
            signed_in: true,
        },
        Workload {
            id: "W2",
            title: "100 reports + ward + agency (feedback → geo, directories)",
            query: include_str!("../queries/w2_reports_ward_agency.graphql"),
            baseline: Baseline::Joined(Joined {
                root: "feedback",
                query: include_str!("../queries/baseline/w2_feedback.graphql"),
                sites: W2_SITES,
                joins: W2_JOINS,
            }),
            signed_in: false,
        },
        Workload {
            id: "W3",
            title: "service catalog (citizen alone, the floor)",
            query: include_str!("../queries/w3_services.graphql"),
            baseline: Baseline::Same {
                subgraph: "citizen",
            },
            signed_in: false,
        },
        Workload {
            id: "W3b",
            title: "100 reports, no join (feedback alone)",
            query: include_str!("../queries/w3b_reports_only.graphql"),
            baseline: Baseline::Same {
                subgraph: "feedback",
            },
            signed_in: false,
        },
    ]
}

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
    credential: Option<&Credential>,
    what: &str,
) -> anyhow::Result<(Bytes, Value)> {
    let mut builder = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(credential) = credential {
        builder = builder.header(credential.name.clone(), credential.current());
    }
    let response = builder
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
/// and the `data` it amounts to (to compare with the gateways'). Every
/// request carries `credential` when given (the identity a gateway would
/// forward).
pub async fn baseline_operation(
    client: &reqwest::Client,
    workload: &Workload,
    subgraph_url: impl Fn(&str) -> String,
    credential: Option<Arc<Credential>>,
) -> anyhow::Result<(Operation, Value)> {
    match &workload.baseline {
        Baseline::Same { subgraph } => {
            let subgraph: &str = subgraph;
            let url = subgraph_url(subgraph);
            let body = body(workload.query, None);
            let what = format!("{} straight to {subgraph}", workload.id);
            let (raw, value) = ask(client, &url, &body, credential.as_deref(), &what).await?;
            let op = Operation::single(Request {
                url,
                body,
                expected_len: raw.len(),
                credential,
            });
            Ok((op, value["data"].clone()))
        }
        Baseline::Joined(joined) => {
            joined_operation(client, workload.id, joined, subgraph_url, credential).await
        }
    }
}

async fn joined_operation(
    client: &reqwest::Client,
    id: &str,
    joined: &Joined,
    subgraph_url: impl Fn(&str) -> String,
    credential: Option<Arc<Credential>>,
) -> anyhow::Result<(Operation, Value)> {
    let root_url = subgraph_url(joined.root);
    let root_body = body(joined.query, None);
    let what = format!("{id} baseline: {}", joined.root);
    let (raw_root, root) = ask(client, &root_url, &root_body, credential.as_deref(), &what).await?;
    let mut data = root["data"].clone();
    // The references of each type, in order of first appearance, each once.
    let mut representations: Vec<Vec<Value>> = vec![Vec::new(); joined.joins.len()];
    for site in joined.sites {
        visit(&mut data, site.path, &mut |reference| {
            let at = join_of(joined, reference)?;
            if !representations[at].contains(reference) {
                representations[at].push(reference.clone());
            }
            Ok(())
        })?;
    }
    let mut stage = Vec::new();
    let mut entities: Vec<Vec<Value>> = Vec::new();
    for (join, representations) in joined.joins.iter().zip(&representations) {
        ensure!(
            !representations.is_empty(),
            "{id} baseline: the {} answer refers to no {} (nothing to join)",
            joined.root,
            join.typename
        );
        let url = subgraph_url(join.subgraph);
        let body = body(
            join.query,
            Some(json!({ "representations": representations })),
        );
        let what = format!("{id} baseline: {} _entities", join.subgraph);
        let (raw, value) = ask(client, &url, &body, credential.as_deref(), &what).await?;
        let list = value["data"]["_entities"]
            .as_array()
            .with_context(|| format!("{what}: _entities is not a list"))?;
        ensure!(
            list.len() == representations.len() && list.iter().all(|entity| entity.is_object()),
            "{what}: {} representations, {} entities (or null ones)",
            representations.len(),
            list.len()
        );
        entities.push(list.clone());
        stage.push(Request {
            url,
            body,
            expected_len: raw.len(),
            credential: credential.clone(),
        });
    }
    // Merged as a gateway would, to compare with the gateways' data.
    for site in joined.sites {
        visit(&mut data, site.path, &mut |reference| {
            let join = join_of(joined, reference)?;
            let at = representations[join]
                .iter()
                .position(|r| r == &*reference)
                .context("a reference without representation")?;
            let object = reference
                .as_object_mut()
                .context("a reference that is not an object")?;
            if let Value::Object(fields) = &entities[join][at] {
                object.extend(fields.clone());
            }
            if !site.keep_typename {
                object.remove("__typename");
            }
            Ok(())
        })?;
    }
    let op = Operation {
        stages: vec![
            vec![Request {
                url: root_url,
                body: root_body,
                expected_len: raw_root.len(),
                credential,
            }],
            stage,
        ],
    };
    Ok((op, data))
}

/// The join for a reference (by its `__typename`).
fn join_of(joined: &Joined, reference: &Value) -> anyhow::Result<usize> {
    let typename = reference["__typename"]
        .as_str()
        .with_context(|| format!("a reference without __typename: {reference}"))?;
    joined
        .joins
        .iter()
        .position(|j| j.typename == typename)
        .with_context(|| format!("no join for {typename}"))
}

/// Calls `f` on each non-null value at `path` (`a.b[].c`).
fn visit(
    value: &mut Value,
    path: &str,
    f: &mut dyn FnMut(&mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let segments: Vec<&str> = path.split('.').collect();
    visit_segments(value, &segments, f)
}

fn visit_segments(
    value: &mut Value,
    path: &[&str],
    f: &mut dyn FnMut(&mut Value) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let Some((first, rest)) = path.split_first() else {
        return if value.is_null() { Ok(()) } else { f(value) };
    };
    let (name, list) = match first.strip_suffix("[]") {
        Some(name) => (name, true),
        None => (*first, false),
    };
    let Some(next) = value.get_mut(name) else {
        return Ok(());
    };
    if list {
        if let Value::Array(items) = next {
            for item in items {
                visit_segments(item, rest, f)?;
            }
        }
        Ok(())
    } else {
        visit_segments(next, rest, f)
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
                let handled = nodes
                    .iter()
                    .filter(|n| n["agency"]["name"].is_string())
                    .count();
                ensure!(
                    handled > 40,
                    "W2: only {handled} of 100 reports have an agency name"
                );
            }
        }
        "W3" => {
            let n = data["services"]["edges"].as_array().map_or(0, Vec::len);
            ensure!(n > 0, "W3: no services");
        }
        "W1" => {
            let me = &data["me"];
            ensure!(me["fullName"].is_string(), "W1: no me.fullName");
            ensure!(
                me["profile"]["homeWard"]["fullName"].is_string(),
                "W1: no home ward name"
            );
            let services = me["myServices"].as_array().map_or(0, Vec::len);
            ensure!(services > 0, "W1: no My Services");
            let mut kinds: Vec<&str> = Vec::new();
            for pin in me["pins"].as_array().context("W1: no pins")? {
                let item = &pin["item"];
                ensure!(
                    ["title", "name", "fullName"]
                        .iter()
                        .any(|f| item[f].is_string()),
                    "W1: a pinned item without its owner's fields: {pin}"
                );
                kinds.extend(item["__typename"].as_str());
            }
            for join in W1_JOINS {
                ensure!(
                    kinds.contains(&join.typename),
                    "W1: no pinned {}",
                    join.typename
                );
            }
            let edges = me["notifications"]["edges"]
                .as_array()
                .context("W1: no notifications")?;
            ensure!(!edges.is_empty(), "W1: no notifications");
            ensure!(
                edges
                    .iter()
                    .all(|e| e["node"]["subject"]["title"].is_string()),
                "W1: a notification without its report's title"
            );
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

    const W1_JOIN_SET: Joined = Joined {
        root: "citizen",
        query: "",
        sites: W1_SITES,
        joins: W1_JOINS,
    };

    #[test]
    fn references_are_found_through_lists_and_nulls() {
        let mut data = json!({ "me": {
            "profile": { "homeWard": { "__typename": "AdministrativeUnit", "id": "1" } },
            "pins": [
                { "item": { "__typename": "Report", "id": "r" } },
                { "item": null },
                { "item": { "__typename": "AdministrativeUnit", "id": "1" } },
            ],
            "notifications": { "edges": [] },
        } });
        let mut seen = Vec::new();
        for site in W1_SITES {
            visit(&mut data, site.path, &mut |r| {
                seen.push((join_of(&W1_JOIN_SET, r)?, r["id"].clone()));
                Ok(())
            })
            .unwrap();
        }
        // geo's unit, then the report (feedback) and the unit again.
        assert_eq!(seen, [(1, json!("1")), (0, json!("r")), (1, json!("1"))]);
    }

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
