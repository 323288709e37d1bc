//! The GraphQL API: one module per domain, each a thin layer over `domain/`, merged into one
//! schema. Resolvers parse arguments, call the domain, and convert models to GraphQL objects;
//! relations resolve through the per-request DataLoader.

pub mod alerts;
pub mod api_keys;
pub mod assets;
pub mod audit;
pub mod commands;
pub mod common;
pub mod context;
pub mod credential_checks;
pub mod estop;
pub mod guard;
pub mod identity;
pub mod introspection;
pub mod jobs;
pub mod loaders;
pub mod machine_sessions;
pub mod maintenance;
pub mod members;
pub mod mutation;
pub mod places;
pub mod status;
pub mod subscriptions;
pub mod telemetry;

use async_graphql::{Context, MergedObject, MergedSubscription, Schema};

pub use context::Services;
pub use loaders::Loaders;

use crate::error::{AppError, Result};

#[derive(MergedObject, Default)]
pub struct Query(
    identity::IdentityQuery,
    members::MembersQuery,
    api_keys::ApiKeysQuery,
    places::PlacesQuery,
    assets::AssetsQuery,
    audit::AuditQuery,
    telemetry::TelemetryQuery,
    alerts::AlertsQuery,
    machine_sessions::MachineSessionsQuery,
    estop::EstopQuery,
    maintenance::MaintenanceQuery,
    jobs::JobsQuery,
    commands::CommandsQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    identity::IdentityMutation,
    members::MembersMutation,
    api_keys::ApiKeysMutation,
    places::PlacesMutation,
    assets::AssetsMutation,
    telemetry::TelemetryMutation,
    alerts::AlertsMutation,
    machine_sessions::MachineSessionsMutation,
    estop::EstopMutation,
    maintenance::MaintenanceMutation,
    jobs::JobsMutation,
    commands::CommandsMutation,
);

#[derive(MergedSubscription, Default)]
pub struct Subscription(
    subscriptions::TelemetrySubscription,
    machine_sessions::MachineSessionsSubscription,
    maintenance::MaintenanceSubscription,
    jobs::JobsSubscription,
    commands::CommandsSubscription,
);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

pub struct Limits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub introspection: bool,
}

pub fn build_schema(services: Option<Services>, limits: &Limits) -> AppSchema {
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .limit_depth(limits.max_depth)
    .limit_recursive_depth(64)
    .limit_directives(16)
    .extension(credential_checks::OneCredentialCheck)
    // Input hygiene and the cost limit, over the whole document (see `guard`): async-graphql's
    // own complexity limit does not count fields selected through an interface.
    .extension(guard::Guard {
        max_cost: u64::try_from(limits.max_complexity).unwrap_or(u64::MAX),
        introspection: limits.introspection,
    });
    if !limits.introspection {
        builder = builder
            .disable_introspection()
            .disable_suggestions()
            .extension(introspection::RefuseIntrospection);
    }
    if let Some(services) = services {
        builder = builder.data(services);
    }
    builder.finish()
}

/// The SDL of the schema, as `fleetgraph export-schema` prints it.
pub fn sdl() -> String {
    build_schema(
        None,
        &Limits {
            max_depth: usize::MAX,
            max_complexity: usize::MAX,
            introspection: true,
        },
    )
    .sdl()
}

pub fn loader<'a>(ctx: &Context<'a>) -> Result<&'a Loaders> {
    ctx.data::<Loaders>()
        .map_err(|_| AppError::Unauthenticated("authentication required"))
}
