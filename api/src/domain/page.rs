//! Keyset pagination (docs/ARCHITECTURE.md §5.1: cursors, not OFFSET).
//!
//! A page is ordered by one sort column and then by the primary key, which is a UUIDv7 and so
//! also orders by creation time. The cursor is the pair (sort value, id) of the last row seen;
//! the next page starts strictly after it, so rows inserted or deleted meanwhile never make a
//! page skip or repeat an unrelated row, and the database walks an index instead of counting.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{AppError, Result};

/// The most rows one page may hold (docs/ARCHITECTURE.md §5.1).
pub const MAX_PAGE: u64 = 200;
pub const DEFAULT_PAGE: u64 = 50;
/// The longest cursor we write: a sort key (a name, at most a few hundred characters) and an id,
/// in JSON and base64, with room to spare.
const MAX_CURSOR_CHARS: usize = 2048;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "k", skip_serializing_if = "Option::is_none", default)]
    pub key: Option<String>,
    #[serde(rename = "i")]
    pub id: Uuid,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    /// A cursor is the client's to hold, so it is input like any other: one that we could not
    /// have written (too long, or a sort key with control characters such as NUL, which
    /// PostgreSQL refuses in a text parameter) is BAD_USER_INPUT here, never a database error.
    pub fn decode(field: &str, value: &str) -> Result<Self> {
        let invalid = || AppError::validation(field, "is not a valid cursor");
        if value.len() > MAX_CURSOR_CHARS {
            return Err(invalid());
        }
        let cursor: Self = URL_SAFE_NO_PAD
            .decode(value)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(invalid)?;
        if cursor
            .key
            .as_deref()
            .is_some_and(|key| key.chars().any(char::is_control))
        {
            return Err(invalid());
        }
        Ok(cursor)
    }
}

#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub descending: bool,
}

impl PageRequest {
    pub fn limit(&self) -> Result<u64> {
        match self.first {
            None => Ok(DEFAULT_PAGE),
            Some(n) if n < 0 => Err(AppError::validation("first", "must not be negative")),
            Some(n) if n as u64 > MAX_PAGE => Err(AppError::validation(
                "first",
                format!("must be at most {MAX_PAGE}"),
            )),
            Some(n) => Ok(n as u64),
        }
    }
}

pub struct Page<M> {
    pub items: Vec<(Cursor, M)>,
    pub has_next_page: bool,
    pub has_previous_page: bool,
}

/// How rows of one entity are sorted: an optional text column, then the id column.
pub struct SortKey<E: EntityTrait> {
    pub column: Option<E::Column>,
    pub id: E::Column,
    /// Reads the sort column's value off a row, for the cursor.
    pub key_of: fn(&E::Model) -> Option<String>,
    pub id_of: fn(&E::Model) -> Uuid,
}

/// Fetches one page of `select` (already filtered) in the given order.
pub async fn fetch<E, C>(
    db: &C,
    select: Select<E>,
    sort: &SortKey<E>,
    request: &PageRequest,
) -> Result<Page<E::Model>>
where
    E: EntityTrait,
    C: ConnectionTrait,
{
    let limit = request.limit()?;
    let order = if request.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let mut select = select;
    let after = request
        .after
        .as_deref()
        .map(|a| Cursor::decode("after", a))
        .transpose()?;
    if let Some(cursor) = &after {
        select = select.filter(after_condition::<E>(sort, cursor, request.descending)?);
    }
    if let Some(column) = sort.column {
        select = select.order_by(column, order.clone());
    }
    let rows = select
        .order_by(sort.id, order)
        .limit(limit + 1)
        .all(db)
        .await?;
    let has_next_page = rows.len() as u64 > limit;
    let items = rows
        .into_iter()
        .take(limit as usize)
        .map(|row| {
            (
                Cursor {
                    key: (sort.key_of)(&row),
                    id: (sort.id_of)(&row),
                },
                row,
            )
        })
        .collect();
    Ok(Page {
        items,
        has_next_page,
        has_previous_page: after.is_some(),
    })
}

fn after_condition<E: EntityTrait>(
    sort: &SortKey<E>,
    cursor: &Cursor,
    descending: bool,
) -> Result<Condition> {
    let id_past = if descending {
        sort.id.lt(cursor.id)
    } else {
        sort.id.gt(cursor.id)
    };
    let Some(column) = sort.column else {
        return Ok(Condition::all().add(id_past));
    };
    let key = cursor
        .key
        .clone()
        .ok_or_else(|| AppError::validation("after", "cursor does not match the ordering"))?;
    let key_past = if descending {
        Expr::col(column).lt(key.clone())
    } else {
        Expr::col(column).gt(key.clone())
    };
    Ok(Condition::any()
        .add(key_past)
        .add(Condition::all().add(column.eq(key)).add(id_past)))
}

/// `SELECT COUNT(*)` over the same filter, for `totalCount`.
pub async fn count<E, C>(db: &C, select: Select<E>) -> Result<u64>
where
    E: EntityTrait,
    E::Model: Sync,
    C: ConnectionTrait,
{
    Ok(select.count(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = Cursor {
            key: Some("Robot 7".into()),
            id: Uuid::now_v7(),
        };
        assert_eq!(Cursor::decode("after", &cursor.encode()).unwrap(), cursor);
        assert!(Cursor::decode("after", "not-a-cursor!").is_err());
        let forged = |key: &str| {
            Cursor {
                key: Some(key.into()),
                id: Uuid::now_v7(),
            }
            .encode()
        };
        assert!(Cursor::decode("after", &forged("a\u{0}b")).is_err());
        assert!(Cursor::decode("after", &forged(&"x".repeat(5000))).is_err());
    }

    #[test]
    fn page_size_is_capped() {
        let req = |first| PageRequest {
            first: Some(first),
            ..Default::default()
        };
        assert_eq!(req(10).limit().unwrap(), 10);
        assert!(req(201).limit().is_err());
        assert!(req(-1).limit().is_err());
        assert_eq!(PageRequest::default().limit().unwrap(), DEFAULT_PAGE);
    }
}
