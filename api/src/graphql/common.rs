//! Shared GraphQL types: enums mirrored from the entities, ordering, and Relay connections.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Enum, Object, OutputType};
use futures::future::{BoxFuture, FutureExt, Shared};

use crate::domain::page::Page;
use crate::error::Result;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Role")]
pub enum Role {
    Owner,
    Admin,
    Engineer,
    Operator,
    Viewer,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::Plan")]
pub enum Plan {
    Free,
    Pro,
    Enterprise,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AssetKind")]
pub enum AssetKind {
    Robot,
    Machine,
}

/// How urgent a job, command or maintenance task is.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default)]
#[graphql(remote = "entity::Priority")]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
    Critical,
}

/// Who caused a recorded change.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::ActorKind")]
pub enum ActorKind {
    User,
    ApiKey,
    /// A device through the MQTT bridge.
    Device,
    /// Fleetgraph itself (a worker or a rule).
    System,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "entity::AssetStatus")]
pub enum AssetStatus {
    Online,
    Idle,
    Busy,
    Offline,
    Error,
    Maintenance,
    #[graphql(name = "E_STOPPED")]
    EStopped,
}

#[derive(Enum, Copy, Clone, Debug, Default, PartialEq, Eq)]
pub enum OrderDirection {
    #[default]
    Asc,
    Desc,
}

/// `totalCount`, computed only when asked for: counting is a second query that most list
/// views do not need.
pub struct TotalCount(Shared<BoxFuture<'static, async_graphql::Result<u64>>>);

impl TotalCount {
    pub fn new(fut: impl Future<Output = Result<u64>> + Send + 'static) -> Self {
        Self(
            fut.map(|r| r.map_err(async_graphql::Error::from))
                .boxed()
                .shared(),
        )
    }
}

#[Object]
impl TotalCount {
    /// How many items match the filter, across all pages.
    async fn total_count(&self) -> async_graphql::Result<u64> {
        self.0.clone().await
    }
}

pub type Conn<N> = Connection<String, N, TotalCount>;

/// Builds a connection from a domain page, converting each row.
pub fn connection<M, N: OutputType>(
    page: Page<M>,
    total: TotalCount,
    to_node: impl Fn(M) -> N,
) -> Conn<N> {
    let mut conn =
        Connection::with_additional_fields(page.has_previous_page, page.has_next_page, total);
    conn.edges = page
        .items
        .into_iter()
        .map(|(cursor, row)| Edge::new(cursor.encode(), to_node(row)))
        .collect();
    conn
}
