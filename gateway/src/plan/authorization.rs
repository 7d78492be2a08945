//! `@authenticated` and `@requiresScopes`, enforced before execution.
//!
//! Once per prepared operation, [`guards`] lists the selected fields that
//! need something of the caller: their own directives, their return type's,
//! the enclosing type's (which matters for fragments on a guarded type) and,
//! for a field selected on an interface, those of every implementation.
//! Per request, [`Denied::evaluate`] checks them against the caller: nothing
//! denied means the cached plan runs untouched. Otherwise the denied fields
//! are cut out of the normalized operation ([`Denied::filter`]), that
//! operation is planned (through the shape cache, so a repeated denial
//! reuses its plan), and the response is shaped with the original operation,
//! each denied field null with an `UNAUTHENTICATED` or `FORBIDDEN` error.
//!
//! `@requiresScopes(scopes: [[a, b], [c]])` is met by a caller with both `a`
//! and `b`, or with `c`; a field under several such directives (its own and
//! its type's) must meet each. Either directive denies anonymous callers.

use congdan_common::language::Language;
use std::collections::HashMap;

use congdan_contracts::identity::Identity;
use hive_router_query_planner::ast::operation::OperationDefinition;
use hive_router_query_planner::ast::selection_item::SelectionItem;
use hive_router_query_planner::ast::selection_set::{FieldSelection, SelectionSet};
use hive_router_query_planner::ast::value::Value;
use hive_router_query_planner::federation_spec::authorization::{
    AuthenticatedDirective, RequiresScopesDirective,
};
use hive_router_query_planner::state::supergraph_state::{
    OperationKind, SupergraphDefinition, SupergraphState,
};

/// What a guarded field asks of the caller: to be signed in, and to meet
/// every entry of `scopes` (an entry is met by having all scopes of one of
/// its groups).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Requirement {
    pub scopes: Vec<Vec<Vec<String>>>,
}

/// Why a field is left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// No signed-in caller.
    Unauthenticated,
    /// Signed in, without the scopes.
    Forbidden,
}

impl Denial {
    pub fn code(self) -> &'static str {
        match self {
            Denial::Unauthenticated => "UNAUTHENTICATED",
            Denial::Forbidden => "FORBIDDEN",
        }
    }

    pub fn message(self, coordinate: &str, language: Language) -> String {
        match (self, language) {
            (Denial::Unauthenticated, Language::Vi) => {
                format!("Cần đăng nhập để xem `{coordinate}`")
            }
            (Denial::Unauthenticated, Language::En) => {
                format!("`{coordinate}` requires signing in")
            }
            (Denial::Forbidden, Language::Vi) => {
                format!("Bạn không có quyền xem `{coordinate}`")
            }
            (Denial::Forbidden, Language::En) => {
                format!("`{coordinate}` requires a scope the caller does not have")
            }
        }
    }
}

impl Requirement {
    /// Checks the requirement against a caller's scopes (None: anonymous).
    pub fn check(&self, caller_scopes: Option<&[String]>) -> Result<(), Denial> {
        let Some(have) = caller_scopes else {
            return Err(Denial::Unauthenticated);
        };
        let met = self.scopes.iter().all(|groups| {
            groups
                .iter()
                .any(|group| group.iter().all(|scope| have.contains(scope)))
        });
        if met {
            Ok(())
        } else {
            Err(Denial::Forbidden)
        }
    }

    /// Adds a site's directives; returns whether it had any.
    fn add(
        &mut self,
        authenticated: &[AuthenticatedDirective],
        requires_scopes: &[RequiresScopesDirective],
    ) -> bool {
        self.scopes
            .extend(requires_scopes.iter().map(|d| scope_groups(&d.scopes)));
        !authenticated.is_empty() || !requires_scopes.is_empty()
    }
}

/// `[[requiresScopes__Scope!]!]!` as groups of scopes. A malformed value
/// (the supergraph is composed by us, so unlikely) becomes no group at all,
/// which no caller meets.
fn scope_groups(value: &Value) -> Vec<Vec<String>> {
    let Value::List(groups) = value else {
        return Vec::new();
    };
    groups
        .iter()
        .filter_map(|group| match group {
            Value::List(scopes) => scopes
                .iter()
                .map(|scope| match scope {
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect(),
            _ => None,
        })
        .collect()
}

/// A selected field that needs something of the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    /// Indexes of the selection items from the operation's root selection
    /// down to the field (fields and inline fragments alike).
    pub at: Vec<usize>,
    /// `Type.field`, for the error message.
    pub coordinate: String,
    pub requirement: Requirement,
}

/// The guarded fields `operation` selects, in selection order (a field
/// comes before the fields below it).
pub fn guards(
    state: &SupergraphState,
    operation: &OperationDefinition,
    kind: &OperationKind,
) -> Vec<Guard> {
    let root = match kind {
        OperationKind::Mutation => state.mutation_type.as_deref().unwrap_or("Mutation"),
        OperationKind::Subscription => return Vec::new(),
        OperationKind::Query => state.query_type.as_str(),
    };
    let mut out = Vec::new();
    walk(
        state,
        &operation.selection_set,
        root,
        &mut Vec::new(),
        &mut out,
    );
    out
}

fn type_directives<'s>(
    state: &'s SupergraphState,
    name: &str,
) -> (&'s [AuthenticatedDirective], &'s [RequiresScopesDirective]) {
    match state.definitions.get(name) {
        Some(SupergraphDefinition::Object(t)) => (&t.authenticated, &t.requires_scopes),
        Some(SupergraphDefinition::Interface(t)) => (&t.authenticated, &t.requires_scopes),
        Some(SupergraphDefinition::Scalar(t)) => (&t.authenticated, &t.requires_scopes),
        Some(SupergraphDefinition::Enum(t)) => (&t.authenticated, &t.requires_scopes),
        _ => (&[], &[]),
    }
}

fn walk(
    state: &SupergraphState,
    selection: &SelectionSet,
    parent: &str,
    at: &mut Vec<usize>,
    out: &mut Vec<Guard>,
) {
    for (index, item) in selection.items.iter().enumerate() {
        at.push(index);
        match item {
            SelectionItem::Field(field) if !field.name.starts_with("__") => {
                let definition = state
                    .definitions
                    .get(parent)
                    .and_then(|d| d.fields().get(&field.name));
                if let Some(definition) = definition {
                    let return_type = definition.field_type.inner_type();
                    let mut requirement = Requirement::default();
                    let mut guarded =
                        requirement.add(&definition.authenticated, &definition.requires_scopes);
                    for type_name in [parent, return_type] {
                        let (authenticated, scopes) = type_directives(state, type_name);
                        guarded |= requirement.add(authenticated, scopes);
                    }
                    // On an interface, also what any implementation (its
                    // type or its field) asks.
                    for object in state
                        .interface_to_object_types
                        .get(parent)
                        .into_iter()
                        .flatten()
                    {
                        let (authenticated, scopes) = type_directives(state, object);
                        guarded |= requirement.add(authenticated, scopes);
                        if let Some(f) = state
                            .definitions
                            .get(object)
                            .and_then(|d| d.fields().get(&field.name))
                        {
                            guarded |= requirement.add(&f.authenticated, &f.requires_scopes);
                        }
                    }
                    if guarded {
                        out.push(Guard {
                            at: at.clone(),
                            coordinate: format!("{parent}.{}", field.name),
                            requirement,
                        });
                    }
                    walk(state, &field.selections, return_type, at, out);
                }
            }
            SelectionItem::InlineFragment(fragment) => {
                walk(
                    state,
                    &fragment.selections,
                    &fragment.type_condition,
                    at,
                    out,
                );
            }
            _ => {}
        }
        at.pop();
    }
}

/// The fields denied to one caller, as a tree over selection item indexes.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Denied {
    pub children: HashMap<usize, Denied>,
    /// Set when this item itself is denied: why, and its coordinate.
    pub denial: Option<(Denial, String)>,
}

impl Denied {
    /// The guards `identity` fails; None when it passes all of them (the
    /// usual case, and free when the operation has no guards).
    pub fn evaluate(guards: &[Guard], identity: Option<&Identity>) -> Option<Denied> {
        if guards.is_empty() {
            return None;
        }
        let scopes = identity.map(Identity::scopes);
        let mut denied: Option<Denied> = None;
        for guard in guards {
            let Err(denial) = guard.requirement.check(scopes.as_deref()) else {
                continue;
            };
            let mut node = denied.get_or_insert_with(Denied::default);
            let mut below_denied = false;
            for index in &guard.at {
                node = node.children.entry(*index).or_default();
                if node.denial.is_some() {
                    // An enclosing field is denied already; its error covers this.
                    below_denied = true;
                    break;
                }
            }
            if !below_denied {
                node.denial = Some((denial, guard.coordinate.clone()));
            }
        }
        denied
    }

    /// The operation without the denied fields; a selection left empty
    /// selects `__typename`. None when no root field is left.
    pub fn filter(&self, operation: &OperationDefinition) -> Option<OperationDefinition> {
        let selection_set = self.filter_selection(&operation.selection_set);
        if selection_set.items.is_empty() {
            return None;
        }
        Some(OperationDefinition {
            selection_set,
            ..operation.clone()
        })
    }

    fn filter_selection(&self, selection: &SelectionSet) -> SelectionSet {
        let items = selection
            .items
            .iter()
            .enumerate()
            .filter_map(|(index, item)| {
                let Some(child) = self.children.get(&index) else {
                    return Some(item.clone());
                };
                if child.denial.is_some() {
                    return None;
                }
                match item {
                    SelectionItem::Field(field) => {
                        let mut selections = child.filter_selection(&field.selections);
                        if selections.items.is_empty() {
                            selections
                                .items
                                .push(SelectionItem::Field(FieldSelection::new_typename()));
                        }
                        Some(SelectionItem::Field(field.with_new_selections(selections)))
                    }
                    SelectionItem::InlineFragment(fragment) => {
                        let selections = child.filter_selection(&fragment.selections);
                        (!selections.items.is_empty()).then(|| {
                            SelectionItem::InlineFragment(fragment.with_new_selections(selections))
                        })
                    }
                    SelectionItem::FragmentSpread(_) => Some(item.clone()),
                }
            })
            .collect();
        SelectionSet { items }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use congdan_contracts::identity::Role;

    fn requirement(scopes: &[&[&[&str]]]) -> Requirement {
        Requirement {
            scopes: scopes
                .iter()
                .map(|groups| {
                    groups
                        .iter()
                        .map(|group| group.iter().map(|s| s.to_string()).collect())
                        .collect()
                })
                .collect(),
        }
    }

    fn scopes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn anonymous_callers_fail_every_requirement() {
        assert_eq!(
            Requirement::default().check(None),
            Err(Denial::Unauthenticated)
        );
        assert_eq!(
            requirement(&[&[&["admin"]]]).check(None),
            Err(Denial::Unauthenticated)
        );
        assert_eq!(Requirement::default().check(Some(&[])), Ok(()));
    }

    #[test]
    fn scopes_are_or_groups_of_and_scopes() {
        // (officer AND agency:q1) OR admin
        let r = requirement(&[&[&["officer", "agency:q1"], &["admin"]]]);
        assert_eq!(r.check(Some(&scopes(&["admin"]))), Ok(()));
        assert_eq!(r.check(Some(&scopes(&["officer", "agency:q1"]))), Ok(()));
        assert_eq!(
            r.check(Some(&scopes(&["officer", "agency:q2"]))),
            Err(Denial::Forbidden)
        );
        assert_eq!(r.check(Some(&scopes(&["citizen"]))), Err(Denial::Forbidden));
        // The field's and its type's directives must both be met.
        let both = requirement(&[&[&["officer"]], &[&["agency:q1"], &["admin"]]]);
        assert_eq!(both.check(Some(&scopes(&["officer", "agency:q1"]))), Ok(()));
        assert_eq!(
            both.check(Some(&scopes(&["admin"]))),
            Err(Denial::Forbidden)
        );
        // No group at all: nobody.
        assert_eq!(
            requirement(&[&[]]).check(Some(&scopes(&["admin"]))),
            Err(Denial::Forbidden)
        );
    }

    #[test]
    fn scope_groups_read_the_directive_argument() {
        let value = Value::List(vec![
            Value::List(vec![
                Value::String("officer".into()),
                Value::String("agency:q1".into()),
            ]),
            Value::List(vec![Value::String("admin".into())]),
        ]);
        assert_eq!(
            scope_groups(&value),
            vec![scopes(&["officer", "agency:q1"]), scopes(&["admin"])]
        );
        assert!(scope_groups(&Value::Null).is_empty());
    }

    const SUPERGRAPH: &str = r#"
schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION) @link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY) @link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY) {
  query: Query
}
directive @join__graph(name: String!, url: String) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) on OBJECT | INTERFACE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, overrideLabel: String) on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__type(graph: join__Graph, key: join__FieldSet, extension: Boolean = false, resolvable: Boolean = true, isInterfaceObject: Boolean = false) on SCALAR | OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
scalar join__FieldSet
scalar requiresScopes__Scope
interface Node @join__type(graph: A) {
  id: ID!
}
type Secret implements Node @requiresScopes(scopes: [["admin"]]) @join__type(graph: A) @join__implements(graph: A, interface: "Node") {
  id: ID!
  code: String
}
type User implements Node @join__type(graph: A) @join__implements(graph: A, interface: "Node") {
  id: ID!
  email: String @authenticated
  secret: Secret
}
type Query @join__type(graph: A) {
  me: User @join__field(graph: A)
  node: Node @join__field(graph: A)
}
enum join__Graph {
  A @join__graph(name: "a", url: "http://127.0.0.1:1/graphql")
}
"#;

    #[tokio::test]
    async fn guards_are_found_once_and_a_denial_is_planned_once() {
        let supergraph = std::sync::Arc::new(
            crate::supergraph::Supergraph::from_sdl(SUPERGRAPH, &HashMap::new())
                .expect("the supergraph loads"),
        );
        let cache = crate::plan::PlanCache::new(16);
        let query = "{ me { id email secret { code } } node { id ... on User { email } } }";
        let prepared = cache
            .get_or_prepare(
                &supergraph,
                query,
                None,
                &std::sync::Arc::new(crate::plan::Policy::default()),
                &crate::metrics::Metrics::new(supergraph.endpoints.keys()),
                &tokio_util::sync::CancellationToken::new(),
            )
            .await
            .expect("prepared");
        let mut coordinates: Vec<&str> = prepared
            .guards
            .iter()
            .map(|g| g.coordinate.as_str())
            .collect();
        coordinates.sort();
        // `Secret.code` through its type, `User.secret` through its return
        // type, `Node.id` because `Secret` implements `Node`.
        assert_eq!(
            coordinates,
            [
                "Node.id",
                "Secret.code",
                "User.email",
                "User.email",
                "User.secret"
            ]
        );

        let Some((operation, _)) = &prepared.planned else {
            panic!("a plan");
        };
        let denied = Denied::evaluate(&prepared.guards, None).expect("denials");
        let filtered = denied.filter(operation).expect("fields left");
        let text = filtered.to_string();
        assert!(
            !text.contains("email") && !text.contains("secret"),
            "{text}"
        );
        // `node` keeps a selection, `__typename`.
        assert!(text.contains("__typename"), "{text}");
        let first = cache
            .plan_without(
                &supergraph,
                operation,
                &denied,
                &Default::default(),
                &tokio_util::sync::CancellationToken::new(),
            )
            .await
            .expect("planned")
            .expect("a plan");
        let second = cache
            .plan_without(
                &supergraph,
                operation,
                &denied,
                &Default::default(),
                &tokio_util::sync::CancellationToken::new(),
            )
            .await
            .expect("planned")
            .expect("a plan");
        assert!(std::sync::Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn denials_below_a_denied_field_are_covered_by_it() {
        let guard = |at: Vec<usize>, scope: &str| Guard {
            coordinate: format!("T.{scope}"),
            at,
            requirement: requirement(&[&[&[scope]]]),
        };
        let guards = vec![
            guard(vec![0], "admin"),
            guard(vec![0, 1], "admin"),
            guard(vec![1, 0], "citizen"),
            guard(vec![1, 2], "admin"),
        ];
        let citizen = Identity {
            sub: "c".into(),
            roles: vec![Role::Citizen],
            agencies: Vec::new(),
        };
        assert_eq!(Denied::evaluate(&[], None), None);
        let denied = Denied::evaluate(&guards, Some(&citizen)).expect("denials");
        let first = &denied.children[&0];
        assert_eq!(
            first.denial,
            Some((Denial::Forbidden, "T.admin".to_string()))
        );
        assert!(first.children.is_empty());
        let second = &denied.children[&1];
        assert_eq!(second.denial, None);
        assert_eq!(second.children.len(), 1);
        assert!(second.children[&2].denial.is_some());
        let mut admin = citizen.clone();
        admin.roles = vec![Role::Admin, Role::Citizen];
        assert_eq!(Denied::evaluate(&guards, Some(&admin)), None);
        let anonymous = Denied::evaluate(&guards, None).expect("denials");
        assert_eq!(
            anonymous.children[&1].children[&0].denial,
            Some((Denial::Unauthenticated, "T.citizen".to_string()))
        );
    }
}
