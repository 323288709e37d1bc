//! Refusing introspection with an error when it is turned off.
//!
//! async-graphql's `disable_introspection` answers `__schema` with `null` and no error, which
//! breaks the schema's own promise (`__schema: __Schema!`) and leaves a client guessing. This
//! extension refuses such a document before execution with a clear request error instead.

use std::collections::HashSet;
use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, Variables};

pub struct RefuseIntrospection;

impl ExtensionFactory for RefuseIntrospection {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RefuseIntrospection)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for RefuseIntrospection {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        if asks_introspection(&document) {
            return Err(ServerError::new(
                "introspection is disabled on this server",
                None,
            ));
        }
        Ok(document)
    }
}

/// Whether any operation selects `__schema` or `__type` at its root (directly, or through inline
/// fragments and fragment spreads at the root).
fn asks_introspection(document: &ExecutableDocument) -> bool {
    let mut seen = HashSet::new();
    document
        .operations
        .iter()
        .any(|(_, op)| root_asks(document, &op.node.selection_set.node, &mut seen))
}

fn root_asks(
    document: &ExecutableDocument,
    set: &SelectionSet,
    seen: &mut HashSet<String>,
) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(field) => matches!(field.node.name.node.as_str(), "__schema" | "__type"),
        Selection::InlineFragment(fragment) => {
            root_asks(document, &fragment.node.selection_set.node, seen)
        }
        Selection::FragmentSpread(spread) => {
            let name = spread.node.fragment_name.node.to_string();
            // A fragment is followed once: cycles are invalid and reported by validation later.
            if !seen.insert(name.clone()) {
                return false;
            }
            document
                .fragments
                .get(&spread.node.fragment_name.node)
                .is_some_and(|f| root_asks(document, &f.node.selection_set.node, seen))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::asks_introspection;

    fn asks(query: &str) -> bool {
        asks_introspection(&async_graphql::parser::parse_query(query).unwrap())
    }

    #[test]
    fn introspection_is_found_at_the_root_and_through_fragments() {
        assert!(asks("{ __schema { types { name } } }"));
        assert!(asks("{ __type(name: \"Site\") { name } }"));
        assert!(asks("{ ... on Query { __schema { queryType { name } } } }"));
        assert!(asks(
            "query { ...F } fragment F on Query { __type(name: \"X\") { name } }"
        ));
        assert!(!asks("{ me { role } __typename }"));
        assert!(!asks("query { ...F } fragment F on Query { ...F }"));
    }
}
