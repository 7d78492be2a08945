//! `schema/` holds what the code prints: each subgraph's SDL and the composed
//! supergraph. A stale file fails here with the command that refreshes it.

use std::path::PathBuf;

const REFRESH: &str = "refresh them with `cargo run -- compose` and commit schema/";

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schema")
}

#[test]
fn committed_schema_files_match_the_code() {
    let files = congdan::compose::schema_files().expect("the subgraphs compose");
    let mut stale = Vec::new();
    for (relative, expected) in &files {
        let path = schema_dir().join(relative);
        match std::fs::read_to_string(&path) {
            Ok(committed) if &committed == expected => {}
            Ok(_) => stale.push(format!(
                "schema/{relative} differs from what the code prints"
            )),
            Err(_) => stale.push(format!("schema/{relative} is missing")),
        }
    }
    assert!(stale.is_empty(), "{}; {REFRESH}", stale.join("; "));
}

#[test]
fn the_binary_serves_the_committed_supergraph() {
    let committed = std::fs::read_to_string(schema_dir().join("supergraph.graphql")).unwrap();
    assert_eq!(
        congdan::serve::BUILT_IN_SUPERGRAPH,
        committed,
        "the built-in supergraph is stale; {REFRESH}"
    );
}

#[test]
fn the_supergraph_plans_a_query_across_feedback_and_geo() {
    let supergraph = congdan_gateway::supergraph::Supergraph::from_sdl(
        &congdan::compose::supergraph().unwrap(),
        &Default::default(),
    )
    .expect("the planner accepts the composed supergraph");
    let prepared = congdan_gateway::plan::prepare(
        &supergraph,
        "{ reports { edges { node { title ward { name } } } } }",
        None,
        &Default::default(),
        &congdan_gateway::plan::ShapeCache::new(1),
    )
    .expect("a plan");
    let (_, plan) = prepared.planned.expect("subgraphs answer this query");
    let plan = serde_json::to_value(&plan).unwrap();
    let text = plan.to_string();
    assert!(text.contains(r#""serviceName":"feedback""#), "{text}");
    assert!(text.contains(r#""serviceName":"geo""#), "{text}");
    assert!(text.contains("Flatten"), "{text}");
}
