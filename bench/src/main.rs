//! Load benchmarks of Fleetgraph; see docs/BENCHMARKS.md.
//!
//! `cargo run --release -p bench -- ingest|fanout [options]` starts the server in this process
//! (on 127.0.0.1:0, on a temporary SQLite file or a PostgreSQL database it creates and drops),
//! drives it over HTTP and WebSockets, and prints a table.

mod commits;
mod fanout;
mod frames;
mod ingest;
mod server;
mod stats;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "bench", about = "Fleetgraph load benchmarks")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Debug, Subcommand)]
enum Scenario {
    /// Points per second through `ingestTelemetry` (and the COPY ceiling on PostgreSQL).
    Ingest(ingest::IngestArgs),
    /// Delivery latency of `telemetry` events to many WebSocket subscribers.
    Fanout(fanout::FanoutArgs),
    /// The subscriber side of `fanout`, run as a child process.
    #[command(hide = true)]
    FanoutClients(fanout::ClientArgs),
}

fn main() -> anyhow::Result<()> {
    let scenario = Cli::parse().scenario;
    // The server runs on tokio's default multi-threaded runtime, as in `api`'s own main; the
    // subscriber process picks its worker count (see `ClientArgs::threads`).
    let mut runtime = match &scenario {
        Scenario::FanoutClients(args) if args.threads == 1 => {
            tokio::runtime::Builder::new_current_thread()
        }
        Scenario::FanoutClients(args) if args.threads > 1 => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(args.threads);
            builder
        }
        _ => tokio::runtime::Builder::new_multi_thread(),
    };
    let runtime = runtime.enable_all().build()?;
    runtime.block_on(async move {
        match scenario {
            Scenario::Ingest(args) => ingest::run(args).await,
            Scenario::Fanout(args) => fanout::run(args).await,
            Scenario::FanoutClients(args) => fanout::clients(args).await,
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
