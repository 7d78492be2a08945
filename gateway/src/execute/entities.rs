//! Entity fetches: collecting representations at a plan path, deduplicating
//! them, merging `_entities` results back and moving subgraph errors to the
//! client's path.

use std::collections::HashMap;

use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::ast::selection_set::SelectionSet;
use hive_router_query_planner::planner::plan_nodes::{
    FetchNodePathSegment, FetchRewrite, FlattenNodePathSegment,
};
use serde_json::{Map, Value};

use super::merge::deep_merge;
use super::path_to_json;
use super::response::GraphQLError;
use super::subgraph::SubgraphErrorEntry;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathElem {
    Key(String),
    Index(usize),
}

/// The entities one fetch asks for: distinct representations, and for each
/// target object in the response tree the representation it receives.
#[derive(Debug, Default)]
pub struct EntityBatch {
    representations: Vec<Value>,
    index: HashMap<String, usize>,
    /// (path of the target object, index of its representation)
    targets: Vec<(Vec<PathElem>, usize)>,
}

impl EntityBatch {
    pub fn collect(
        data: &Value,
        path: &[FlattenNodePathSegment],
        requires: &SelectionSet,
        input_rewrites: Option<&[FetchRewrite]>,
    ) -> Self {
        let mut batch = Self::default();
        batch.extend(data, path, requires, input_rewrites);
        batch
    }

    pub fn extend(
        &mut self,
        data: &Value,
        path: &[FlattenNodePathSegment],
        requires: &SelectionSet,
        input_rewrites: Option<&[FetchRewrite]>,
    ) {
        let mut found = Vec::new();
        walk(data, path, &mut Vec::new(), &mut found);
        for target in found {
            let Some(object) = get_at(data, &target).and_then(Value::as_object) else {
                continue;
            };
            let Some(mut representation) = project_requires(requires, object) else {
                continue;
            };
            if let Some(rewrites) = input_rewrites {
                apply_rewrites(&mut representation, rewrites);
            }
            // Identical representations are sent once.
            let key = representation.to_string();
            let next = self.representations.len();
            let index = *self.index.entry(key).or_insert(next);
            if index == next {
                self.representations.push(representation);
            }
            self.targets.push((target, index));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.representations.is_empty()
    }

    pub fn representations_json(&self) -> Value {
        Value::Array(self.representations.clone())
    }

    /// Every target's path, in response-path form.
    pub fn target_paths(&self) -> Vec<Vec<Value>> {
        self.targets
            .iter()
            .map(|(path, _)| path_to_json(path))
            .collect()
    }

    pub fn first_path(&self) -> Option<Vec<Value>> {
        self.targets.first().map(|(path, _)| path_to_json(path))
    }

    /// Merges the `_entities` answer into every target.
    pub fn merge(&self, data: &mut Value, entities: Vec<Value>, rewrites: Option<&[FetchRewrite]>) {
        let mut entities = entities;
        if let Some(rewrites) = rewrites {
            for entity in &mut entities {
                apply_rewrites(entity, rewrites);
            }
        }
        for (path, index) in &self.targets {
            let Some(entity) = entities.get(*index) else {
                continue;
            };
            if entity.is_object() {
                if let Some(target) = get_at_mut(data, path) {
                    deep_merge(target, entity.clone());
                }
            }
        }
    }

    /// A subgraph error at `[field, i, rest..]` belongs at the first target
    /// that received representation `i`, followed by `rest`.
    pub fn relocate_error(&self, error: SubgraphErrorEntry, field: &str) -> GraphQLError {
        let path = error.path.as_ref().and_then(|path| {
            let (head, tail) = path.split_first()?;
            if head.as_str() != Some(field) {
                return None;
            }
            let (index, rest) = tail.split_first()?;
            let index = usize::try_from(index.as_u64()?).ok()?;
            let (target, _) = self.targets.iter().find(|(_, i)| *i == index)?;
            let mut client_path = path_to_json(target);
            client_path.extend(rest.iter().cloned());
            Some(client_path)
        });
        let fallback = self.first_path();
        subgraph_error(error, path.or(fallback))
    }
}

/// Extension keys subgraph frameworks use for stack traces and exception
/// details, which clients must not see.
const INTERNAL_EXTENSIONS: [&str; 4] = ["exception", "stacktrace", "stackTrace", "trace"];

/// A subgraph's error as the client sees it: message and extensions kept,
/// subgraph locations dropped (they point into a document the client never
/// sent), stack traces and exception details removed.
pub fn subgraph_error(error: SubgraphErrorEntry, path: Option<Vec<Value>>) -> GraphQLError {
    let extensions = error.extensions.map(|mut extensions| {
        for key in INTERNAL_EXTENSIONS {
            extensions.remove(key);
        }
        extensions
    });
    GraphQLError {
        message: error.message,
        path: path.or(error.path),
        extensions: extensions.filter(|e| !e.is_empty()),
    }
}

/// Finds every object reachable from `value` along `path`.
fn walk(
    value: &Value,
    path: &[FlattenNodePathSegment],
    current: &mut Vec<PathElem>,
    out: &mut Vec<Vec<PathElem>>,
) {
    match path.split_first() {
        None => match value {
            Value::Object(_) => out.push(current.clone()),
            // A list at the end of a path: its items are the targets.
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    current.push(PathElem::Index(i));
                    walk(item, path, current, out);
                    current.pop();
                }
            }
            _ => {}
        },
        Some((FlattenNodePathSegment::Field(name), rest)) => match value {
            Value::Object(object) => {
                if let Some(child) = object.get(name) {
                    current.push(PathElem::Key(name.clone()));
                    walk(child, rest, current, out);
                    current.pop();
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    current.push(PathElem::Index(i));
                    walk(item, path, current, out);
                    current.pop();
                }
            }
            _ => {}
        },
        Some((FlattenNodePathSegment::List, rest)) => {
            if let Value::Array(items) = value {
                for (i, item) in items.iter().enumerate() {
                    current.push(PathElem::Index(i));
                    walk(item, rest, current, out);
                    current.pop();
                }
            }
        }
        Some((FlattenNodePathSegment::TypeCondition(types), rest)) => {
            let typename = value.get("__typename").and_then(Value::as_str);
            if typename.is_some_and(|t| types.contains(t)) {
                walk(value, rest, current, out);
            }
        }
    }
}

fn get_at<'v>(value: &'v Value, path: &[PathElem]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, elem| match elem {
        PathElem::Key(k) => v.get(k.as_str()),
        PathElem::Index(i) => v.get(*i),
    })
}

fn get_at_mut<'v>(value: &'v mut Value, path: &[PathElem]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, elem| match elem {
        PathElem::Key(k) => v.get_mut(k.as_str()),
        PathElem::Index(i) => v.get_mut(*i),
    })
}

/// The representation of `object` for an entity fetch: the `requires`
/// selection (key fields, `@requires` fields and `__typename`) copied out of
/// the response tree. None when no part of the selection applies.
fn project_requires(requires: &SelectionSet, object: &Map<String, Value>) -> Option<Value> {
    let mut out = Map::new();
    project_into(requires, object, &mut out);
    if out.is_empty() {
        None
    } else {
        Some(Value::Object(out))
    }
}

fn project_into(
    selection: &SelectionSet,
    object: &Map<String, Value>,
    out: &mut Map<String, Value>,
) {
    let typename = object.get("__typename").and_then(Value::as_str);
    for item in &selection.items {
        match item {
            SelectionItem::Field(field) => {
                let key = field.alias.as_deref().unwrap_or(&field.name);
                let Some(value) = object.get(key) else {
                    continue;
                };
                let projected = if field.selections.items.is_empty() {
                    value.clone()
                } else {
                    project_value(&field.selections, value)
                };
                match out.get_mut(&field.name) {
                    Some(existing) => deep_merge(existing, projected),
                    None => {
                        out.insert(field.name.clone(), projected);
                    }
                }
            }
            SelectionItem::InlineFragment(fragment) => {
                if typename == Some(fragment.type_condition.as_str()) {
                    project_into(&fragment.selections, object, out);
                }
            }
            SelectionItem::FragmentSpread(_) => {}
        }
    }
}

fn project_value(selection: &SelectionSet, value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            project_into(selection, object, &mut out);
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| project_value(selection, v)).collect())
        }
        other => other.clone(),
    }
}

/// Applies the planner's input or output rewrites (set `__typename` for
/// `@interfaceObject`, rename aliased keys) to one value.
pub fn apply_rewrites(value: &mut Value, rewrites: &[FetchRewrite]) {
    for rewrite in rewrites {
        match rewrite {
            FetchRewrite::ValueSetter(setter) => set_at(
                value,
                &setter.path,
                &Value::String(setter.set_value_to.clone()),
            ),
            FetchRewrite::KeyRenamer(renamer) => {
                rename_at(value, &renamer.path, &renamer.rename_key_to)
            }
        }
    }
}

fn set_at(value: &mut Value, path: &[FetchNodePathSegment], new_value: &Value) {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| set_at(item, path, new_value)),
        Value::Object(object) => match path.split_first() {
            None => {}
            Some((FetchNodePathSegment::TypenameEquals(types), rest)) => {
                let matches = object
                    .get("__typename")
                    .and_then(Value::as_str)
                    .is_some_and(|t| types.contains(t));
                if matches {
                    set_at(value, rest, new_value);
                }
            }
            Some((FetchNodePathSegment::Key(key), [])) => {
                object.insert(key.clone(), new_value.clone());
            }
            Some((FetchNodePathSegment::Key(key), rest)) => {
                if let Some(child) = object.get_mut(key) {
                    set_at(child, rest, new_value);
                }
            }
        },
        _ => {}
    }
}

fn rename_at(value: &mut Value, path: &[FetchNodePathSegment], new_key: &str) {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rename_at(item, path, new_key)),
        Value::Object(object) => match path.split_first() {
            None => {}
            Some((FetchNodePathSegment::TypenameEquals(types), rest)) => {
                let matches = object
                    .get("__typename")
                    .and_then(Value::as_str)
                    .is_some_and(|t| types.contains(t));
                if matches {
                    rename_at(value, rest, new_key);
                }
            }
            Some((FetchNodePathSegment::Key(key), [])) => {
                if let Some(v) = object.remove(key) {
                    object.insert(new_key.to_string(), v);
                }
            }
            Some((FetchNodePathSegment::Key(key), rest)) => {
                if let Some(child) = object.get_mut(key) {
                    rename_at(child, rest, new_key);
                }
            }
        },
        _ => {}
    }
}
