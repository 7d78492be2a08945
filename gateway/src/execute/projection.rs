//! Shaping the merged data into the response the client asked for: exactly
//! the requested fields in request order, aliases applied, `__typename`
//! filled in, and GraphQL null propagation (a null in a non-null position
//! nulls the nearest nullable parent, with an error at that path). Fields
//! denied to the caller (`plan::authorization`) are null with their error,
//! and so is a value the API schema does not have (an `@inaccessible` enum
//! value or object type a subgraph answered).
//!
//! The operation is compiled once, when it is prepared ([`Shape`]): response
//! keys written out as JSON, field types looked up. Each request then writes
//! the client's `data` as JSON text straight from the merged data, with no
//! intermediate tree; a null that propagates cuts what was written for the
//! nulled parent back out of the buffer.

use congdan_common::language::Language;
use hive_router_query_planner::ast::operation::OperationDefinition;
use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::ast::selection_set::SelectionSet;
use hive_router_query_planner::state::supergraph_state::{
    SupergraphDefinition, SupergraphState, TypeNode,
};
use serde_json::{Map, Value};

use super::response::GraphQLError;
use crate::plan::authorization::{Denial, Denied};
use crate::supergraph::api_types::ApiTypes;
use crate::supergraph::Supergraph;

/// An operation's selections, compiled for writing responses.
#[derive(Debug)]
pub struct Shape {
    root: SelectionShape,
}

#[derive(Debug)]
struct SelectionShape {
    /// The type this selection is on, that `FieldShape::field_type` was
    /// looked up in.
    parent: String,
    items: Vec<ItemShape>,
    /// Whether one response key can come from more than one field of this
    /// selection (through its fragments); such fields are grouped and
    /// their selections merged before writing, as GraphQL's field
    /// collection says.
    repeats_keys: bool,
}

#[derive(Debug)]
enum ItemShape {
    Field(FieldShape),
    Fragment(FragmentShape),
}

#[derive(Debug)]
struct FieldShape {
    /// Index among the selection's items (the index `Denied` uses).
    index: usize,
    name: String,
    /// The type of the selection the field is in.
    parent: String,
    /// The response key: the alias, or the name.
    key: String,
    /// `"key":`, escaped.
    key_json: Vec<u8>,
    omit: bool,
    skip_if: Option<String>,
    include_if: Option<String>,
    /// The field's type on the selection's type; None when the schema does
    /// not know the field (the value is then passed through as it is).
    field_type: Option<TypeNode>,
    selection: SelectionShape,
}

#[derive(Debug)]
struct FragmentShape {
    index: usize,
    type_condition: String,
    skip_if: Option<String>,
    include_if: Option<String>,
    selection: SelectionShape,
}

impl Shape {
    /// Compiles `operation`, whose root fields are on `root_type`.
    pub fn compile(
        schema: &SupergraphState,
        operation: &OperationDefinition,
        root_type: &str,
    ) -> Self {
        Self {
            root: compile_selection(schema, &operation.selection_set, root_type),
        }
    }
}

fn compile_selection(
    schema: &SupergraphState,
    selection: &SelectionSet,
    parent: &str,
) -> SelectionShape {
    let items = selection
        .items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| match item {
            SelectionItem::Field(field) => {
                let field_type = field_type(schema, parent, &field.name).cloned();
                let child_parent = field_type.as_ref().map(named_type).unwrap_or_default();
                let selection = compile_selection(schema, &field.selections, child_parent);
                let key = field.selection_identifier().to_string();
                let mut key_json = Vec::with_capacity(key.len() + 3);
                write_str(&mut key_json, &key);
                key_json.push(b':');
                Some(ItemShape::Field(FieldShape {
                    index,
                    name: field.name.clone(),
                    parent: parent.to_string(),
                    key,
                    key_json,
                    omit: field.omit_from_response,
                    skip_if: field.skip_if.clone(),
                    include_if: field.include_if.clone(),
                    field_type,
                    selection,
                }))
            }
            SelectionItem::InlineFragment(fragment) => Some(ItemShape::Fragment(FragmentShape {
                index,
                type_condition: fragment.type_condition.clone(),
                skip_if: fragment.skip_if.clone(),
                include_if: fragment.include_if.clone(),
                selection: compile_selection(
                    schema,
                    &fragment.selections,
                    &fragment.type_condition,
                ),
            })),
            // Normalized operations have their spreads inlined.
            SelectionItem::FragmentSpread(_) => None,
        })
        .collect();
    let mut shape = SelectionShape {
        parent: parent.to_string(),
        items,
        repeats_keys: false,
    };
    let mut keys = Vec::new();
    shape.repeats_keys = collect_keys(&shape, &mut keys);
    shape
}

/// Adds the response keys `selection` can yield to `keys`; true when one
/// is already there.
fn collect_keys<'s>(selection: &'s SelectionShape, keys: &mut Vec<&'s str>) -> bool {
    let mut repeated = false;
    for item in &selection.items {
        match item {
            ItemShape::Field(field) => {
                if keys.contains(&field.key.as_str()) {
                    repeated = true;
                } else {
                    keys.push(&field.key);
                }
            }
            ItemShape::Fragment(fragment) => repeated |= collect_keys(&fragment.selection, keys),
        }
    }
    repeated
}

fn field_type<'s>(
    schema: &'s SupergraphState,
    type_name: &str,
    field: &str,
) -> Option<&'s TypeNode> {
    schema
        .definitions
        .get(type_name)
        .and_then(|def| def.fields().get(field))
        .map(|f| &f.field_type)
}

fn named_type(node: &TypeNode) -> &str {
    match node {
        TypeNode::List(inner) | TypeNode::NonNull(inner) => named_type(inner),
        TypeNode::Named(name) => name,
    }
}

/// Writes `text` as a JSON string (escaped).
fn write_str(out: &mut Vec<u8>, text: &str) {
    if serde_json::to_writer(&mut *out, text).is_err() {
        out.extend_from_slice(b"null");
    }
}

/// Writes `value` as JSON. Serializing a `Value` into memory cannot fail
/// (its map keys are strings); `null` stands in should it ever.
fn write_json(out: &mut Vec<u8>, value: &Value) {
    let start = out.len();
    if serde_json::to_writer(&mut *out, value).is_err() {
        out.truncate(start);
        out.extend_from_slice(b"null");
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

/// A field that applies to an object, with what is denied in it.
type SelectedField<'a> = (&'a FieldShape, Option<&'a Denied>);

fn included(
    variables: &Map<String, Value>,
    skip_if: &Option<String>,
    include_if: &Option<String>,
) -> bool {
    let var = |name: &String| matches!(variables.get(name), Some(Value::Bool(true)));
    !skip_if.as_ref().is_some_and(var) && include_if.as_ref().is_none_or(var)
}

/// Calls `each` with the fields of `selection` that apply to an object of
/// type `concrete`, in order, through the fragments that apply (GraphQL's
/// CollectFields, before grouping by response key).
fn visit_fields<'a>(
    schema: &SupergraphState,
    variables: &Map<String, Value>,
    selection: &'a SelectionShape,
    denied: Option<&'a Denied>,
    concrete: &str,
    each: &mut dyn FnMut(SelectedField<'a>) -> Result<(), PropagateNull>,
) -> Result<(), PropagateNull> {
    for item in &selection.items {
        match item {
            ItemShape::Field(field) => {
                if !field.omit && included(variables, &field.skip_if, &field.include_if) {
                    each((field, denied.and_then(|d| d.children.get(&field.index))))?;
                }
            }
            ItemShape::Fragment(fragment) => {
                if included(variables, &fragment.skip_if, &fragment.include_if)
                    && type_applies(schema, &fragment.type_condition, concrete)
                {
                    let denied = denied.and_then(|d| d.children.get(&fragment.index));
                    visit_fields(
                        schema,
                        variables,
                        &fragment.selection,
                        denied,
                        concrete,
                        each,
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// Writes the client's `data` for `data` (the merged subgraph answers) as
/// JSON text. `denied` (over the operation's selection items) marks the
/// fields the caller may not see; errors found while shaping are added to
/// `errors`, in `language`.
#[allow(clippy::too_many_arguments)]
pub fn project(
    supergraph: &Supergraph,
    shape: &Shape,
    data: &Value,
    variables: &Map<String, Value>,
    errors: &mut Vec<GraphQLError>,
    missing: &[Vec<Value>],
    denied: Option<&Denied>,
    language: Language,
) -> String {
    let empty = Map::new();
    let object = data.as_object().unwrap_or(&empty);
    let mut writer = Writer {
        schema: &supergraph.planner.supergraph,
        api: &supergraph.api_types,
        variables,
        errors,
        missing,
        language,
        path: Vec::new(),
        out: Vec::with_capacity(4096),
    };
    let root = [(&shape.root, denied)];
    if writer.object(&root, object, &shape.root.parent).is_err() {
        writer.out.clear();
        writer.out.extend_from_slice(b"null");
    }
    // Only JSON text was written: keys and values through serde_json.
    String::from_utf8(writer.out).unwrap_or_else(|_| "null".to_string())
}

/// Null that must propagate to the nearest nullable parent; what was
/// written for the value has been cut back out.
struct PropagateNull;

#[derive(Clone, Copy)]
enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Selections that apply to one value, each with what is denied in it.
type Selections<'a> = [(&'a SelectionShape, Option<&'a Denied>)];

struct Writer<'a, 'e> {
    schema: &'a SupergraphState,
    api: &'a ApiTypes,
    variables: &'a Map<String, Value>,
    language: Language,
    errors: &'e mut Vec<GraphQLError>,
    missing: &'a [Vec<Value>],
    path: Vec<Segment<'a>>,
    out: Vec<u8>,
}

static NULL: Value = Value::Null;

impl<'a> Writer<'a, '_> {
    fn object(
        &mut self,
        selections: &Selections<'a>,
        object: &'a Map<String, Value>,
        concrete: &str,
    ) -> Result<(), PropagateNull> {
        let start = self.out.len();
        self.out.push(b'{');
        let mut first = true;
        let (schema, variables) = (self.schema, self.variables);
        let written = match selections {
            // No key repeats: each field is written as it is met.
            [(selection, denied)] if !selection.repeats_keys => visit_fields(
                schema,
                variables,
                selection,
                *denied,
                concrete,
                &mut |field| self.field(&[field], object, concrete, &mut first),
            ),
            _ => {
                let mut groups: Vec<Vec<SelectedField<'a>>> = Vec::new();
                for (selection, denied) in selections {
                    let mut group = |field: SelectedField<'a>| {
                        match groups.iter_mut().find(|g| g[0].0.key == field.0.key) {
                            Some(group) => group.push(field),
                            None => groups.push(vec![field]),
                        }
                        Ok(())
                    };
                    // Grouping never propagates a null.
                    let _ =
                        visit_fields(schema, variables, selection, *denied, concrete, &mut group);
                }
                groups
                    .iter()
                    .try_for_each(|fields| self.field(fields, object, concrete, &mut first))
            }
        };
        if written.is_err() {
            self.out.truncate(start);
            return Err(PropagateNull);
        }
        self.out.push(b'}');
        Ok(())
    }

    /// One response key: `fields` are the selections of it that apply (one,
    /// unless fragments select it again).
    fn field(
        &mut self,
        fields: &[SelectedField<'a>],
        object: &'a Map<String, Value>,
        concrete: &str,
        first: &mut bool,
    ) -> Result<(), PropagateNull> {
        let Some((field, _)) = fields.first() else {
            return Ok(());
        };
        if !*first {
            self.out.push(b',');
        }
        *first = false;
        self.out.extend_from_slice(&field.key_json);
        self.path.push(Segment::Key(&field.key));
        let written = self.value(fields, object, concrete);
        self.path.pop();
        written.map(|_| ())
    }

    fn value(
        &mut self,
        fields: &[SelectedField<'a>],
        object: &'a Map<String, Value>,
        concrete: &str,
    ) -> Result<bool, PropagateNull> {
        let field = fields[0].0;
        let denial = fields
            .iter()
            .find_map(|(_, denied)| denied.and_then(|d| d.denial.as_ref()));
        if let Some((denial, coordinate)) = denial {
            return self.deny(field, concrete, *denial, coordinate);
        }
        if field.name == "__typename" {
            let typename = object
                .get("__typename")
                .and_then(Value::as_str)
                .unwrap_or(concrete);
            write_str(&mut self.out, typename);
            return Ok(false);
        }
        let value = object.get(&field.key).unwrap_or(&NULL);
        // A field of an abstract type's selection takes its type from the
        // concrete type (an object may narrow it to non-null).
        let field_type = if concrete == field.parent {
            field.field_type.as_ref()
        } else {
            field_type(self.schema, concrete, &field.name).or(field.field_type.as_ref())
        };
        let Some(field_type) = field_type else {
            write_json(&mut self.out, value);
            return Ok(value.is_null());
        };
        match fields {
            [(field, denied)] => self.complete(field_type, &[(&field.selection, *denied)], value),
            _ => {
                let children: Vec<_> = fields
                    .iter()
                    .map(|(field, denied)| (&field.selection, *denied))
                    .collect();
                self.complete(field_type, &children, value)
            }
        }
    }

    /// A field the caller may not see: null, with its error here.
    fn deny(
        &mut self,
        field: &FieldShape,
        concrete: &str,
        denial: Denial,
        coordinate: &str,
    ) -> Result<bool, PropagateNull> {
        let path = self.path_json();
        self.errors.push(
            GraphQLError::new(denial.message(coordinate, self.language), denial.code()).at(path),
        );
        let non_null = field_type(self.schema, concrete, &field.name)
            .or(field.field_type.as_ref())
            .is_some_and(TypeNode::is_non_null);
        if non_null {
            Err(PropagateNull)
        } else {
            self.out.extend_from_slice(b"null");
            Ok(true)
        }
    }

    /// Writes `value` as `field_type`; Ok(true) when it wrote null.
    fn complete(
        &mut self,
        field_type: &TypeNode,
        selections: &Selections<'a>,
        value: &'a Value,
    ) -> Result<bool, PropagateNull> {
        match field_type {
            TypeNode::NonNull(inner) => {
                let start = self.out.len();
                if self.complete(inner, selections, value)? {
                    self.out.truncate(start);
                    self.null_error();
                    Err(PropagateNull)
                } else {
                    Ok(false)
                }
            }
            TypeNode::List(inner) => match value {
                Value::Array(items) => {
                    let start = self.out.len();
                    self.out.push(b'[');
                    for (i, item) in items.iter().enumerate() {
                        if i > 0 {
                            self.out.push(b',');
                        }
                        self.path.push(Segment::Index(i));
                        let completed = self.complete(inner, selections, item);
                        self.path.pop();
                        if completed.is_err() {
                            // A null item in a non-null position nulls the
                            // list, the nearest nullable parent; a non-null
                            // list passes it further up.
                            self.out.truncate(start);
                            self.out.extend_from_slice(b"null");
                            return Ok(true);
                        }
                    }
                    self.out.push(b']');
                    Ok(false)
                }
                _ => {
                    self.out.extend_from_slice(b"null");
                    Ok(true)
                }
            },
            TypeNode::Named(name) => match value {
                Value::Null => {
                    self.out.extend_from_slice(b"null");
                    Ok(true)
                }
                Value::Object(object) if selections.iter().any(|(s, _)| !s.items.is_empty()) => {
                    let concrete = object
                        .get("__typename")
                        .and_then(Value::as_str)
                        .unwrap_or(name);
                    if !self.api_member(name, concrete) {
                        let message = format!(
                            "a service answered an object of a type that is not part of {name}"
                        );
                        return Ok(self.invalid(name, message));
                    }
                    match self.object(selections, object, concrete) {
                        Ok(()) => Ok(false),
                        Err(PropagateNull) => {
                            self.out.extend_from_slice(b"null");
                            Ok(true)
                        }
                    }
                }
                other => {
                    if !self.api_value(name, other) {
                        let message = format!(
                            "a service answered a value that is not one of {name}'s values"
                        );
                        return Ok(self.invalid(name, message));
                    }
                    write_json(&mut self.out, other);
                    Ok(false)
                }
            },
        }
    }

    /// Whether an object of type `concrete` may stand where the schema says
    /// `name`: the API schema has its type (not `@inaccessible`) and it
    /// is, or is a member of, `name`.
    fn api_member(&self, name: &str, concrete: &str) -> bool {
        concrete == name
            || (self.api.has_composite(concrete) && type_applies(self.schema, name, concrete))
    }

    /// Whether a leaf `value` of type `name` is one the API schema has: for
    /// an enum, one of its values there (not `@inaccessible`).
    fn api_value(&self, name: &str, value: &Value) -> bool {
        self.api
            .enum_values(name)
            .is_none_or(|values| value.as_str().is_some_and(|v| values.contains(v)))
    }

    /// A subgraph's value the API schema does not have: null, with an error
    /// here that names only what the client's schema has. Returns true: it
    /// wrote null.
    fn invalid(&mut self, type_name: &str, message: String) -> bool {
        tracing::warn!(
            r#type = type_name,
            "a subgraph answered a value the API schema does not have"
        );
        let path = self.path_json();
        self.errors
            .push(GraphQLError::new(message, "SUBGRAPH_INVALID_VALUE").at(path));
        self.out.extend_from_slice(b"null");
        true
    }

    fn path_json(&self) -> Vec<Value> {
        self.path
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => Value::String((*key).to_string()),
                Segment::Index(i) => Value::from(*i),
            })
            .collect()
    }

    /// Records that a non-null position at the current path is null, unless a
    /// subgraph already reported an error at or below this path, or the
    /// data here is missing because a fetch failed (reported already).
    fn null_error(&mut self) {
        let path = self.path_json();
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
