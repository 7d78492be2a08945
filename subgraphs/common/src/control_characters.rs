//! Text input never carries control characters: PostgreSQL refuses U+0000
//! in text (the request then failed as an internal error) while SQLite
//! stored it, and no field a person fills in needs them. Every string in a
//! request's variables and in the document's literal arguments is checked
//! before execution; tab, line feed and carriage return are allowed.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{Directive, ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ErrorExtensionValues, Name, Positioned, ServerError, ServerResult, Variables};
use async_graphql_value::{ConstValue, Value};

/// The extension every subgraph schema is built with.
pub struct RefuseControlCharacters;

impl ExtensionFactory for RefuseControlCharacters {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RefuseControlCharacters)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RefuseControlCharacters {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        for (name, value) in variables.iter() {
            check_const(value, &format!("variable `${name}`"))?;
        }
        let document = next.run(ctx, query, variables).await?;
        for (_, operation) in document.operations.iter() {
            for definition in &operation.node.variable_definitions {
                if let Some(default) = &definition.node.default_value {
                    check_const(&default.node, "a variable's default value")?;
                }
            }
            check_directives(&operation.node.directives)?;
            check_selection(&operation.node.selection_set.node)?;
        }
        for fragment in document.fragments.values() {
            check_directives(&fragment.node.directives)?;
            check_selection(&fragment.node.selection_set.node)?;
        }
        Ok(document)
    }
}

/// Whether a character is refused in text input.
pub fn is_refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

fn refused(text: &str, where_: &str, pos: Option<async_graphql::Pos>) -> ServerResult<()> {
    match text.chars().find(|c| is_refused(*c)) {
        None => Ok(()),
        Some(c) => {
            let mut error = ServerError::new(
                format!(
                    "{where_} contains the control character U+{:04X}; text may not contain control characters",
                    c as u32
                ),
                pos,
            );
            let mut extensions = ErrorExtensionValues::default();
            extensions.set("code", "BAD_USER_INPUT");
            error.extensions = Some(extensions);
            Err(error)
        }
    }
}

fn check_const(value: &ConstValue, where_: &str) -> ServerResult<()> {
    match value {
        ConstValue::String(text) => refused(text, where_, None),
        ConstValue::List(items) => items.iter().try_for_each(|v| check_const(v, where_)),
        ConstValue::Object(fields) => fields.iter().try_for_each(|(key, v)| {
            refused(key, where_, None)?;
            check_const(v, where_)
        }),
        _ => Ok(()),
    }
}

fn check_value(value: &Value, name: &Name, pos: async_graphql::Pos) -> ServerResult<()> {
    match value {
        Value::String(text) => refused(text, &format!("argument `{name}`"), Some(pos)),
        Value::List(items) => items.iter().try_for_each(|v| check_value(v, name, pos)),
        Value::Object(fields) => fields.values().try_for_each(|v| check_value(v, name, pos)),
        _ => Ok(()),
    }
}

fn check_arguments(arguments: &[(Positioned<Name>, Positioned<Value>)]) -> ServerResult<()> {
    arguments
        .iter()
        .try_for_each(|(name, value)| check_value(&value.node, &name.node, value.pos))
}

fn check_directives(directives: &[Positioned<Directive>]) -> ServerResult<()> {
    directives
        .iter()
        .try_for_each(|d| check_arguments(&d.node.arguments))
}

fn check_selection(selection: &SelectionSet) -> ServerResult<()> {
    for item in &selection.items {
        match &item.node {
            Selection::Field(field) => {
                check_arguments(&field.node.arguments)?;
                check_directives(&field.node.directives)?;
                check_selection(&field.node.selection_set.node)?;
            }
            Selection::InlineFragment(fragment) => {
                check_directives(&fragment.node.directives)?;
                check_selection(&fragment.node.selection_set.node)?;
            }
            Selection::FragmentSpread(spread) => check_directives(&spread.node.directives)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{EmptyMutation, EmptySubscription, Object, Request, Schema};

    struct Query;

    #[Object]
    impl Query {
        async fn echo(&self, text: String) -> String {
            text
        }
    }

    fn schema() -> Schema<Query, EmptyMutation, EmptySubscription> {
        Schema::build(Query, EmptyMutation, EmptySubscription)
            .extension(RefuseControlCharacters)
            .finish()
    }

    fn code(response: &async_graphql::Response) -> Option<String> {
        let error = response.errors.first()?;
        let extensions = serde_json::to_value(error.extensions.as_ref()?).ok()?;
        extensions["code"].as_str().map(str::to_string)
    }

    #[tokio::test]
    async fn control_characters_are_refused_in_variables_and_literals() {
        let schema = schema();
        let by_variable = Request::new("query($t: String!) { echo(text: $t) }")
            .variables(Variables::from_json(serde_json::json!({ "t": "a\u{0}b" })));
        let literal = Request::new(r#"{ echo(text: "a\u0000b") }"#);
        let bell = Request::new(r#"{ echo(text: "ring\u0007") }"#);
        let default = Request::new(r#"query($t: String = "\u001b[2J") { echo(text: $t) }"#);
        for request in [by_variable, literal, bell, default] {
            let response = schema.execute(request).await;
            assert_eq!(
                code(&response).as_deref(),
                Some("BAD_USER_INPUT"),
                "{response:?}"
            );
        }
        let fine = schema
            .execute(Request::new(r#"{ echo(text: "Dòng 1\nDòng 2\tđ") }"#))
            .await;
        assert!(fine.errors.is_empty(), "{fine:?}");
    }
}
