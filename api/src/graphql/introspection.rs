//! Refusing introspection with an error when it is turned off.
//!
//! async-graphql's `disable_introspection` answers `__schema` with `null` and no error, which
//! breaks the schema's own promise (`__schema: __Schema!`) and leaves a client guessing. This
//! extension refuses such a document before execution with a clear request error instead.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{ServerError, ServerResult, Variables};

use crate::graphql::credential_checks::root_fields;

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
    document.operations.iter().any(|(_, op)| {
        root_fields(document, &op.node.selection_set.node)
            .iter()
            .any(|field| matches!(field.node.name.node.as_str(), "__schema" | "__type"))
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
