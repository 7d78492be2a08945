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

use crate::language::Language;

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
        let check = Check(ctx.data_opt::<Language>().copied().unwrap_or_default());
        for (name, value) in variables.iter() {
            let where_ = check.0.pick("biến", "variable");
            check.constant(value, &format!("{where_} `${name}`"))?;
        }
        let document = next.run(ctx, query, variables).await?;
        for (_, operation) in document.operations.iter() {
            for definition in &operation.node.variable_definitions {
                if let Some(default) = &definition.node.default_value {
                    let where_ = check.0.pick(
                        "giá trị mặc định của một biến",
                        "a variable's default value",
                    );
                    check.constant(&default.node, where_)?;
                }
            }
            check.directives(&operation.node.directives)?;
            check.selection(&operation.node.selection_set.node)?;
        }
        for fragment in document.fragments.values() {
            check.directives(&fragment.node.directives)?;
            check.selection(&fragment.node.selection_set.node)?;
        }
        Ok(document)
    }
}

/// Whether a character is refused in text input.
pub fn is_refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The checks, with messages in the request's language.
struct Check(Language);

impl Check {
    fn refused(
        &self,
        text: &str,
        where_: &str,
        pos: Option<async_graphql::Pos>,
    ) -> ServerResult<()> {
        let Some(c) = text.chars().find(|c| is_refused(*c)) else {
            return Ok(());
        };
        let code = c as u32;
        let message = match self.0 {
            Language::Vi => format!(
                "{where_} chứa ký tự điều khiển U+{code:04X}; văn bản không được chứa ký tự điều khiển"
            ),
            Language::En => format!(
                "{where_} contains the control character U+{code:04X}; text may not contain control characters"
            ),
        };
        let mut error = ServerError::new(message, pos);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", "BAD_USER_INPUT");
        error.extensions = Some(extensions);
        Err(error)
    }

    fn constant(&self, value: &ConstValue, where_: &str) -> ServerResult<()> {
        match value {
            ConstValue::String(text) => self.refused(text, where_, None),
            ConstValue::List(items) => items.iter().try_for_each(|v| self.constant(v, where_)),
            ConstValue::Object(fields) => fields.iter().try_for_each(|(key, v)| {
                self.refused(key, where_, None)?;
                self.constant(v, where_)
            }),
            _ => Ok(()),
        }
    }

    fn value(&self, value: &Value, name: &Name, pos: async_graphql::Pos) -> ServerResult<()> {
        match value {
            Value::String(text) => {
                let where_ = self.0.pick("đối số", "argument");
                self.refused(text, &format!("{where_} `{name}`"), Some(pos))
            }
            Value::List(items) => items.iter().try_for_each(|v| self.value(v, name, pos)),
            Value::Object(fields) => fields.values().try_for_each(|v| self.value(v, name, pos)),
            _ => Ok(()),
        }
    }

    fn arguments(&self, arguments: &[(Positioned<Name>, Positioned<Value>)]) -> ServerResult<()> {
        arguments
            .iter()
            .try_for_each(|(name, value)| self.value(&value.node, &name.node, value.pos))
    }

    fn directives(&self, directives: &[Positioned<Directive>]) -> ServerResult<()> {
        directives
            .iter()
            .try_for_each(|d| self.arguments(&d.node.arguments))
    }

    fn selection(&self, selection: &SelectionSet) -> ServerResult<()> {
        for item in &selection.items {
            match &item.node {
                Selection::Field(field) => {
                    self.arguments(&field.node.arguments)?;
                    self.directives(&field.node.directives)?;
                    self.selection(&field.node.selection_set.node)?;
                }
                Selection::InlineFragment(fragment) => {
                    self.directives(&fragment.node.directives)?;
                    self.selection(&fragment.node.selection_set.node)?;
                }
                Selection::FragmentSpread(spread) => self.directives(&spread.node.directives)?,
            }
        }
        Ok(())
    }
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
        // Vietnamese unless the request asks for English; the code stays.
        let literal = r#"{ echo(text: "a\u0000b") }"#;
        let vi = schema.execute(Request::new(literal)).await;
        assert!(vi.errors[0].message.contains("ký tự điều khiển"), "{vi:?}");
        let en = schema
            .execute(Request::new(literal).data(Language::En))
            .await;
        assert!(en.errors[0].message.contains("control character"), "{en:?}");
        assert_eq!(code(&en).as_deref(), Some("BAD_USER_INPUT"));
        let fine = schema
            .execute(Request::new(r#"{ echo(text: "Dòng 1\nDòng 2\tđ") }"#))
            .await;
        assert!(fine.errors.is_empty(), "{fine:?}");
    }
}
