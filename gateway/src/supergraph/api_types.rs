//! What the API schema lets a client see of the supergraph's types: the
//! values of each enum and the composite types. The supergraph also holds
//! what is `@inaccessible`, and a subgraph may answer it (an enum value or
//! an object of a hidden type); shaping checks answers against this so that
//! such a value never reaches a client.

use std::collections::{HashMap, HashSet};

use graphql_tools::static_graphql::schema::{Definition, Document, TypeDefinition};

#[derive(Debug, Default)]
pub struct ApiTypes {
    /// Enum name → the values the API schema gives it.
    enums: HashMap<String, HashSet<String>>,
    /// Object, interface and union names.
    composites: HashSet<String>,
}

impl ApiTypes {
    pub fn new(api_schema: &Document) -> Self {
        let mut types = Self::default();
        for definition in &api_schema.definitions {
            let Definition::TypeDefinition(definition) = definition else {
                continue;
            };
            match definition {
                TypeDefinition::Enum(e) => {
                    let values = e.values.iter().map(|v| v.name.clone()).collect();
                    types.enums.insert(e.name.clone(), values);
                }
                TypeDefinition::Object(o) => {
                    types.composites.insert(o.name.clone());
                }
                TypeDefinition::Interface(i) => {
                    types.composites.insert(i.name.clone());
                }
                TypeDefinition::Union(u) => {
                    types.composites.insert(u.name.clone());
                }
                TypeDefinition::Scalar(_) | TypeDefinition::InputObject(_) => {}
            }
        }
        types
    }

    /// The values of enum `name`; None when `name` is not an enum.
    pub fn enum_values(&self, name: &str) -> Option<&HashSet<String>> {
        self.enums.get(name)
    }

    /// Whether the API schema has composite type `name`.
    pub fn has_composite(&self, name: &str) -> bool {
        self.composites.contains(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use graphql_tools::parser::schema::parse_schema;

    #[test]
    fn lists_enum_values_and_composite_types() {
        let document = parse_schema::<String>(
            "type Query { a: Kind u: U } enum Kind { ONE TWO } union U = Query \
             interface I { a: Kind } input In { a: Kind } scalar Date",
        )
        .unwrap()
        .into_static();
        let types = ApiTypes::new(&document);
        let kind = types.enum_values("Kind").unwrap();
        assert!(kind.contains("ONE") && kind.contains("TWO") && kind.len() == 2);
        assert!(types.enum_values("Query").is_none());
        for name in ["Query", "U", "I"] {
            assert!(types.has_composite(name), "{name}");
        }
        for name in ["Kind", "In", "Date", "Hidden"] {
            assert!(!types.has_composite(name), "{name}");
        }
    }
}
