//! Migration CLI: `cargo run -p migration -- up|down|status|fresh|reset`.
//!
//! The target database comes from `DATABASE_URL`, e.g.
//! `DATABASE_URL='sqlite://fleetgraph.db?mode=rwc'` (`mode=rwc` creates the file) or
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/fleetgraph`.

#[tokio::main]
async fn main() {
    sea_orm_migration::cli::run_cli(migration::Migrator).await;
}
