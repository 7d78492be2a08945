//! Shaping the merged data into the response the client asked for: exactly
//! the requested fields in request order, aliases applied, `__typename`
//! filled in, and GraphQL null propagation (a null in a non-null position
//! nulls the nearest nullable parent, with an error at that path). Fields
//! denied to the caller (`plan::authorization`) are null with their error.

use hive_router_query_planner::ast::operation::OperationDefinition;
use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::ast::selection_set::{FieldSelection, SelectionSet};
use hive_router_query_planner::state::supergraph_state::{
    SupergraphDefinition, SupergraphState, TypeNode,
};
use serde_json::{Map, Value};

use super::response::GraphQLError;
use crate::plan::authorization::{Denial, Denied};

/// Null that must propagate to the nearest nullable parent.
struct PropagateNull;

struct Projector<'a> {
    schema: &'a SupergraphState,
    variables: &'a Map<String, Value>,
    errors: &'a mut Vec<GraphQLError>,
    missing: &'a [Vec<Value>],
    path: Vec<Value>,
}

/// Projects `data` onto `operation`; returns the client's `data`. `denied`
/// (over `operation`'s selection items) marks the fields the caller may not
/// see.
#[allow(clippy::too_many_arguments)]
pub fn project(
    schema: &SupergraphState,
    operation: &OperationDefinition,
    root_type: &str,
    data: &Value,
    variables: &Map<String, Value>,
    errors: &mut Vec<GraphQLError>,
    missing: &[Vec<Value>],
    denied: Option<&Denied>,
) -> Value {
    let empty = Map::new();
    let object = data.as_object().unwrap_or(&empty);
    let mut projector = Projector {
        schema,
        variables,
        errors,
        missing,
        path: Vec::new(),
    };
    match projector.object(&operation.selection_set, object, root_type, denied) {
        Ok(map) => Value::Object(map),
        Err(PropagateNull) => Value::Null,
    }
}

/// Whether a fragment on `condition` applies to an object of `concrete` type.
pub(crate) fn type_applies(schema: &SupergraphState, condition: &str, concrete: &str) -> bool {
    if condition == concrete {
        return true;
    }
    match schema.definitions.get(condition) {
        Some(SupergraphDefinition::Interface(_)) => schema
            .interface_to_object_types
            .get(condition)
            .is_some_and(|members| members.contains(concrete)),
        Some(SupergraphDefinition::Union(union)) => union.types.iter().any(|t| t == concrete),
        _ => false,
    }
}

impl Projector<'_> {
    fn included(&self, skip_if: &Option<String>, include_if: &Option<String>) -> bool {
        let var = |name: &String| matches!(self.variables.get(name), Some(Value::Bool(true)));
        !skip_if.as_ref().is_some_and(var) && include_if.as_ref().is_none_or(var)
    }

    fn object(
        &mut self,
        selection: &SelectionSet,
        object: &Map<String, Value>,
        type_name: &str,
        denied: Option<&Denied>,
    ) -> Result<Map<String, Value>, PropagateNull> {
        let mut out = Map::new();
        self.fields_into(selection, object, type_name, &mut out, denied)?;
        Ok(out)
    }

    fn fields_into(
        &mut self,
        selection: &SelectionSet,
        object: &Map<String, Value>,
        type_name: &str,
        out: &mut Map<String, Value>,
        denied: Option<&Denied>,
    ) -> Result<(), PropagateNull> {
        for (index, item) in selection.items.iter().enumerate() {
            let denied = denied.and_then(|d| d.children.get(&index));
            match item {
                SelectionItem::Field(field) => {
                    if field.omit_from_response || !self.included(&field.skip_if, &field.include_if)
                    {
                        continue;
                    }
                    let key = field.selection_identifier().to_string();
                    self.path.push(Value::String(key.clone()));
                    let value = match denied.and_then(|d| d.denial.as_ref()) {
                        Some((denial, coordinate)) => {
                            self.deny(field, type_name, denial, coordinate)
                        }
                        None => self.field(field, object, type_name, &key, denied),
                    };
                    self.path.pop();
                    let value = value?;
                    match out.get_mut(&key) {
                        // The same response key selected twice (e.g. through
                        // two fragments) merges.
                        Some(existing) => super::merge::deep_merge(existing, value),
                        None => {
                            out.insert(key, value);
                        }
                    }
                }
                SelectionItem::InlineFragment(fragment) => {
                    if self.included(&fragment.skip_if, &fragment.include_if)
                        && type_applies(self.schema, &fragment.type_condition, type_name)
                    {
                        self.fields_into(&fragment.selections, object, type_name, out, denied)?;
                    }
                }
                SelectionItem::FragmentSpread(_) => {}
            }
        }
        Ok(())
    }

    /// A field the caller may not see: null, with its error here.
    fn deny(
        &mut self,
        field: &FieldSelection,
        type_name: &str,
        denial: &Denial,
        coordinate: &str,
    ) -> Result<Value, PropagateNull> {
        self.errors.push(
            GraphQLError::new(denial.message(coordinate), denial.code()).at(self.path.clone()),
        );
        let non_null = self
            .schema
            .definitions
            .get(type_name)
            .and_then(|def| def.fields().get(&field.name))
            .is_some_and(|f| f.field_type.is_non_null());
        if non_null {
            Err(PropagateNull)
        } else {
            Ok(Value::Null)
        }
    }

    fn field(
        &mut self,
        field: &FieldSelection,
        object: &Map<String, Value>,
        type_name: &str,
        key: &str,
        denied: Option<&Denied>,
    ) -> Result<Value, PropagateNull> {
        if field.name == "__typename" {
            let typename = object
                .get("__typename")
                .and_then(Value::as_str)
                .unwrap_or(type_name);
            return Ok(Value::String(typename.to_string()));
        }
        let field_type = self
            .schema
            .definitions
            .get(type_name)
            .and_then(|def| def.fields().get(&field.name))
            .map(|f| f.field_type.clone());
        let value = object.get(key).unwrap_or(&Value::Null);
        match field_type {
            Some(field_type) => self.complete(&field_type, &field.selections, value, denied),
            // Not in the schema (should not pass validation): pass through.
            None => Ok(value.clone()),
        }
    }

    fn complete(
        &mut self,
        field_type: &TypeNode,
        selection: &SelectionSet,
        value: &Value,
        denied: Option<&Denied>,
    ) -> Result<Value, PropagateNull> {
        match field_type {
            TypeNode::NonNull(inner) => {
                let completed = self.complete(inner, selection, value, denied)?;
                if completed.is_null() {
                    self.null_error();
                    Err(PropagateNull)
                } else {
                    Ok(completed)
                }
            }
            TypeNode::List(inner) => match value {
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        self.path.push(Value::from(i));
                        let completed = self.complete(inner, selection, item, denied);
                        self.path.pop();
                        match completed {
                            Ok(value) => out.push(value),
                            // A null item in a non-null position nulls the
                            // list, the nearest nullable parent; a non-null
                            // list passes it further up.
                            Err(PropagateNull) => return Ok(Value::Null),
                        }
                    }
                    Ok(Value::Array(out))
                }
                _ => Ok(Value::Null),
            },
            TypeNode::Named(name) => match value {
                Value::Null => Ok(Value::Null),
                Value::Object(object) if !selection.items.is_empty() => {
                    let concrete = object
                        .get("__typename")
                        .and_then(Value::as_str)
                        .unwrap_or(name)
                        .to_string();
                    match self.object(selection, object, &concrete, denied) {
                        Ok(map) => Ok(Value::Object(map)),
                        Err(PropagateNull) => Ok(Value::Null),
                    }
                }
                other => Ok(other.clone()),
            },
        }
    }

    /// Records that a non-null position at the current path is null, unless a
    /// subgraph already reported an error at or below this path, or the
    /// data here is missing because a fetch failed (reported already).
    fn null_error(&mut self) {
        let path = self.path.clone();
        if self.missing.iter().any(|m| path.starts_with(m)) {
            return;
        }
        let already = self.errors.iter().any(|e| {
            e.path
                .as_ref()
                .is_some_and(|p| p.len() >= path.len() && p[..path.len()] == path[..])
                || e.path.as_ref().is_some_and(|p| path.starts_with(p))
        });
        if !already {
            self.errors.push(
                GraphQLError::new(
                    "cannot return null for a non-nullable field",
                    "INTERNAL_SERVER_ERROR",
                )
                .at(path),
            );
        }
    }
}
