//! Entity fetches: collecting representations at a plan path, deduplicating
//! them, merging `_entities` results back and moving subgraph errors to the
//! client's path.

use std::collections::{HashMap, HashSet};

use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::ast::selection_set::SelectionSet;
use hive_router_query_planner::planner::plan_nodes::{
    FetchNodePathSegment, FetchRewrite, FlattenNodePathSegment,
};
use hive_router_query_planner::state::supergraph_state::SupergraphState;
use serde_json::{Map, Value};

use super::merge::deep_merge;
use super::path_to_json;
use super::projection::type_applies;
use super::response::GraphQLError;
use super::transport::SubgraphErrorEntry;

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
    /// Targets that lack a field their representation needs: (path, type).
    incomplete: Vec<(Vec<PathElem>, String)>,
}

impl EntityBatch {
    pub fn collect(
        schema: &SupergraphState,
        data: &Value,
        path: &[FlattenNodePathSegment],
        requires: &SelectionSet,
        input_rewrites: Option<&[FetchRewrite]>,
    ) -> Self {
        let mut batch = Self::default();
        batch.extend(schema, data, path, requires, input_rewrites);
        batch
    }

    pub fn extend(
        &mut self,
        schema: &SupergraphState,
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
            let mut representation = match project_requires(schema, requires, object) {
                Ok(Some(representation)) => representation,
                Ok(None) => continue,
                Err(Incomplete) => {
                    // `__typename` is itself required: it can be what is missing.
                    let typename = object.get("__typename").and_then(Value::as_str);
                    self.incomplete
                        .push((target, typename.unwrap_or("entity").to_string()));
                    continue;
                }
            };
            if let Some(rewrites) = input_rewrites {
                apply_rewrites(schema, &mut representation, rewrites);
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

    /// The targets left out because a field their representation needs is
    /// missing, as (response path, type name).
    pub fn incomplete(&self) -> impl Iterator<Item = (Vec<Value>, &str)> {
        self.incomplete
            .iter()
            .map(|(path, typename)| (path_to_json(path), typename.as_str()))
    }

    pub fn first_path(&self) -> Option<Vec<Value>> {
        self.targets.first().map(|(path, _)| path_to_json(path))
    }

    /// Merges the `_entities` answer into every target. An entity the
    /// subgraph answered null for with an error at the entity itself (it
    /// cannot resolve the key: `NOT_FOUND`) is null at its targets, not a
    /// stub of its keys; a null that comes from an error inside the entity
    /// (async-graphql nulls the whole entity then) leaves the target as it
    /// is, and the error lands on its field.
    pub fn merge(
        &self,
        schema: &SupergraphState,
        data: &mut Value,
        entities: Vec<Value>,
        rewrites: Option<&[FetchRewrite]>,
        unresolved: &HashSet<usize>,
    ) {
        let mut entities = entities;
        if let Some(rewrites) = rewrites {
            for entity in &mut entities {
                apply_rewrites(schema, entity, rewrites);
            }
        }
        for (path, index) in &self.targets {
            let Some(entity) = entities.get(*index) else {
                continue;
            };
            match entity {
                Value::Object(_) => {
                    if let Some(target) = get_at_mut(data, path) {
                        deep_merge(target, entity.clone());
                    }
                }
                Value::Null if unresolved.contains(index) => {
                    if let Some(target) = get_at_mut(data, path) {
                        *target = Value::Null;
                    }
                }
                _ => {}
            }
        }
    }

    /// A subgraph error at `[field, i, rest..]` belongs at every target that
    /// received representation `i` (identical representations are sent
    /// once, so one subgraph error can stand for several client paths),
    /// each followed by `rest`.
    ///
    /// Some subgraphs leave the index out (async-graphql 7 reports an error
    /// inside an entity at `[field, rest..]`): `unindexed` then names the
    /// entity it belongs to.
    pub fn relocate_error(
        &self,
        error: SubgraphErrorEntry,
        field: &str,
        unindexed: &mut Unindexed,
    ) -> Vec<GraphQLError> {
        let located = error.path.as_ref().and_then(|path| {
            let (head, tail) = path.split_first()?;
            if head.as_str() != Some(field) {
                return None;
            }
            match tail.split_first() {
                Some((Value::Number(index), rest)) => {
                    Some((usize::try_from(index.as_u64()?).ok()?, rest.to_vec()))
                }
                _ => Some((unindexed.next(tail)?, tail.to_vec())),
            }
        });
        let paths: Vec<Vec<Value>> = match located {
            Some((index, rest)) => self
                .targets
                .iter()
                .filter(|(_, i)| *i == index)
                .map(|(target, _)| {
                    let mut client_path = path_to_json(target);
                    client_path.extend(rest.iter().cloned());
                    client_path
                })
                .collect(),
            None => Vec::new(),
        };
        let error = subgraph_error(error, None);
        if paths.is_empty() {
            return vec![GraphQLError {
                path: self.first_path(),
                ..error
            }];
        }
        paths
            .into_iter()
            .map(|path| GraphQLError {
                path: Some(path),
                ..error.clone()
            })
            .collect()
    }
}

/// The entities (by index) whose own resolution failed: errors at exactly
/// `[field, i]`, or at `[field]` alone (async-graphql 7 leaves the index
/// out), which stand for the null entities in order.
pub fn unresolved(
    errors: &[SubgraphErrorEntry],
    field: &str,
    entities: &[Value],
) -> HashSet<usize> {
    let mut found = HashSet::new();
    if errors.is_empty() {
        return found;
    }
    let mut unindexed = 0;
    for error in errors {
        match error.path.as_deref() {
            Some([Value::String(head), Value::Number(index)]) if head == field => {
                if let Some(index) = index.as_u64().and_then(|i| usize::try_from(i).ok()) {
                    found.insert(index);
                }
            }
            Some([Value::String(head)]) if head == field => unindexed += 1,
            _ => {}
        }
    }
    found.extend(
        entities
            .iter()
            .enumerate()
            .filter(|(i, entity)| entity.is_null() && !found.contains(i))
            .map(|(i, _)| i)
            .take(unindexed)
            .collect::<Vec<_>>(),
    );
    found
}

/// Finds the entity an error without an entity index belongs to: the first
/// entity, in order, that lost the value at the error's path (the entity is
/// null, or the value there is null or absent) and has not been given an
/// error at that path yet. async-graphql 7 reports errors inside `_entities`
/// at `[_entities, field]` and then nulls the entity or omits the field.
#[derive(Debug, Default)]
pub struct Unindexed {
    entities: Vec<Value>,
    used: std::collections::HashSet<(usize, String)>,
}

impl Unindexed {
    /// Keeps a copy of the entities, needed only when there are errors.
    pub fn new(entities: Option<&Value>, has_errors: bool) -> Self {
        let entities = match entities {
            Some(Value::Array(items)) if has_errors => items.clone(),
            _ => Vec::new(),
        };
        Self {
            entities,
            used: Default::default(),
        }
    }

    fn next(&mut self, path: &[Value]) -> Option<usize> {
        let key = Value::Array(path.to_vec()).to_string();
        let index = self.entities.iter().enumerate().position(|(i, entity)| {
            let lost = path
                .iter()
                .try_fold(entity, |v, elem| match elem {
                    Value::String(k) => v.get(k.as_str()),
                    Value::Number(n) => v.get(usize::try_from(n.as_u64()?).ok()?),
                    _ => None,
                })
                .is_none_or(Value::is_null);
            lost && !self.used.contains(&(i, key.clone()))
        })?;
        self.used.insert((index, key));
        Some(index)
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
        locations: Vec::new(),
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

/// A field a representation needs is absent from the response tree.
#[derive(Debug)]
struct Incomplete;

/// The representation of `object` for an entity fetch: the `requires`
/// selection (key fields, `@requires` fields and `__typename`) copied out of
/// the response tree. None when no part of the selection applies (the
/// object is not of the fetch's type). Incomplete when a field it needs is
/// absent from the tree (the fetch that provides it failed or returned no
/// entity): a subgraph must not get half a representation.
///
/// A fragment applies when the object's type is its type condition or one
/// of that abstract type's members: for an `@interfaceObject` the planner
/// asks for `... on Media { id }` while the tree holds a `Book`.
fn project_requires(
    schema: &SupergraphState,
    requires: &SelectionSet,
    object: &Map<String, Value>,
) -> Result<Option<Value>, Incomplete> {
    let mut out = Map::new();
    if !project_into(schema, requires, object, &mut out) {
        Err(Incomplete)
    } else if out.is_empty() {
        Ok(None)
    } else {
        Ok(Some(Value::Object(out)))
    }
}

/// Copies `selection` out of `object` into `out`; false when a field that
/// applies is missing.
///
/// When the client selects a required field with other arguments, the
/// planner fetches the requirement under an alias of its own and writes it
/// `price: _internal_qp_alias_0`: the value sits in the tree under the
/// field's name (`_internal_qp_alias_0`) and the subgraph expects it under
/// the alias (`price`).
fn project_into(
    schema: &SupergraphState,
    selection: &SelectionSet,
    object: &Map<String, Value>,
    out: &mut Map<String, Value>,
) -> bool {
    let typename = object.get("__typename").and_then(Value::as_str);
    let mut complete = true;
    for item in &selection.items {
        match item {
            SelectionItem::Field(field) => {
                let Some(value) = object.get(&field.name) else {
                    complete = false;
                    continue;
                };
                let projected = if field.selections.items.is_empty() {
                    value.clone()
                } else {
                    let (projected, inner_complete) =
                        project_value(schema, &field.selections, value);
                    complete &= inner_complete;
                    projected
                };
                let key = field.alias.as_deref().unwrap_or(&field.name);
                match out.get_mut(key) {
                    Some(existing) => deep_merge(existing, projected),
                    None => {
                        out.insert(key.to_string(), projected);
                    }
                }
            }
            SelectionItem::InlineFragment(fragment) => {
                if typename.is_some_and(|t| type_applies(schema, &fragment.type_condition, t)) {
                    complete &= project_into(schema, &fragment.selections, object, out);
                }
            }
            SelectionItem::FragmentSpread(_) => {}
        }
    }
    complete
}

fn project_value(
    schema: &SupergraphState,
    selection: &SelectionSet,
    value: &Value,
) -> (Value, bool) {
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            let complete = project_into(schema, selection, object, &mut out);
            (Value::Object(out), complete)
        }
        Value::Array(items) => {
            let mut complete = true;
            let items = items
                .iter()
                .map(|v| {
                    let (projected, item_complete) = project_value(schema, selection, v);
                    complete &= item_complete;
                    projected
                })
                .collect();
            (Value::Array(items), complete)
        }
        other => (other.clone(), true),
    }
}

/// Applies the planner's input or output rewrites (set `__typename` for
/// `@interfaceObject`, rename aliased keys) to one value. A `TypenameEquals`
/// step matches the type itself or any member of that abstract type: the
/// planner writes `[Media]` for the `Book`s and `Movie`s of an interface.
pub fn apply_rewrites(schema: &SupergraphState, value: &mut Value, rewrites: &[FetchRewrite]) {
    for rewrite in rewrites {
        match rewrite {
            FetchRewrite::ValueSetter(setter) => {
                rewrite_at(schema, value, &setter.path, &mut |object, key| {
                    object.insert(key.to_string(), Value::String(setter.set_value_to.clone()));
                })
            }
            FetchRewrite::KeyRenamer(renamer) => {
                rewrite_at(schema, value, &renamer.path, &mut |object, key| {
                    if let Some(v) = object.remove(key) {
                        object.insert(renamer.rename_key_to.clone(), v);
                    }
                })
            }
        }
    }
}

fn typename_matches(
    schema: &SupergraphState,
    object: &Map<String, Value>,
    types: &std::collections::BTreeSet<String>,
) -> bool {
    object
        .get("__typename")
        .and_then(Value::as_str)
        .is_some_and(|t| types.iter().any(|c| type_applies(schema, c, t)))
}

/// Walks `path` (through lists transparently, through `TypenameEquals`
/// only where the object's type matches) and calls `at_last` with the
/// object holding the last key.
fn rewrite_at(
    schema: &SupergraphState,
    value: &mut Value,
    path: &[FetchNodePathSegment],
    at_last: &mut dyn FnMut(&mut Map<String, Value>, &str),
) {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| rewrite_at(schema, item, path, at_last)),
        Value::Object(object) => match path.split_first() {
            None => {}
            Some((FetchNodePathSegment::TypenameEquals(types), rest))
                if typename_matches(schema, object, types) =>
            {
                rewrite_at(schema, value, rest, at_last);
            }
            Some((FetchNodePathSegment::TypenameEquals(_), _)) => {}
            Some((FetchNodePathSegment::Key(key), [])) => at_last(object, key),
            Some((FetchNodePathSegment::Key(key), rest)) => {
                if let Some(child) = object.get_mut(key) {
                    rewrite_at(schema, child, rest, at_last);
                }
            }
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn error_at(path: Value) -> SubgraphErrorEntry {
        serde_json::from_value(json!({ "message": "x", "path": path })).unwrap()
    }

    #[test]
    fn only_errors_at_the_entity_itself_leave_it_unresolved() {
        let entities = [json!({ "id": "a" }), Value::Null, Value::Null, Value::Null];
        // An indexed error at entity 3; an unindexed one (async-graphql 7)
        // standing for the first other null entity; one inside an entity
        // (a field's error) counts for none.
        let errors = [
            error_at(json!(["_entities", 3])),
            error_at(json!(["_entities"])),
            error_at(json!(["_entities", "mood"])),
        ];
        let unresolved = unresolved(&errors, "_entities", &entities);
        assert_eq!(unresolved, HashSet::from([1, 3]));
    }
}
