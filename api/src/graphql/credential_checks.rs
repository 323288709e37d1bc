//! At most one credential check per request.
//!
//! Every credential check costs an argon2 hash (tens of milliseconds of a core, 19 MiB), so a
//! request that selects `login` 300 times under aliases, or a batch of 10 `login` operations,
//! would buy seconds of hashing for one round trip and bypass any per-request throttle. This
//! extension refuses, before execution, a document whose mutations select more than one
//! credential-checking root field (counted by response key, so aliases and fragments count and
//! fields that GraphQL merges into one execution count once). The transports extend the rule
//! beyond one document: the HTTP layer gives every operation of a batched request the same
//! [`CredentialBudget`], so the whole batch gets one check; a WebSocket gives each `subscribe`
//! message a budget of its own.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextParseQuery};
use async_graphql::parser::types::{
    ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::{Positioned, ServerError, ServerResult, Variables};

use crate::error::AppError;

/// The root mutation fields that check a password (each costs an argon2 hash). A new field that
/// verifies or hashes a password belongs here.
pub const CREDENTIAL_FIELDS: &[&str] = &["login", "signUp", "changePassword"];

/// The credential checks that the operations of one transport request share (one per HTTP
/// request, batched or not).
#[derive(Clone, Default)]
pub struct CredentialBudget(Arc<AtomicUsize>);

pub struct OneCredentialCheck;

impl ExtensionFactory for OneCredentialCheck {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(OneCredentialCheck)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for OneCredentialCheck {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let checks = credential_fields(&document);
        if let Some(excess) = checks.get(1) {
            return Err(refusal(excess));
        }
        if let (Some(first), Some(budget)) = (checks.first(), ctx.data_opt::<CredentialBudget>())
            && budget.0.fetch_add(1, Ordering::SeqCst) > 0
        {
            return Err(refusal(first));
        }
        Ok(document)
    }
}

fn refusal(field: &Positioned<Field>) -> ServerError {
    let name = field.node.response_key().node.to_string();
    let err = AppError::validation(
        name,
        format!(
            "at most one credential check ({}) per request",
            CREDENTIAL_FIELDS.join(", ")
        ),
    );
    async_graphql::Error::from(err).into_server_error(field.pos)
}

/// The credential-checking root fields of the document's mutations, one per response key.
fn credential_fields(document: &ExecutableDocument) -> Vec<&Positioned<Field>> {
    let mut keys = HashSet::new();
    document
        .operations
        .iter()
        .filter(|(_, op)| op.node.ty == OperationType::Mutation)
        .flat_map(|(_, op)| root_fields(document, &op.node.selection_set.node))
        .filter(|field| CREDENTIAL_FIELDS.contains(&field.node.name.node.as_str()))
        .filter(|field| keys.insert(field.node.response_key().node.to_string()))
        .collect()
}

/// The fields an operation selects at its root: directly, and through inline fragments and
/// fragment spreads at the root. A fragment is followed once (cycles are invalid and reported by
/// validation later; a fragment spread twice yields fields that merge).
pub fn root_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
) -> Vec<&'a Positioned<Field>> {
    let mut fields = Vec::new();
    collect_root_fields(document, set, &mut HashSet::new(), &mut fields);
    fields
}

fn collect_root_fields<'a>(
    document: &'a ExecutableDocument,
    set: &'a SelectionSet,
    seen: &mut HashSet<String>,
    fields: &mut Vec<&'a Positioned<Field>>,
) {
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => fields.push(field),
            Selection::InlineFragment(fragment) => {
                collect_root_fields(document, &fragment.node.selection_set.node, seen, fields);
            }
            Selection::FragmentSpread(spread) => {
                let name = &spread.node.fragment_name.node;
                if seen.insert(name.to_string())
                    && let Some(fragment) = document.fragments.get(name)
                {
                    collect_root_fields(document, &fragment.node.selection_set.node, seen, fields);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::credential_fields;

    fn count(query: &str) -> usize {
        credential_fields(&async_graphql::parser::parse_query(query).unwrap()).len()
    }

    #[test]
    fn credential_fields_are_counted_through_aliases_and_fragments() {
        assert_eq!(count("mutation { login(input: $i) { accessToken } }"), 1);
        assert_eq!(
            count("mutation { a: login(input: $i) { accessToken } b: login(input: $i) { role } }"),
            2
        );
        assert_eq!(
            count(
                "mutation { ...F ... on Mutation { c: changePassword(input: $p) { success } } }
                 fragment F on Mutation { signUp(input: $s) { role } }"
            ),
            2
        );
        // The same response key twice is one execution (GraphQL merges the fields).
        assert_eq!(
            count("mutation { login(input: $i) { role } login(input: $i) { accessToken } }"),
            1
        );
        assert_eq!(
            count("mutation { ...F ...F } fragment F on Mutation { login(input: $i) { role } }"),
            1
        );
        assert_eq!(count("mutation { logout { success } }"), 0);
        assert_eq!(count("{ login }"), 0, "only mutations check credentials");
    }
}
