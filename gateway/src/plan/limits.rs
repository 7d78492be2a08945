//! Protection limits, checked before anything is planned or sent to a
//! subgraph: document size in tokens, depth, aliases, root fields,
//! directives, and an operation cost where list fields are weighted by their
//! `first`/`last`/`limit` arguments.
//!
//! Introspection's type references (`ofType { ofType { ... } }` under
//! `__schema` or `__type`) are bounded on their own and not counted as
//! depth: the standard introspection query that GraphiQL and code
//! generators send nests nine of them, and its depth would otherwise be
//! over any depth limit a city would run with.

use std::collections::HashMap;

use graphql_tools::static_graphql::query::{
    Definition, Document, FragmentDefinition, Selection, SelectionSet, Value,
};

/// Extra brace nesting allowed before parsing, for input-object literals.
const BRACE_SLACK: usize = 8;

/// Limits a city can run with; each is configurable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_tokens: usize,
    pub max_depth: usize,
    /// Most levels of `ofType` in an introspection query.
    pub max_type_ref_depth: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub max_directives: usize,
    pub max_cost: u64,
    /// Longest time planning one operation may take, in milliseconds;
    /// planning stops there (and when the client leaves, or the gateway
    /// shuts down).
    pub max_plan_millis: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_tokens: 10_000,
            max_depth: 12,
            max_type_ref_depth: 10,
            max_aliases: 30,
            max_root_fields: 20,
            max_directives: 50,
            max_cost: 50_000,
            max_plan_millis: 2_000,
        }
    }
}

/// Which limit a request is over, and by how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitExceeded {
    /// Machine-readable name of the limit: `tokens`, `depth`,
    /// `type_ref_depth`, `aliases`, `root_fields`, `directives`, `cost`,
    /// `plan_time`.
    pub name: &'static str,
    pub actual: u64,
    pub limit: u64,
}

impl std::fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (actual, limit) = (self.actual, self.limit);
        match self.name {
            "tokens" => write!(
                f,
                "the query has more than {limit} tokens; the limit is {limit}"
            ),
            "depth" => write!(f, "the query is {actual} levels deep; the limit is {limit}"),
            "type_ref_depth" => write!(
                f,
                "the query nests {actual} levels of ofType; the limit is {limit}"
            ),
            "aliases" => write!(f, "the query has {actual} aliases; the limit is {limit}"),
            "root_fields" => write!(
                f,
                "the query selects {actual} root fields; the limit is {limit}"
            ),
            "directives" => write!(
                f,
                "the query uses {actual} directives; the limit is {limit}"
            ),
            "plan_time" => write!(
                f,
                "planning the query took more than {limit} ms, the limit; simplify it"
            ),
            _ => write!(
                f,
                "the query's estimated cost is {actual}; the limit is {limit}"
            ),
        }
    }
}

impl std::error::Error for LimitExceeded {}

impl LimitExceeded {
    /// The message in Vietnamese (`Display` is English).
    pub fn message_vi(&self) -> String {
        let (actual, limit) = (self.actual, self.limit);
        match self.name {
            "tokens" => format!("Truy vấn có hơn {limit} token; giới hạn là {limit}"),
            "depth" => format!("Truy vấn sâu {actual} cấp; giới hạn là {limit}"),
            "type_ref_depth" => {
                format!("Truy vấn lồng {actual} cấp ofType; giới hạn là {limit}")
            }
            "aliases" => format!("Truy vấn có {actual} bí danh; giới hạn là {limit}"),
            "root_fields" => format!("Truy vấn chọn {actual} trường gốc; giới hạn là {limit}"),
            "directives" => format!("Truy vấn dùng {actual} chỉ thị; giới hạn là {limit}"),
            "plan_time" => format!(
                "Việc lập kế hoạch cho truy vấn mất hơn {limit} ms, vượt giới hạn; hãy đơn giản hóa truy vấn"
            ),
            _ => format!("Chi phí ước tính của truy vấn là {actual}; giới hạn là {limit}"),
        }
    }
}

impl Limits {
    /// Checked on the raw text, before parsing, so a huge or deeply nested
    /// document costs no more than one pass over its bytes (and cannot
    /// exhaust the parser's stack).
    pub fn check_text(&self, query: &str) -> Result<(), LimitExceeded> {
        let scan = scan(query, self.max_tokens + 1);
        over(scan.tokens as u64, self.max_tokens as u64, "tokens")?;
        // Braces also open input-object literals and introspection's type
        // references, hence the slack; the exact depth is checked on the
        // parsed document.
        over(
            scan.max_braces as u64,
            (self.max_depth + self.max_type_ref_depth + BRACE_SLACK) as u64,
            "depth",
        )
    }

    /// Checked on the parsed document, for the operation that will run.
    /// Each fragment is measured once and its measure reused wherever it is
    /// spread, so the walk is linear in the document's size however the
    /// fragments multiply; it stops at the first selection set over a limit.
    pub fn check_document(
        &self,
        document: &Document,
        selection: &SelectionSet,
    ) -> Result<(), LimitExceeded> {
        let fragments: HashMap<&str, &FragmentDefinition> = document
            .definitions
            .iter()
            .filter_map(|d| match d {
                Definition::Fragment(f) => Some((f.name.as_str(), f)),
                _ => None,
            })
            .collect();
        let mut walk = Walk {
            limits: self,
            fragments,
            measured: HashMap::new(),
            visiting: Vec::new(),
        };
        let root = walk.measure(selection, false)?;
        over(root.depth as u64, self.max_depth as u64, "depth")?;
        over(root.aliases, self.max_aliases as u64, "aliases")?;
        over(root.fields, self.max_root_fields as u64, "root_fields")?;
        over(root.directives, self.max_directives as u64, "directives")?;
        over(root.cost, self.max_cost, "cost")
    }
}

fn over(actual: u64, limit: u64, name: &'static str) -> Result<(), LimitExceeded> {
    if actual <= limit {
        Ok(())
    } else {
        Err(LimitExceeded {
            name,
            actual,
            limit,
        })
    }
}

/// What a selection set adds up to with its fragments expanded.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    /// Levels of fields, this one included (type references excepted).
    depth: usize,
    /// Levels of introspection's `ofType`, this one included.
    type_refs: usize,
    aliases: u64,
    directives: u64,
    /// Fields at this level, through inline fragments and spreads: for a
    /// root selection, its root fields however they are written.
    fields: u64,
    /// Fields count 1, a field's sub-selection is multiplied by its page
    /// size argument.
    cost: u64,
}

impl Measure {
    /// This measure and `other`'s, at the same level.
    fn add(&mut self, other: Measure) {
        self.depth = self.depth.max(other.depth);
        self.type_refs = self.type_refs.max(other.type_refs);
        self.aliases = self.aliases.saturating_add(other.aliases);
        self.directives = self.directives.saturating_add(other.directives);
        self.fields = self.fields.saturating_add(other.fields);
        self.cost = self.cost.saturating_add(other.cost);
    }
}

struct Walk<'d, 'l> {
    limits: &'l Limits,
    fragments: HashMap<&'d str, &'d FragmentDefinition>,
    /// Fragments already measured, by name and whether they are spread
    /// inside introspection (where `ofType` is a type reference).
    measured: HashMap<(&'d str, bool), Measure>,
    /// Fragments being measured: a spread of one of these is a cycle, which
    /// validation refuses; here it counts nothing.
    visiting: Vec<&'d str>,
}

impl<'d> Walk<'d, '_> {
    /// `introspection`: the selection is under `__schema` or `__type`.
    fn measure(
        &mut self,
        selection: &'d SelectionSet,
        introspection: bool,
    ) -> Result<Measure, LimitExceeded> {
        let mut total = Measure::default();
        for item in &selection.items {
            match item {
                Selection::Field(field) => {
                    let multiplier = page_size(&field.arguments).unwrap_or(1);
                    let inside =
                        introspection || matches!(field.name.as_str(), "__schema" | "__type");
                    let children = if field.selection_set.items.is_empty() {
                        Measure::default()
                    } else {
                        self.measure(&field.selection_set, inside)?
                    };
                    let type_ref = introspection && field.name == "ofType";
                    total.add(Measure {
                        depth: children.depth + usize::from(!type_ref),
                        type_refs: children.type_refs + usize::from(type_ref),
                        aliases: children.aliases + u64::from(field.alias.is_some()),
                        directives: children
                            .directives
                            .saturating_add(field.directives.len() as u64),
                        fields: 1,
                        cost: 1u64.saturating_add(multiplier.saturating_mul(children.cost)),
                    });
                }
                Selection::InlineFragment(fragment) => {
                    let mut inner = self.measure(&fragment.selection_set, introspection)?;
                    inner.directives = inner
                        .directives
                        .saturating_add(fragment.directives.len() as u64);
                    total.add(inner);
                }
                Selection::FragmentSpread(spread) => {
                    let mut inner = self.fragment(spread.fragment_name.as_str(), introspection)?;
                    inner.directives = inner
                        .directives
                        .saturating_add(spread.directives.len() as u64);
                    total.add(inner);
                }
            }
        }
        self.check(&total)?;
        Ok(total)
    }

    fn fragment(&mut self, name: &str, introspection: bool) -> Result<Measure, LimitExceeded> {
        let Some((&name, &fragment)) = self.fragments.get_key_value(name) else {
            return Ok(Measure::default());
        };
        if let Some(measure) = self.measured.get(&(name, introspection)) {
            return Ok(*measure);
        }
        if self.visiting.contains(&name) {
            return Ok(Measure::default());
        }
        self.visiting.push(name);
        let measure = self.measure(&fragment.selection_set, introspection);
        self.visiting.pop();
        let measure = measure?;
        self.measured.insert((name, introspection), measure);
        Ok(measure)
    }

    /// A part over a limit makes the whole over it: stop there.
    fn check(&self, part: &Measure) -> Result<(), LimitExceeded> {
        let limits = self.limits;
        over(part.depth as u64, limits.max_depth as u64, "depth")?;
        over(
            part.type_refs as u64,
            limits.max_type_ref_depth as u64,
            "type_ref_depth",
        )?;
        over(part.aliases, limits.max_aliases as u64, "aliases")?;
        over(part.directives, limits.max_directives as u64, "directives")?;
        over(part.cost, limits.max_cost, "cost")
    }
}

/// The page size a list field asks for; variables count as the largest
/// page a subgraph serves (100).
fn page_size(arguments: &[(String, Value)]) -> Option<u64> {
    arguments
        .iter()
        .filter(|(name, _)| matches!(name.as_str(), "first" | "last" | "limit"))
        .map(|(_, value)| match value {
            Value::Int(n) => n.as_i64().map(|n| n.max(0) as u64).unwrap_or(0),
            Value::Variable(_) => 100,
            _ => 1,
        })
        .max()
}

struct Scan {
    tokens: usize,
    max_braces: usize,
}

/// Counts GraphQL lexical tokens (punctuators, names, numbers, strings),
/// skipping whitespace, commas and comments, and the deepest `{` nesting;
/// stops at `stop` tokens.
fn scan(text: &str, stop: usize) -> Scan {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut tokens = 0;
    let (mut braces, mut max_braces) = (0usize, 0usize);
    while i < bytes.len() && tokens < stop {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => i += 1,
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                tokens += 1;
                if bytes[i..].starts_with(b"\"\"\"") {
                    i += 3;
                    while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 3;
                } else {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                        i += if bytes[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                }
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                tokens += 1;
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                tokens += 1;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || matches!(bytes[i], b'_' | b'.' | b'-' | b'+'))
                {
                    i += 1;
                }
            }
            b'{' => {
                tokens += 1;
                braces += 1;
                max_braces = max_braces.max(braces);
                i += 1;
            }
            b'}' => {
                tokens += 1;
                braces = braces.saturating_sub(1);
                i += 1;
            }
            _ => {
                tokens += 1;
                i += 1;
            }
        }
    }
    Scan { tokens, max_braces }
}

#[cfg(test)]
mod tests {
    use super::*;
    use graphql_tools::parser::query::parse_query;

    fn check(limits: &Limits, query: &str) -> Result<(), LimitExceeded> {
        limits.check_text(query)?;
        let document = parse_query::<String>(query).unwrap().into_static();
        let selection = document
            .definitions
            .iter()
            .find_map(|d| match d {
                Definition::Operation(
                    graphql_tools::static_graphql::query::OperationDefinition::SelectionSet(s),
                ) => Some(s.clone()),
                Definition::Operation(
                    graphql_tools::static_graphql::query::OperationDefinition::Query(q),
                ) => Some(q.selection_set.clone()),
                _ => None,
            })
            .unwrap();
        limits.check_document(&document, &selection)
    }

    #[test]
    fn counts_tokens_like_the_lexer() {
        assert_eq!(
            scan("{ a(b: 1.5e3, c: \"x y\") { ...F } } # comment", 100).tokens,
            15
        );
        assert_eq!(scan("\"\"\"block \"\" string\"\"\" { a }", 100).tokens, 4);
        assert_eq!(scan("{ a { b(c: {d: 1}) } }", 100).max_braces, 3);
    }

    #[test]
    fn each_limit_names_itself() {
        let limits = Limits {
            max_tokens: 40,
            max_depth: 3,
            max_aliases: 1,
            max_root_fields: 2,
            max_directives: 1,
            max_cost: 30,
            ..Limits::default()
        };
        assert!(check(&limits, "{ a { b { c } } }").is_ok());
        assert_eq!(
            check(&limits, "{ a { b { c { d } } } }").unwrap_err().name,
            "depth"
        );
        assert_eq!(check(&limits, "{ x: a y: a }").unwrap_err().name, "aliases");
        assert_eq!(check(&limits, "{ a b c }").unwrap_err().name, "root_fields");
        assert_eq!(
            check(&limits, "{ a @skip(if: true) b @include(if: false) }")
                .unwrap_err()
                .name,
            "directives"
        );
        assert_eq!(
            check(&limits, "{ a(first: 10) { b(first: 10) { c } } }")
                .unwrap_err()
                .name,
            "cost"
        );
        let long = format!("{{ {} }}", "a ".repeat(50));
        assert_eq!(check(&limits, &long).unwrap_err().name, "tokens");
        let error = check(&limits, "{ a { b { c { d } } } }").unwrap_err();
        assert_eq!(
            error.to_string(),
            "the query is 4 levels deep; the limit is 3"
        );
    }

    #[test]
    fn a_very_deep_document_is_refused_before_parsing() {
        let deep = format!("{}{}", "{ a ".repeat(5_000), "}".repeat(5_000));
        let error = Limits {
            max_tokens: 100_000,
            ..Limits::default()
        }
        .check_text(&deep)
        .unwrap_err();
        assert_eq!((error.name, error.actual), ("depth", 5_000));
    }

    #[test]
    fn fragments_count_where_they_are_spread_and_cycles_stop() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert_eq!(
            check(&limits, "{ a { ...F } } fragment F on T { b { c { d } } }")
                .unwrap_err()
                .name,
            "depth"
        );
        assert!(check(
            &Limits::default(),
            "{ a { ...F } } fragment F on T { b { ...F } }"
        )
        .is_ok());
    }

    #[test]
    fn root_fields_count_through_inline_fragments_and_spreads() {
        let limits = Limits {
            max_root_fields: 2,
            ..Limits::default()
        };
        for query in [
            "{ ... on Query { a b c } }",
            "{ ...R } fragment R on Query { a b c }",
            "{ a ...R } fragment R on Query { ... on Query { b c } }",
        ] {
            assert_eq!(
                check(&limits, query).unwrap_err().name,
                "root_fields",
                "{query}"
            );
        }
        assert!(check(
            &limits,
            "{ ... on Query { a } ...R } fragment R on Query { b }"
        )
        .is_ok());
    }

    #[test]
    fn doubling_fragments_are_measured_once_each() {
        // F0 selects two fields; each Fn spreads F(n-1) twice under two
        // fields: expanded, the document has about 2^40 fields.
        let mut query = String::from("{ a { ...F40 } } fragment F0 on T { x y }");
        for n in 1..=40 {
            query.push_str(&format!(
                " fragment F{n} on T {{ p {{ ...F{m} }} q {{ ...F{m} }} }}",
                m = n - 1
            ));
        }
        let limits = Limits {
            max_tokens: 100_000,
            max_depth: 100,
            ..Limits::default()
        };
        // Expanding every spread again would not end in this test's life.
        assert_eq!(check(&limits, &query).unwrap_err().name, "cost");
    }

    /// `ofType` nested `levels` times, as the `graphql` package writes its
    /// `TypeRef` fragment.
    fn type_ref(levels: usize) -> String {
        format!(
            "kind name {}{}",
            "ofType { kind name ".repeat(levels),
            "} ".repeat(levels)
        )
    }

    #[test]
    fn introspection_type_references_are_bounded_apart_from_depth() {
        let limits = Limits {
            max_depth: 6,
            ..Limits::default()
        };
        // Six levels of fields and nine of type references, as the standard
        // introspection query has.
        let standard = format!(
            "{{ __schema {{ types {{ ...T }} }} }} \
             fragment T on __Type {{ fields {{ args {{ ...I }} type {{ ...R }} }} }} \
             fragment I on __InputValue {{ type {{ ...R }} }} \
             fragment R on __Type {{ {} }}",
            type_ref(9)
        );
        assert!(check(&limits, &standard).is_ok());
        let error = check(
            &limits,
            &format!("{{ __type(name: \"Q\") {{ {} }} }}", type_ref(11)),
        )
        .unwrap_err();
        assert_eq!(
            (error.name, error.to_string().as_str()),
            (
                "type_ref_depth",
                "the query nests 11 levels of ofType; the limit is 10"
            )
        );
        // Fields under type references still count as depth.
        let error = check(
            &limits,
            "{ __schema { types { fields { type { ofType { fields { type { name } } } } } } } }",
        )
        .unwrap_err();
        assert_eq!((error.name, error.actual), ("depth", 7));
    }

    #[test]
    fn of_type_outside_introspection_is_an_ordinary_field() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert_eq!(
            check(&limits, "{ a { ofType { ofType { b } } } }")
                .unwrap_err()
                .name,
            "depth"
        );
        // The same fragment measured inside introspection, then outside.
        let error = check(
            &limits,
            "{ __type(name: \"Q\") { ...R } a { ...R } } fragment R on T { ofType { ofType { b } } }",
        )
        .unwrap_err();
        assert_eq!((error.name, error.actual), ("depth", 4));
        assert!(check(
            &limits,
            "{ __type(name: \"Q\") { ...R } } fragment R on __Type { ofType { ofType { name } } }"
        )
        .is_ok());
    }
}
