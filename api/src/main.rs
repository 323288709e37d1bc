//! The `fleetgraph` binary: parse the configuration, then serve, migrate or print the schema.

use anyhow::Context;
use api::config::{Cli, Command};
use api::startup::{Application, init_tracing, shutdown_signal};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve) {
        Command::ExportSchema => {
            print!("{}", api::graphql::sdl());
            Ok(())
        }
        Command::Migrate => {
            init_tracing(&cli.config);
            let db = api::db::Db::connect(&cli.config.database_url).await?;
            db.migrate().await?;
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Serve => {
            init_tracing(&cli.config);
            let app = Application::build(cli.config)
                .await
                .context("failed to start")?;
            tracing::info!(
                "Fleetgraph listening on http://{addr} (playground: http://{addr}/graphql)",
                addr = app.local_addr()
            );
            app.run_until(shutdown_signal()).await
        }
    }
}
