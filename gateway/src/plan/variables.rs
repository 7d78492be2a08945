//! Coercing request variables against the operation's variable definitions
//! (GraphQL spec, CoerceVariableValues): missing required variables, nulls
//! in non-null positions and values of the wrong type are request errors;
//! defaults are filled in so the gateway and the subgraphs see the same
//! values.

use graphql_tools::static_graphql::query::{Type, VariableDefinition};
use graphql_tools::static_graphql::schema::{InputValue, Type as SchemaType, TypeDefinition};
use serde_json::{Map, Value};

use crate::supergraph::introspection::{to_json, Introspection};

/// Checks `provided` against `definitions`; returns the variables to use.
pub fn coerce(
    schema: &Introspection,
    definitions: &[VariableDefinition],
    provided: Map<String, Value>,
) -> Result<Map<String, Value>, String> {
    let mut coerced = Map::new();
    for definition in definitions {
        let name = &definition.name;
        match provided.get(name) {
            None => {
                if let Some(default) = &definition.default_value {
                    coerced.insert(name.clone(), to_json(default, &Map::new()));
                } else if matches!(definition.var_type, Type::NonNullType(_)) {
                    return Err(format!(
                        "variable `${name}` of type `{}` was not provided",
                        definition.var_type
                    ));
                }
            }
            Some(value) => {
                let shape = Shape::from_query(&definition.var_type);
                check(schema, &shape, value).map_err(|why| {
                    format!(
                        "variable `${name}` of type `{}` got an invalid value {value}: {why}",
                        definition.var_type
                    )
                })?;
                coerced.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(coerced)
}

/// A type, from either an operation or the schema.
enum Shape<'a> {
    Named(&'a str),
    List(Box<Shape<'a>>),
    NonNull(Box<Shape<'a>>),
}

impl<'a> Shape<'a> {
    fn from_query(t: &'a Type) -> Self {
        match t {
            Type::NamedType(n) => Shape::Named(n),
            Type::ListType(inner) => Shape::List(Box::new(Self::from_query(inner))),
            Type::NonNullType(inner) => Shape::NonNull(Box::new(Self::from_query(inner))),
        }
    }

    fn from_schema(t: &'a SchemaType) -> Self {
        match t {
            SchemaType::NamedType(n) => Shape::Named(n),
            SchemaType::ListType(inner) => Shape::List(Box::new(Self::from_schema(inner))),
            SchemaType::NonNullType(inner) => Shape::NonNull(Box::new(Self::from_schema(inner))),
        }
    }
}

fn check(schema: &Introspection, shape: &Shape<'_>, value: &Value) -> Result<(), String> {
    match shape {
        Shape::NonNull(inner) => {
            if value.is_null() {
                Err("null is not allowed here".into())
            } else {
                check(schema, inner, value)
            }
        }
        _ if value.is_null() => Ok(()),
        // A single value where a list is expected is a list of one.
        Shape::List(inner) => match value {
            Value::Array(items) => items.iter().try_for_each(|item| check(schema, inner, item)),
            single => check(schema, inner, single),
        },
        Shape::Named(name) => check_named(schema, name, value),
    }
}

fn check_named(schema: &Introspection, name: &str, value: &Value) -> Result<(), String> {
    // A file stands only where the schema takes one, and only a file there.
    let file = value
        .as_str()
        .is_some_and(crate::execute::uploads::is_placeholder);
    match (name, file) {
        ("Upload", false) => return Err("Upload takes a file sent in a multipart request".into()),
        ("Upload", true) => return Ok(()),
        (_, true) => return Err(format!("{name} does not take a file")),
        _ => {}
    }
    match name {
        "Int" => match value.as_i64() {
            Some(n) if i32::try_from(n).is_ok() => Ok(()),
            _ => Err("Int takes a whole number between -2^31 and 2^31-1".into()),
        },
        "Float" => value
            .as_f64()
            .map(|_| ())
            .ok_or_else(|| "Float takes a number".into()),
        "String" => value
            .as_str()
            .map(|_| ())
            .ok_or_else(|| "String takes a string".into()),
        "Boolean" => value
            .as_bool()
            .map(|_| ())
            .ok_or_else(|| "Boolean takes true or false".into()),
        "ID" => match value {
            Value::String(_) => Ok(()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Ok(()),
            _ => Err("ID takes a string or a whole number".into()),
        },
        _ => match schema.definition(name) {
            Some(TypeDefinition::Enum(e)) => match value.as_str() {
                Some(v) if e.values.iter().any(|ev| ev.name == v) => Ok(()),
                _ => Err(format!(
                    "{name} takes one of {}",
                    e.values
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            },
            Some(TypeDefinition::InputObject(input)) => {
                let Value::Object(fields) = value else {
                    return Err(format!("{name} takes an object"));
                };
                check_input_object(schema, name, &input.fields, fields)
            }
            // Custom scalars: the owning subgraph decides.
            Some(TypeDefinition::Scalar(_)) => Ok(()),
            Some(_) => Err(format!("{name} is not an input type")),
            None => Err(format!("the schema has no type {name}")),
        },
    }
}

fn check_input_object(
    schema: &Introspection,
    name: &str,
    definition: &[InputValue],
    fields: &Map<String, Value>,
) -> Result<(), String> {
    for key in fields.keys() {
        if !definition.iter().any(|f| &f.name == key) {
            return Err(format!("{name} has no field `{key}`"));
        }
    }
    for field in definition {
        match fields.get(&field.name) {
            Some(value) => check(schema, &Shape::from_schema(&field.value_type), value)
                .map_err(|why| format!("field `{}`: {why}", field.name))?,
            None if matches!(field.value_type, SchemaType::NonNullType(_))
                && field.default_value.is_none() =>
            {
                return Err(format!("{name} requires field `{}`", field.name));
            }
            None => {}
        }
    }
    Ok(())
}
