//! Fleetgraph: a multi-tenant GraphQL API server for fleets of robots and shop-floor machines.
//!
//! A request flows one way: `http` (axum) -> `graphql` (async-graphql resolvers) -> `domain`
//! (business rules, tenancy) -> `entity` (sea-orm) -> the database. Nothing below `graphql`
//! knows about GraphQL.

/// Password hashing, opaque tokens, the Permission model and the resolved caller.
pub mod auth;
/// Command-line flags and environment variables: the whole configuration.
pub mod config;
/// The database pool, migrations and the SQLite write gate.
pub mod db;
/// The demo organization that `--demo` seeds.
pub mod demo;
/// Business rules per domain, tenant-scoped, with no GraphQL types.
pub mod domain;
/// The one error type and its stable codes.
pub mod error;
/// Events, topics and the EventBus (in-process or Redis pub/sub).
pub mod events;
/// The GraphQL schema: one module per domain, DataLoaders, the mutation frame.
pub mod graphql;
/// The HTTP edge: routes, GraphQL-over-HTTP, authentication of requests.
pub mod http;
/// Group commit of telemetry ingest: concurrent calls written in one transaction.
pub mod ingest;
/// Keyed rate limits shared by replicas through Redis (in-process without it).
pub mod limits;
/// The MQTT bridge: device telemetry from a broker into the same ingest path as GraphQL.
pub mod mqtt;
/// Building and running the server.
pub mod startup;
/// Background workers: retention, staleness, the demo simulator.
pub mod workers;

pub use config::Config;
pub use startup::Application;

/// The allocator of every binary that links Fleetgraph (the server, the benchmark, the tests).
/// A GraphQL request allocates per input object and per response field; with glibc's malloc,
/// `malloc`/`free` took about 45 % of the CPU of an ingest call (docs/BENCHMARKS.md). Declared
/// here rather than in `main.rs` so that the benchmark, which runs the server in its own
/// process, measures the allocator the server ships with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
