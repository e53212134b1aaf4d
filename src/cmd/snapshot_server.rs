//! `viola snapshot-server --listen ADDR --data DIR`: receives, stores, commits, copies and
//! serves VM snapshot images (see the orchestrator chapter of the docs).

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use viola_orchestrator::snapshot_server::{serve, store::StoreConfig, Store};

#[derive(clap::Args)]
pub struct Args {
    /// Control address (JSON lines). Data ports are opened on the same IP.
    #[arg(long, default_value = "127.0.0.1:7700")]
    listen: std::net::SocketAddr,
    /// Data directory (pending/ and committed/ live here).
    #[arg(long)]
    data: PathBuf,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let store = Store::open(&args.data, args.listen.ip(), StoreConfig::default())
        .with_context(|| format!("opening {}", args.data.display()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(listen = %args.listen, data = %args.data.display(), "snapshot server ready");
    tokio::select! {
        r = serve(listener, store) => r.context("accepting control connections")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}
