//! What every operation passes before it runs, on every transport (HTTP, batches, WebSocket):
//!
//! - **Input hygiene.** Every string in the arguments (inline literals, variables, JSON scalars,
//!   nested input objects, object keys) is checked once here: a NUL character (U+0000), which
//!   PostgreSQL cannot store in text or jsonb, and a string longer than [`MAX_STRING_CHARS`] are
//!   `BAD_USER_INPUT` naming the argument path (`input.points.3.unit`), before any resolver or
//!   database sees them. Resolvers still apply their own, tighter bounds.
//! - **Cost.** The cost of the operation is computed over the whole document against the schema,
//!   through fragments and interfaces alike (async-graphql's own complexity counts only fields of
//!   object types, so a field selected on an interface cost nothing). Every object the answer
//!   may hold costs 1; scalars are part of their object. A field with a page argument (`first`,
//!   `last`, `limit`, `maxPoints`, also inside its `input`; absent, the default page) pays for
//!   the items of its page (`edges` or `nodes`, `points` or `buckets`: views of one page, so the
//!   dearest counts) once per item asked for: `robots(first: 10) { edges { node { id } } }`
//!   costs 1 + 10 x (1 + 1) = 21, `telemetry(maxPoints: 1000) { points { ts value } }` 1,001.
//!   A list with one item per element of a list argument (`telemetrySeries(series:)`,
//!   `latest(metrics:)`) multiplies by its length, and any other list counts as
//!   [`UNPAGED_LIST_WEIGHT`] items. Over the limit, the operation is
//!   refused with `COMPLEXITY_LIMIT_EXCEEDED` and `extensions.cost` / `extensions.limit`; a
//!   request with `"extensions": {"cost": true}` gets `extensions.cost` in its response.
//! - **No schema hints when introspection is off.** Validation errors lose their
//!   "Did you mean ...?" suggestions, which would otherwise spell out field names.
//! - **Refused subscriptions are request errors.** A subscription whose resolver refuses it (an
//!   ID the caller cannot see, a missing permission) ends before any event; its error loses its
//!   path so that the WebSocket transports answer with `error`, not with a `next`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest, NextRequest,
    NextSubscribe, NextValidation,
};
use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::registry::{MetaField, MetaType, MetaTypeName, Registry};
use async_graphql::{
    ErrorExtensionValues, Name, Pos, Positioned, Request, Response, ServerError, ServerResult,
    ValidationResult, Value, Variables,
};
use async_graphql_value::Value as ArgValue;
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::domain::page::DEFAULT_PAGE;
use crate::domain::telemetry::DEFAULT_SERIES_POINTS;
use crate::error::AppError;

/// The longest string any argument may hold, in characters. Far above every field's own bound
/// (the largest inputs are JSON blobs of at most 64 KiB, which say so themselves), so it only
/// stops what no field accepts, before any resolver spends time on it.
pub const MAX_STRING_CHARS: usize = 262_144;

/// `extensions.code` of an operation over the cost limit.
pub const CODE_COMPLEXITY_LIMIT: &str = "COMPLEXITY_LIMIT_EXCEEDED";

/// What a list without a page argument counts as: such lists are small by construction (the
/// zones of a site, the statuses of a count, the latest values of an asset).
pub const UNPAGED_LIST_WEIGHT: u64 = 10;

/// Arguments that say how many items a field returns, and what their absence means.
const PAGE_ARGUMENTS: [(&str, u64); 4] = [
    ("first", DEFAULT_PAGE),
    ("last", DEFAULT_PAGE),
    ("limit", DEFAULT_PAGE),
    ("maxPoints", DEFAULT_SERIES_POINTS as u64),
];

/// Fields whose page is larger than [`DEFAULT_PAGE`] when `first` is absent.
const DEFAULT_PAGE_OVERRIDES: [(&str, u64); 1] = [("alertEvents", 100)];

pub struct Guard {
    pub max_cost: u64,
    pub introspection: bool,
}

impl ExtensionFactory for Guard {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(GuardExtension {
            max_cost: self.max_cost,
            introspection: self.introspection,
            state: Arc::default(),
        })
    }
}

/// What the hooks of one request (or one subscription stream) tell each other.
#[derive(Default)]
struct State {
    operation_name: Option<String>,
    report_cost: bool,
    cost: Option<u64>,
    subscription: bool,
}

struct GuardExtension {
    max_cost: u64,
    introspection: bool,
    /// Shared with the stream a subscription returns, which outlives the hook that wraps it.
    state: Arc<Mutex<State>>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // Plain data: a panic elsewhere while holding the lock leaves nothing half-done.
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The last touches on a response: no schema hints without introspection, a refused
/// subscription as a request error, the cost when asked for.
fn finish(state: &Mutex<State>, introspection: bool, response: &mut Response, first: bool) {
    if !introspection {
        for error in &mut response.errors {
            strip_suggestions(&mut error.message);
        }
    }
    if !first {
        return;
    }
    let state = lock(state);
    // The subscription field itself failed (its error's path is just the field), before any
    // event: not an event whose fields failed.
    let refused = state.subscription
        && response.data == Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.len() <= 1);
    if refused {
        for error in &mut response.errors {
            error.path.clear();
        }
    }
    if state.report_cost
        && let Some(cost) = state.cost
    {
        response.extensions.insert("cost".into(), Value::from(cost));
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for GuardExtension {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        finish(&self.state, self.introspection, &mut response, true);
        response
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let state = self.state.clone();
        let introspection = self.introspection;
        let mut first = true;
        let stream = stream.map(move |mut response| {
            finish(
                &state,
                introspection,
                &mut response,
                std::mem::take(&mut first),
            );
            response
        });
        next.run(ctx, stream.boxed())
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        {
            let mut state = lock(&self.state);
            state.report_cost =
                matches!(request.extensions.get("cost"), Some(Value::Boolean(true)));
            state.operation_name.clone_from(&request.operation_name);
        }
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        check_strings(&document, variables).map_err(|err| {
            // The refusal names the argument path in `extensions.field`; it has no place in
            // the document to point at (GraphQL locations are 1-based, so no `0:0` either).
            let mut error = async_graphql::Error::from(err).into_server_error(Pos::default());
            error.locations.clear();
            error
        })?;
        let mut state = lock(&self.state);
        let operation = operation(&document, state.operation_name.as_deref());
        state.subscription = operation.is_some_and(|op| op.node.ty == OperationType::Subscription);
        let registry = &ctx.schema_env.registry;
        state.cost = Some(match operation {
            Some(op) => cost(registry, &document, variables, op),
            // Ambiguous: validation refuses it, but count the dearest meanwhile.
            None => document
                .operations
                .iter()
                .map(|(_, op)| cost(registry, &document, variables, op))
                .max()
                .unwrap_or_default(),
        });
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let cost = lock(&self.state).cost.unwrap_or_default();
        if cost > self.max_cost {
            return Err(vec![complexity_error(cost, self.max_cost)]);
        }
        Ok(result)
    }
}

fn complexity_error(cost: u64, limit: u64) -> ServerError {
    let mut error = ServerError::new(
        format!(
            "the operation costs {cost}, more than the limit of {limit}: ask for fewer items \
             (`first`, `limit`, `maxPoints`) or fewer nested lists"
        ),
        None,
    );
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", CODE_COMPLEXITY_LIMIT);
    extensions.set("cost", cost);
    extensions.set("limit", limit);
    error.extensions = Some(extensions);
    error
}

/// Drops async-graphql's " Did you mean ...?" tail from a validation message.
fn strip_suggestions(message: &mut String) {
    if let Some(at) = message.find(" Did you mean") {
        message.truncate(at);
        if !message.ends_with('.') {
            message.push('.');
        }
    }
}

fn operation<'d>(
    document: &'d ExecutableDocument,
    name: Option<&str>,
) -> Option<&'d Positioned<OperationDefinition>> {
    match &document.operations {
        DocumentOperations::Single(op) => Some(op),
        DocumentOperations::Multiple(ops) => match name {
            Some(name) => ops.get(name),
            None if ops.len() == 1 => ops.values().next(),
            None => None,
        },
    }
}

/// The value of a variable: sent, or the operation's default.
struct Vars<'d> {
    sent: &'d Variables,
    defaults: HashMap<&'d Name, &'d Value>,
}

impl<'d> Vars<'d> {
    fn new(document: &'d ExecutableDocument, sent: &'d Variables) -> Self {
        let defaults = document
            .operations
            .iter()
            .flat_map(|(_, op)| &op.node.variable_definitions)
            .filter_map(|def| Some((&def.node.name.node, &def.node.default_value.as_ref()?.node)))
            .collect();
        Self { sent, defaults }
    }

    fn get(&self, name: &Name) -> Option<&'d Value> {
        self.sent
            .get(name)
            .or_else(|| self.defaults.get(name).copied())
    }
}

// ---------------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------------

/// Every string reachable from an argument of any field or directive of the document (literal,
/// variable, or inside a JSON scalar or input object, keys included): NUL-free and bounded.
fn check_strings(document: &ExecutableDocument, variables: &Variables) -> Result<(), AppError> {
    let vars = Vars::new(document, variables);
    let mut sets: Vec<&SelectionSet> = document
        .operations
        .iter()
        .map(|(_, op)| &op.node.selection_set.node)
        .collect();
    sets.extend(
        document
            .fragments
            .values()
            .map(|f| &f.node.selection_set.node),
    );
    while let Some(set) = sets.pop() {
        for selection in &set.items {
            let (directives, children) = match &selection.node {
                Selection::Field(field) => {
                    for (name, value) in &field.node.arguments {
                        check_argument(name.node.to_string(), &value.node, &vars)?;
                    }
                    (&field.node.directives, Some(&field.node.selection_set.node))
                }
                Selection::InlineFragment(fragment) => (
                    &fragment.node.directives,
                    Some(&fragment.node.selection_set.node),
                ),
                Selection::FragmentSpread(spread) => (&spread.node.directives, None),
            };
            for directive in directives {
                for (name, value) in &directive.node.arguments {
                    check_argument(name.node.to_string(), &value.node, &vars)?;
                }
            }
            sets.extend(children);
        }
    }
    Ok(())
}

fn check_argument(path: String, value: &ArgValue, vars: &Vars<'_>) -> Result<(), AppError> {
    match value {
        ArgValue::Variable(name) => match vars.get(name) {
            Some(value) => check_const(path, value),
            None => Ok(()),
        },
        ArgValue::String(s) => check_string(path, s),
        ArgValue::List(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_argument(format!("{path}.{i}"), item, vars)),
        ArgValue::Object(fields) => fields.iter().try_for_each(|(key, item)| {
            let path = format!("{path}.{key}");
            check_string(path.clone(), key)?;
            check_argument(path, item, vars)
        }),
        _ => Ok(()),
    }
}

fn check_const(path: String, value: &Value) -> Result<(), AppError> {
    match value {
        Value::String(s) => check_string(path, s),
        Value::List(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_const(format!("{path}.{i}"), item)),
        Value::Object(fields) => fields.iter().try_for_each(|(key, item)| {
            let path = format!("{path}.{key}");
            check_string(path.clone(), key)?;
            check_const(path, item)
        }),
        _ => Ok(()),
    }
}

fn check_string(path: String, s: &str) -> Result<(), AppError> {
    if s.contains('\0') {
        return Err(AppError::validation(
            escape_path(path),
            "must not contain the NUL character (U+0000)",
        ));
    }
    // Bytes first: a string of at most MAX bytes has at most MAX characters.
    if s.len() > MAX_STRING_CHARS && s.chars().count() > MAX_STRING_CHARS {
        return Err(AppError::validation(
            path,
            format!("must be at most {MAX_STRING_CHARS} characters"),
        ));
    }
    Ok(())
}

/// A path may hold the offending key itself: never echo a NUL back.
fn escape_path(path: String) -> String {
    if path.contains('\0') {
        path.replace('\0', "\\u0000")
    } else {
        path
    }
}

// ---------------------------------------------------------------------------------------------
// Cost
// ---------------------------------------------------------------------------------------------

/// The cost of one operation of the document (see the module documentation).
pub fn cost(
    registry: &Registry,
    document: &ExecutableDocument,
    variables: &Variables,
    operation: &Positioned<OperationDefinition>,
) -> u64 {
    let root = match operation.node.ty {
        OperationType::Query => Some(registry.query_type.as_str()),
        OperationType::Mutation => registry.mutation_type.as_deref(),
        OperationType::Subscription => registry.subscription_type.as_deref(),
    };
    let mut coster = Coster {
        registry,
        document,
        vars: Vars::new(document, variables),
        fragments: HashMap::new(),
        active: HashSet::new(),
    };
    coster
        .set(
            &operation.node.selection_set.node,
            root.unwrap_or_default(),
            false,
        )
        .total()
}

/// The cost of a selection. Inside the object a paged field returns (a connection, a series),
/// its lists (`edges` and `nodes`, `points` and `buckets`) are views of one page: what one item
/// of the page costs is the dearest of them, `per_item`, paid once per item by the paged field;
/// everything else in the selection (`totalCount`, `pageInfo`) is paid `once`.
#[derive(Debug, Clone, Copy, Default)]
struct Cost {
    once: u64,
    per_item: u64,
}

impl Cost {
    fn once(cost: u64) -> Self {
        Self {
            once: cost,
            per_item: 0,
        }
    }

    fn total(self) -> u64 {
        self.once.saturating_add(self.per_item)
    }

    fn add(self, other: Self) -> Self {
        Self {
            once: self.once.saturating_add(other.once),
            per_item: self.per_item.max(other.per_item),
        }
    }
}

struct Coster<'d> {
    registry: &'d Registry,
    document: &'d ExecutableDocument,
    vars: Vars<'d>,
    /// Fragment costs, by name and whether the fragment sits directly in a page: a document may
    /// spread one fragment many times over, and must not cost exponential time to price.
    fragments: HashMap<(&'d str, bool), Cost>,
    /// Fragments being priced: a cycle (which validation refuses anyway) costs nothing more.
    active: HashSet<&'d str>,
}

impl<'d> Coster<'d> {
    /// `in_page`: the set belongs to the object a paged field returned.
    fn set(&mut self, set: &'d SelectionSet, parent: &'d str, in_page: bool) -> Cost {
        set.items.iter().fold(Cost::default(), |total, selection| {
            let cost = match &selection.node {
                Selection::Field(field) => self.field(&field.node, parent, in_page),
                Selection::InlineFragment(fragment) => {
                    let on = fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(parent, |t| t.node.on.node.as_str());
                    self.set(&fragment.node.selection_set.node, on, in_page)
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str(), in_page)
                }
            };
            total.add(cost)
        })
    }

    fn fragment(&mut self, name: &'d str, in_page: bool) -> Cost {
        if let Some(cost) = self.fragments.get(&(name, in_page)) {
            return *cost;
        }
        let Some(definition) = self.document.fragments.get(name) else {
            return Cost::default();
        };
        if !self.active.insert(name) {
            return Cost::default();
        }
        let on = definition.node.type_condition.node.on.node.as_str();
        let cost = self.set(&definition.node.selection_set.node, on, in_page);
        self.active.remove(name);
        self.fragments.insert((name, in_page), cost);
        cost
    }

    fn field(&mut self, field: &'d Field, parent: &'d str, in_page: bool) -> Cost {
        let meta = self
            .registry
            .types
            .get(parent)
            .and_then(|ty| ty.field_by_name(field.name.node.as_str()));
        let has_selection = !field.selection_set.node.items.is_empty();
        let Some(meta) = meta else {
            // `__typename`, introspection, or a field validation is about to refuse.
            return Cost::once(match has_selection {
                true => 1u64.saturating_add(self.set(&field.selection_set.node, "", false).total()),
                false => 0,
            });
        };
        let returns_list = meta.ty.starts_with('[');
        let page = self.page_size(field, meta);
        if !has_selection {
            // A scalar is part of the object that holds it; a page of scalars costs its size.
            return Cost::once(match (returns_list, page) {
                (true, Some(page)) => page,
                _ => 0,
            });
        }
        let child_type = MetaTypeName::concrete_typename(&meta.ty);
        let inner = self.set(&field.selection_set.node, child_type, page.is_some());
        // One object (a connection, a series): itself, its own fields, and its page.
        let object = |page: u64| {
            inner
                .once
                .saturating_add(page.saturating_mul(inner.per_item))
                .saturating_add(1)
        };
        match (returns_list, page) {
            // A list of pages, one per element of a list argument (`telemetrySeries(series:)`).
            (true, Some(page)) => {
                let lists = self.longest_list_argument(field).unwrap_or(1);
                Cost::once(lists.saturating_mul(object(page)))
            }
            (false, Some(page)) => Cost::once(object(page)),
            // The page of the object above: priced per item there.
            (true, None) if in_page => Cost {
                once: 0,
                per_item: object(0),
            },
            (true, None) => {
                // One item per element of a list argument (`latest(metrics:)`); an empty or
                // absent one may mean all.
                let items = self
                    .longest_list_argument(field)
                    .filter(|n| *n > 0)
                    .unwrap_or(UNPAGED_LIST_WEIGHT);
                Cost::once(items.saturating_mul(object(0)))
            }
            (false, None) => Cost::once(object(0)),
        }
    }

    /// How many items the field may return, if it takes a page argument (directly, or in its
    /// `input` object): the value asked for, or the default.
    fn page_size(&self, field: &'d Field, meta: &MetaField) -> Option<u64> {
        let default_of = |name: &str, default: u64| {
            DEFAULT_PAGE_OVERRIDES
                .iter()
                .find(|(field_name, _)| *field_name == meta.name && name == "first")
                .map_or(default, |(_, d)| *d)
        };
        for (name, default) in PAGE_ARGUMENTS {
            if meta.args.contains_key(name) {
                let asked = field
                    .get_argument(name)
                    .and_then(|value| self.number(&value.node));
                return Some(asked.unwrap_or(default_of(name, default)));
            }
        }
        let input_type = MetaTypeName::concrete_typename(&meta.args.get("input")?.ty);
        let MetaType::InputObject { input_fields, .. } = self.registry.types.get(input_type)?
        else {
            return None;
        };
        let (name, default) = PAGE_ARGUMENTS
            .into_iter()
            .find(|(name, _)| input_fields.contains_key(*name))?;
        let asked = field
            .get_argument("input")
            .and_then(|input| self.field_number(&input.node, name));
        Some(asked.unwrap_or(default))
    }

    /// The number at `name` in an input object, literal or variable.
    fn field_number(&self, value: &ArgValue, name: &str) -> Option<u64> {
        match value {
            ArgValue::Object(fields) => self.number(fields.get(name)?),
            ArgValue::Variable(var) => match self.vars.get(var)? {
                Value::Object(fields) => const_number(fields.get(name)?),
                _ => None,
            },
            _ => None,
        }
    }

    fn number(&self, value: &ArgValue) -> Option<u64> {
        match value {
            ArgValue::Number(n) => n.as_u64(),
            ArgValue::Variable(name) => const_number(self.vars.get(name)?),
            _ => None,
        }
    }

    /// The length of the longest list argument (`series`, `assetIds`), for list fields that
    /// return an item per element.
    fn longest_list_argument(&self, field: &'d Field) -> Option<u64> {
        field
            .arguments
            .iter()
            .filter_map(|(_, value)| match &value.node {
                ArgValue::List(items) => Some(items.len() as u64),
                ArgValue::Variable(name) => match self.vars.get(name)? {
                    Value::List(items) => Some(items.len() as u64),
                    _ => None,
                },
                _ => None,
            })
            .max()
    }
}

fn const_number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}
