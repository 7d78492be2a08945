//! Introspection (`__schema`, `__type`) answered by the gateway from the API
//! schema: no `join__`/`link__` internals and nothing `@inaccessible`, since
//! the planner's consumer schema has them removed already.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use graphql_tools::static_graphql::query::{
    Field as QueryField, FragmentDefinition, Selection, SelectionSet, TypeCondition,
    Value as QueryValue,
};
use graphql_tools::static_graphql::schema::{
    Definition, DirectiveDefinition, Document, EnumValue, Field, InputValue, Type, TypeDefinition,
};
use serde_json::{Map, Number, Value};

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// The directives every GraphQL server has, listed unless the schema
/// defines them itself.
const BUILT_IN_DIRECTIVES: &str = r#"
"Directs the executor to include this field or fragment only when the `if` argument is true."
directive @include("Included when true." if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
"Directs the executor to skip this field or fragment when the `if` argument is true."
directive @skip("Skipped when true." if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
"Marks an element of a GraphQL schema as no longer supported."
directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
"Exposes a URL that specifies the behavior of this scalar."
directive @specifiedBy(url: String!) on SCALAR
"Indicates exactly one field must be supplied and this field must not be `null`."
directive @oneOf on INPUT_OBJECT
"#;

/// The API schema indexed for introspection.
pub struct Introspection {
    document: Arc<Document>,
    built_ins: Document,
    types: BTreeMap<String, usize>,
    implementations: HashMap<String, Vec<String>>,
    query_type: String,
    mutation_type: Option<String>,
    subscription_type: Option<String>,
}

/// One node of the introspection graph.
#[derive(Clone)]
enum Node<'s> {
    Schema,
    Type(TypeRef<'s>),
    Field(&'s Field),
    InputValue(&'s InputValue),
    EnumValue(&'s EnumValue),
    Directive(&'s DirectiveDefinition),
}

#[derive(Clone)]
enum TypeRef<'s> {
    Named(&'s str),
    List(Box<TypeRef<'s>>),
    NonNull(Box<TypeRef<'s>>),
}

impl<'s> TypeRef<'s> {
    fn from_type(t: &'s Type) -> Self {
        match t {
            Type::NamedType(name) => TypeRef::Named(name),
            Type::ListType(inner) => TypeRef::List(Box::new(Self::from_type(inner))),
            Type::NonNullType(inner) => TypeRef::NonNull(Box::new(Self::from_type(inner))),
        }
    }
}

/// What resolving one introspection field gives.
enum Resolved<'s> {
    Leaf(Value),
    Node(Node<'s>),
    Nodes(Vec<Node<'s>>),
    Null,
}

/// Selections are resolved against the client's document, with its
/// fragments and variables.
pub struct Request<'a> {
    pub fragments: &'a HashMap<String, FragmentDefinition>,
    pub variables: &'a Map<String, Value>,
}

impl Introspection {
    pub fn new(document: Arc<Document>) -> Self {
        let mut types = BTreeMap::new();
        let mut implementations: HashMap<String, Vec<String>> = HashMap::new();
        for (i, definition) in document.definitions.iter().enumerate() {
            if let Definition::TypeDefinition(t) = definition {
                types.insert(type_name(t).to_string(), i);
                if let TypeDefinition::Object(object) = t {
                    for interface in &object.implements_interfaces {
                        implementations
                            .entry(interface.clone())
                            .or_default()
                            .push(object.name.clone());
                    }
                }
            }
        }
        let root = |name: &str| -> Option<String> {
            document.definitions.iter().find_map(|d| match d {
                Definition::SchemaDefinition(s) => match name {
                    "query" => s.query.clone(),
                    "mutation" => s.mutation.clone(),
                    _ => s.subscription.clone(),
                },
                _ => None,
            })
        };
        let query_type = root("query").unwrap_or_else(|| "Query".to_string());
        let mutation_type = root("mutation").or_else(|| {
            types
                .contains_key("Mutation")
                .then(|| "Mutation".to_string())
        });
        let subscription_type = root("subscription").or_else(|| {
            types
                .contains_key("Subscription")
                .then(|| "Subscription".to_string())
        });
        let built_ins = graphql_tools::parser::schema::parse_schema::<String>(BUILT_IN_DIRECTIVES)
            .map(|d| d.into_static())
            .unwrap_or_else(|_| Document {
                definitions: Vec::new(),
            });
        Self {
            document,
            built_ins,
            types,
            implementations,
            query_type,
            mutation_type,
            subscription_type,
        }
    }

    /// A type of the API schema by name.
    pub fn definition(&self, name: &str) -> Option<&TypeDefinition> {
        self.types
            .get(name)
            .and_then(|i| match &self.document.definitions[*i] {
                Definition::TypeDefinition(t) => Some(t),
                _ => None,
            })
    }

    fn knows_type(&self, name: &str) -> bool {
        self.types.contains_key(name) || BUILT_IN_SCALARS.contains(&name)
    }

    /// Resolves one root introspection field (`__schema` or `__type`).
    pub fn resolve_root_field(&self, field: &QueryField, request: &Request<'_>) -> Value {
        let node = match field.name.as_str() {
            "__schema" => Some(Node::Schema),
            "__type" => argument(field, "name", request.variables)
                .and_then(|v| v.as_str().map(str::to_string))
                .and_then(|name| {
                    self.type_names()
                        .find(|n| *n == name)
                        .map(|n| Node::Type(TypeRef::Named(n)))
                }),
            _ => None,
        };
        match node {
            Some(node) => Value::Object(self.object(&field.selection_set, &node, request)),
            None => Value::Null,
        }
    }

    fn type_names(&self) -> impl Iterator<Item = &str> {
        let built_ins = BUILT_IN_SCALARS
            .iter()
            .copied()
            .filter(|s| !self.types.contains_key(*s));
        self.types.keys().map(String::as_str).chain(built_ins)
    }

    fn object(
        &self,
        selection: &SelectionSet,
        node: &Node<'_>,
        request: &Request<'_>,
    ) -> Map<String, Value> {
        let mut out = Map::new();
        self.collect(selection, node, request, &mut out);
        out
    }

    fn collect(
        &self,
        selection: &SelectionSet,
        node: &Node<'_>,
        request: &Request<'_>,
        out: &mut Map<String, Value>,
    ) {
        let typename = introspection_type_name(node);
        for item in &selection.items {
            match item {
                Selection::Field(field) => {
                    if !included(&field.directives, request.variables) {
                        continue;
                    }
                    let key = field.alias.clone().unwrap_or_else(|| field.name.clone());
                    let value = if field.name == "__typename" {
                        Value::String(typename.to_string())
                    } else {
                        match self.field(node, field, request.variables) {
                            Resolved::Leaf(v) => v,
                            Resolved::Null => Value::Null,
                            Resolved::Node(n) => {
                                Value::Object(self.object(&field.selection_set, &n, request))
                            }
                            Resolved::Nodes(nodes) => Value::Array(
                                nodes
                                    .iter()
                                    .map(|n| {
                                        Value::Object(self.object(&field.selection_set, n, request))
                                    })
                                    .collect(),
                            ),
                        }
                    };
                    out.insert(key, value);
                }
                Selection::InlineFragment(fragment) => {
                    let applies = match &fragment.type_condition {
                        None => true,
                        Some(TypeCondition::On(t)) => t == typename,
                    };
                    if applies && included(&fragment.directives, request.variables) {
                        self.collect(&fragment.selection_set, node, request, out);
                    }
                }
                Selection::FragmentSpread(spread) => {
                    if !included(&spread.directives, request.variables) {
                        continue;
                    }
                    if let Some(fragment) = request.fragments.get(&spread.fragment_name) {
                        let TypeCondition::On(t) = &fragment.type_condition;
                        if t == typename {
                            self.collect(&fragment.selection_set, node, request, out);
                        }
                    }
                }
            }
        }
    }

    fn field<'s>(
        &'s self,
        node: &Node<'s>,
        field: &QueryField,
        variables: &Map<String, Value>,
    ) -> Resolved<'s> {
        let include_deprecated = argument(field, "includeDeprecated", variables)
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        match node {
            Node::Schema => match field.name.as_str() {
                "types" => Resolved::Nodes(
                    self.type_names()
                        .map(|n| Node::Type(TypeRef::Named(n)))
                        .collect(),
                ),
                "queryType" => Resolved::Node(Node::Type(TypeRef::Named(&self.query_type))),
                "mutationType" => self
                    .mutation_type
                    .as_deref()
                    .map(|t| Resolved::Node(Node::Type(TypeRef::Named(t))))
                    .unwrap_or(Resolved::Null),
                "subscriptionType" => self
                    .subscription_type
                    .as_deref()
                    .map(|t| Resolved::Node(Node::Type(TypeRef::Named(t))))
                    .unwrap_or(Resolved::Null),
                "directives" => {
                    let defined = directive_definitions(&self.document);
                    let built_ins = directive_definitions(&self.built_ins)
                        .filter(|b| !self.has_directive(&b.name));
                    Resolved::Nodes(built_ins.chain(defined).map(Node::Directive).collect())
                }
                "description" => Resolved::Null,
                _ => Resolved::Null,
            },
            Node::Type(type_ref) => self.type_field(type_ref, &field.name, include_deprecated),
            Node::Field(f) => match field.name.as_str() {
                "name" => leaf(&f.name),
                "description" => opt_leaf(f.description.as_deref()),
                "args" => Resolved::Nodes(
                    f.arguments
                        .iter()
                        .filter(|a| include_deprecated || deprecation(&a.directives).is_none())
                        .map(Node::InputValue)
                        .collect(),
                ),
                "type" => Resolved::Node(Node::Type(TypeRef::from_type(&f.field_type))),
                "isDeprecated" | "deprecationReason" => {
                    deprecation_field(&field.name, &f.directives)
                }
                _ => Resolved::Null,
            },
            Node::InputValue(v) => match field.name.as_str() {
                "name" => leaf(&v.name),
                "description" => opt_leaf(v.description.as_deref()),
                "type" => Resolved::Node(Node::Type(TypeRef::from_type(&v.value_type))),
                "defaultValue" => v
                    .default_value
                    .as_ref()
                    .map(|d| Resolved::Leaf(Value::String(d.to_string())))
                    .unwrap_or(Resolved::Null),
                "isDeprecated" | "deprecationReason" => {
                    deprecation_field(&field.name, &v.directives)
                }
                _ => Resolved::Null,
            },
            Node::EnumValue(v) => match field.name.as_str() {
                "name" => leaf(&v.name),
                "description" => opt_leaf(v.description.as_deref()),
                "isDeprecated" | "deprecationReason" => {
                    deprecation_field(&field.name, &v.directives)
                }
                _ => Resolved::Null,
            },
            Node::Directive(d) => match field.name.as_str() {
                "name" => leaf(&d.name),
                "description" => opt_leaf(d.description.as_deref()),
                "locations" => Resolved::Leaf(Value::Array(
                    d.locations
                        .iter()
                        .map(|l| Value::String(l.as_str().to_string()))
                        .collect(),
                )),
                "args" => Resolved::Nodes(d.arguments.iter().map(Node::InputValue).collect()),
                "isRepeatable" => Resolved::Leaf(Value::Bool(d.repeatable)),
                _ => Resolved::Null,
            },
        }
    }

    fn has_directive(&self, name: &str) -> bool {
        self.document
            .definitions
            .iter()
            .any(|d| matches!(d, Definition::DirectiveDefinition(def) if def.name == name))
    }

    fn type_field<'s>(
        &'s self,
        type_ref: &TypeRef<'s>,
        field: &str,
        include_deprecated: bool,
    ) -> Resolved<'s> {
        let name = match type_ref {
            TypeRef::List(inner) | TypeRef::NonNull(inner) => {
                return match field {
                    "kind" => leaf(if matches!(type_ref, TypeRef::List(_)) {
                        "LIST"
                    } else {
                        "NON_NULL"
                    }),
                    "ofType" => Resolved::Node(Node::Type((**inner).clone())),
                    _ => Resolved::Null,
                };
            }
            TypeRef::Named(name) => *name,
        };
        let definition = self.definition(name);
        match field {
            "kind" => leaf(match definition {
                None | Some(TypeDefinition::Scalar(_)) => "SCALAR",
                Some(TypeDefinition::Object(_)) => "OBJECT",
                Some(TypeDefinition::Interface(_)) => "INTERFACE",
                Some(TypeDefinition::Union(_)) => "UNION",
                Some(TypeDefinition::Enum(_)) => "ENUM",
                Some(TypeDefinition::InputObject(_)) => "INPUT_OBJECT",
            }),
            "name" => leaf(name),
            "description" => opt_leaf(definition.and_then(description)),
            "fields" => {
                let fields = match definition {
                    Some(TypeDefinition::Object(o)) => &o.fields,
                    Some(TypeDefinition::Interface(i)) => &i.fields,
                    _ => return Resolved::Null,
                };
                Resolved::Nodes(
                    fields
                        .iter()
                        .filter(|f| !f.name.starts_with("__"))
                        .filter(|f| include_deprecated || deprecation(&f.directives).is_none())
                        .map(Node::Field)
                        .collect(),
                )
            }
            "interfaces" => match definition {
                Some(TypeDefinition::Object(o)) => Resolved::Nodes(
                    o.implements_interfaces
                        .iter()
                        .map(|i| Node::Type(TypeRef::Named(i)))
                        .collect(),
                ),
                Some(TypeDefinition::Interface(i)) => Resolved::Nodes(
                    i.implements_interfaces
                        .iter()
                        .map(|i| Node::Type(TypeRef::Named(i)))
                        .collect(),
                ),
                _ => Resolved::Null,
            },
            "possibleTypes" => match definition {
                Some(TypeDefinition::Union(u)) => Resolved::Nodes(
                    u.types
                        .iter()
                        .filter(|t| self.knows_type(t))
                        .map(|t| Node::Type(TypeRef::Named(t)))
                        .collect(),
                ),
                Some(TypeDefinition::Interface(i)) => Resolved::Nodes(
                    self.implementations
                        .get(&i.name)
                        .into_iter()
                        .flatten()
                        .map(|t| Node::Type(TypeRef::Named(t)))
                        .collect(),
                ),
                _ => Resolved::Null,
            },
            "enumValues" => match definition {
                Some(TypeDefinition::Enum(e)) => Resolved::Nodes(
                    e.values
                        .iter()
                        .filter(|v| include_deprecated || deprecation(&v.directives).is_none())
                        .map(Node::EnumValue)
                        .collect(),
                ),
                _ => Resolved::Null,
            },
            "inputFields" => match definition {
                Some(TypeDefinition::InputObject(o)) => Resolved::Nodes(
                    o.fields
                        .iter()
                        .filter(|f| include_deprecated || deprecation(&f.directives).is_none())
                        .map(Node::InputValue)
                        .collect(),
                ),
                _ => Resolved::Null,
            },
            "isOneOf" => match definition {
                Some(TypeDefinition::InputObject(o)) => {
                    Resolved::Leaf(Value::Bool(o.directives.iter().any(|d| d.name == "oneOf")))
                }
                _ => Resolved::Null,
            },
            _ => Resolved::Null,
        }
    }
}

fn directive_definitions(document: &Document) -> impl Iterator<Item = &DirectiveDefinition> {
    document.definitions.iter().filter_map(|d| match d {
        Definition::DirectiveDefinition(d) => Some(d),
        _ => None,
    })
}

fn leaf<'s>(s: &str) -> Resolved<'s> {
    Resolved::Leaf(Value::String(s.to_string()))
}

fn opt_leaf<'s>(s: Option<&str>) -> Resolved<'s> {
    s.map(leaf).unwrap_or(Resolved::Null)
}

/// The name a type definition declares.
pub fn type_name(t: &TypeDefinition) -> &str {
    match t {
        TypeDefinition::Scalar(s) => &s.name,
        TypeDefinition::Object(o) => &o.name,
        TypeDefinition::Interface(i) => &i.name,
        TypeDefinition::Union(u) => &u.name,
        TypeDefinition::Enum(e) => &e.name,
        TypeDefinition::InputObject(i) => &i.name,
    }
}

fn description(t: &TypeDefinition) -> Option<&str> {
    match t {
        TypeDefinition::Scalar(s) => s.description.as_deref(),
        TypeDefinition::Object(o) => o.description.as_deref(),
        TypeDefinition::Interface(i) => i.description.as_deref(),
        TypeDefinition::Union(u) => u.description.as_deref(),
        TypeDefinition::Enum(e) => e.description.as_deref(),
        TypeDefinition::InputObject(i) => i.description.as_deref(),
    }
}

/// `isDeprecated` or `deprecationReason` of a field, argument or enum value.
fn deprecation_field<'s>(
    field: &str,
    directives: &[graphql_tools::static_graphql::schema::Directive],
) -> Resolved<'s> {
    let deprecated = deprecation(directives);
    match field {
        "isDeprecated" => Resolved::Leaf(Value::Bool(deprecated.is_some())),
        _ => deprecated.flatten().map(leaf).unwrap_or(Resolved::Null),
    }
}

/// `Some(reason)` when deprecated (reason may be absent).
fn deprecation(
    directives: &[graphql_tools::static_graphql::schema::Directive],
) -> Option<Option<&str>> {
    directives.iter().find(|d| d.name == "deprecated").map(|d| {
        d.arguments
            .iter()
            .find(|(n, _)| n == "reason")
            .and_then(|(_, v)| match v {
                graphql_tools::static_graphql::schema::Value::String(s) => Some(s.as_str()),
                _ => None,
            })
            .or(Some("No longer supported"))
    })
}

fn introspection_type_name(node: &Node<'_>) -> &'static str {
    match node {
        Node::Schema => "__Schema",
        Node::Type(_) => "__Type",
        Node::Field(_) => "__Field",
        Node::InputValue(_) => "__InputValue",
        Node::EnumValue(_) => "__EnumValue",
        Node::Directive(_) => "__Directive",
    }
}

/// `@skip`/`@include` on a selection, with variables.
pub fn included(
    directives: &[graphql_tools::static_graphql::query::Directive],
    variables: &Map<String, Value>,
) -> bool {
    let flag = |name: &str| {
        directives
            .iter()
            .find(|d| d.name == name)
            .and_then(|d| d.arguments.iter().find(|(n, _)| n == "if"))
            .and_then(|(_, v)| to_json(v, variables).as_bool())
    };
    !flag("skip").unwrap_or(false) && flag("include").unwrap_or(true)
}

fn argument(field: &QueryField, name: &str, variables: &Map<String, Value>) -> Option<Value> {
    field
        .arguments
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| to_json(v, variables))
}

/// A literal or variable of the client's document as JSON.
pub fn to_json(value: &QueryValue, variables: &Map<String, Value>) -> Value {
    match value {
        QueryValue::Variable(name) => variables.get(name).cloned().unwrap_or(Value::Null),
        QueryValue::Int(n) => n.as_i64().map(Value::from).unwrap_or(Value::Null),
        QueryValue::Float(f) => Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        QueryValue::String(s) => Value::String(s.clone()),
        QueryValue::Boolean(b) => Value::Bool(*b),
        QueryValue::Null => Value::Null,
        QueryValue::Enum(e) => Value::String(e.clone()),
        QueryValue::List(items) => {
            Value::Array(items.iter().map(|v| to_json(v, variables)).collect())
        }
        QueryValue::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v, variables)))
                .collect(),
        ),
    }
}
