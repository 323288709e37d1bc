//! Integration tests: every test boots the real server on 127.0.0.1:0 with its own database and
//! talks to it over HTTP. One binary, so that the crate is linked once.

mod alerts;
mod api_keys;
mod assets;
mod audit;
mod commands;
mod credentials;
mod dataloader;
mod estop;
mod helpers;
mod http_edge;
mod http_protocol;
mod identity;
mod ids;
mod ingest;
mod input_hygiene;
mod invitations;
mod jobs;
mod limits;
mod machine_sessions;
mod maintenance;
mod members;
mod mqtt;
mod places;
mod scale_out;
mod schema_file;
mod smoke;
mod subscriptions;
mod telemetry;
mod tenancy;
mod web_app;
mod workers;
