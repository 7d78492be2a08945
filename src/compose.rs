//! Composing the subgraphs' SDLs into the supergraph with
//! `graphql-composition`, and keeping `schema/` in step with the code.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use graphql_tools::parser::schema::{
    parse_schema, Definition, Directive, Document, TypeDefinition, Value,
};

use crate::subgraphs::SubgraphName;

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("subgraph `{name}` has an SDL that cannot be read: {report}")]
    Ingest { name: String, report: String },
    #[error("composition failed: {0}")]
    Composition(String),
    #[error("the composed supergraph cannot be parsed: {0}")]
    Parse(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Each subgraph's SDL, in registry order.
pub fn subgraph_sdls() -> Vec<(SubgraphName, String)> {
    SubgraphName::ALL.iter().map(|s| (*s, s.sdl())).collect()
}

/// Composes the given subgraphs (name, SDL, URL) into a supergraph SDL.
pub fn compose(subgraphs: &[(&str, &str, &str)]) -> Result<String, ComposeError> {
    let mut input = graphql_composition::Subgraphs::default();
    for (name, sdl, url) in subgraphs {
        input
            .ingest_str(sdl, name, Some(url))
            .map_err(|e| ComposeError::Ingest {
                name: name.to_string(),
                report: e.to_string(),
            })?;
    }
    let graph = graphql_composition::compose(&mut input)
        .into_result()
        .map_err(|diagnostics| {
            ComposeError::Composition(
                diagnostics
                    .iter_messages()
                    .map(str::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
    let sdl = graphql_composition::render_federated_sdl(&graph)
        .map_err(|e| ComposeError::Composition(e.to_string()))?;
    let mut document: Document<'static, String> = parse_schema::<String>(&sdl)
        .map_err(|e| ComposeError::Parse(e.to_string()))?
        .into_static();
    join_root_types(&mut document);
    link_authorization_specs(&mut document)?;
    Ok(document.to_string())
}

/// `graphql-composition` renders the root types without `@join__type`, and
/// without it the planner finds no subgraph for any root field. Adds
/// `@join__type(graph: G)` to each root type for every graph that defines one
/// of its fields, on the parsed supergraph.
fn join_root_types(document: &mut Document<'static, String>) {
    let all_graphs = graph_enum_values(document);
    let roots = root_type_names(document);
    for definition in &mut document.definitions {
        let Definition::TypeDefinition(TypeDefinition::Object(object)) = definition else {
            continue;
        };
        if !roots.contains(&object.name) {
            continue;
        }
        let mut graphs = BTreeSet::new();
        for field in &object.fields {
            let joined: Vec<_> = field
                .directives
                .iter()
                .filter(|d| d.name == "join__field")
                .filter_map(|d| enum_argument(d, "graph"))
                .collect();
            if joined.is_empty() {
                // A root field with no @join__field is resolvable everywhere.
                graphs.extend(all_graphs.iter().cloned());
            } else {
                graphs.extend(joined);
            }
        }
        let present: BTreeSet<String> = object
            .directives
            .iter()
            .filter(|d| d.name == "join__type")
            .filter_map(|d| enum_argument(d, "graph"))
            .collect();
        for graph in graphs.difference(&present) {
            object.directives.push(Directive {
                position: object.position,
                name: "join__type".to_string(),
                arguments: vec![("graph".to_string(), Value::Enum(graph.clone()))],
            });
        }
    }
}

/// The authorization specs: directive name, `@link` URL, and the
/// definitions a supergraph using the directive declares.
const AUTHORIZATION_SPECS: [(&str, &str, &str); 2] = [
    (
        "authenticated",
        "https://specs.apollo.dev/authenticated/v0.1",
        "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    (
        "requiresScopes",
        "https://specs.apollo.dev/requiresScopes/v0.1",
        "scalar requiresScopes__Scope\n\
         directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) \
         on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
];

/// `graphql-composition` renders `@authenticated` and `@requiresScopes`
/// where the subgraphs put them, but neither links their specs nor defines
/// them, and the planner reads the directives only from a supergraph that
/// links the spec (the gateway enforces them, `gateway/src/plan/authorization.rs`).
/// Adds `@link(url: …, for: SECURITY)` and the definitions for each
/// directive the supergraph uses.
fn link_authorization_specs(document: &mut Document<'static, String>) -> Result<(), ComposeError> {
    let used = used_directive_names(document);
    for (name, url, definitions) in AUTHORIZATION_SPECS {
        if !used.contains(name) {
            continue;
        }
        let Some(schema) = document.definitions.iter_mut().find_map(|d| match d {
            Definition::SchemaDefinition(schema) => Some(schema),
            _ => None,
        }) else {
            return Err(ComposeError::Parse(
                "the supergraph has no schema definition".into(),
            ));
        };
        let linked = schema.directives.iter().any(|d| {
            d.name == "link"
                && d.arguments
                    .iter()
                    .any(|(arg, value)| arg == "url" && *value == Value::String(url.to_string()))
        });
        if linked {
            continue;
        }
        schema.directives.push(Directive {
            position: schema.position,
            name: "link".to_string(),
            arguments: vec![
                ("url".to_string(), Value::String(url.to_string())),
                ("for".to_string(), Value::Enum("SECURITY".to_string())),
            ],
        });
        let defined = parse_schema::<String>(definitions)
            .map_err(|e| ComposeError::Parse(e.to_string()))?
            .into_static();
        // After the other directive definitions, as the renderer puts them.
        let at = document
            .definitions
            .iter()
            .rposition(|d| matches!(d, Definition::DirectiveDefinition(_)))
            .map_or(document.definitions.len().min(1), |i| i + 1);
        document.definitions.splice(at..at, defined.definitions);
    }
    Ok(())
}

/// Names of the directives applied to types and fields.
fn used_directive_names(document: &Document<'static, String>) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for definition in &document.definitions {
        let Definition::TypeDefinition(definition) = definition else {
            continue;
        };
        let (directives, fields) = match definition {
            TypeDefinition::Object(o) => (&o.directives, o.fields.as_slice()),
            TypeDefinition::Interface(i) => (&i.directives, i.fields.as_slice()),
            TypeDefinition::Scalar(s) => (&s.directives, &[][..]),
            TypeDefinition::Enum(e) => (&e.directives, &[][..]),
            TypeDefinition::Union(u) => (&u.directives, &[][..]),
            TypeDefinition::InputObject(i) => (&i.directives, &[][..]),
        };
        names.extend(
            directives
                .iter()
                .chain(fields.iter().flat_map(|f| &f.directives))
                .map(|d| d.name.clone()),
        );
    }
    names
}

fn enum_argument(directive: &Directive<'static, String>, name: &str) -> Option<String> {
    directive
        .arguments
        .iter()
        .find(|(arg, _)| arg == name)
        .and_then(|(_, value)| match value {
            Value::Enum(v) => Some(v.clone()),
            _ => None,
        })
}

fn graph_enum_values(document: &Document<'static, String>) -> Vec<String> {
    document
        .definitions
        .iter()
        .find_map(|d| match d {
            Definition::TypeDefinition(TypeDefinition::Enum(e)) if e.name == "join__Graph" => {
                Some(e.values.iter().map(|v| v.name.clone()).collect())
            }
            _ => None,
        })
        .unwrap_or_default()
}

fn root_type_names(document: &Document<'static, String>) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = ["Query", "Mutation", "Subscription"]
        .into_iter()
        .map(str::to_string)
        .collect();
    for definition in &document.definitions {
        if let Definition::SchemaDefinition(schema) = definition {
            names.extend(
                [&schema.query, &schema.mutation, &schema.subscription]
                    .into_iter()
                    .flatten()
                    .cloned(),
            );
        }
    }
    names
}

/// Our six subgraphs composed, with each subgraph at its default URL.
pub fn supergraph() -> Result<String, ComposeError> {
    let sdls = subgraph_sdls();
    let urls: HashMap<SubgraphName, String> = SubgraphName::ALL
        .iter()
        .map(|s| (*s, s.default_url()))
        .collect();
    let input: Vec<(&str, &str, &str)> = sdls
        .iter()
        .map(|(name, sdl)| (name.as_str(), sdl.as_str(), urls[name].as_str()))
        .collect();
    compose(&input)
}

/// The files `congdan compose` writes under `schema_dir`: relative path → text.
pub fn schema_files() -> Result<Vec<(String, String)>, ComposeError> {
    let mut files: Vec<(String, String)> = subgraph_sdls()
        .into_iter()
        .map(|(name, sdl)| (format!("subgraphs/{name}.graphql"), sdl))
        .collect();
    files.push(("supergraph.graphql".to_string(), supergraph()?));
    Ok(files)
}

/// Writes every schema file under `schema_dir`.
pub fn write_schema_files(schema_dir: &Path) -> Result<Vec<String>, ComposeError> {
    let files = schema_files()?;
    let mut written = Vec::new();
    for (relative, text) in files {
        let path = schema_dir.join(&relative);
        let write = |path: &Path| -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, &text)
        };
        write(&path).map_err(|source| ComposeError::Write {
            path: path.display().to_string(),
            source,
        })?;
        written.push(path.display().to_string());
    }
    Ok(written)
}
