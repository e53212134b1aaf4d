//! `viola snapshot-server --listen ADDR --data DIR (--token-file FILE | --insecure)`:
//! receives, stores, commits, copies and serves VM snapshot images (see the orchestrator
//! and security chapters of the docs).

use super::daemon_auth::{AuthArgs, LimitArgs};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;
use viola_orchestrator::snapshot_server::{serve, store::StoreConfig, Store};
use viola_orchestrator::wire::MAX_COMMIT_LINE;

#[derive(clap::Args)]
pub struct Args {
    /// Control address (JSON lines). Data ports are opened on the same IP.
    #[arg(long, default_value = "127.0.0.1:7700")]
    listen: std::net::SocketAddr,
    /// Data directory (pending/ and committed/ live here).
    #[arg(long)]
    data: PathBuf,
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    limits: LimitArgs,
    /// Largest image accepted, in MiB; a longer stream is cut and refused.
    #[arg(long, default_value_t = 65536)]
    max_image_mb: u64,
    /// Free space always kept on the data file system, in MiB: `prepare` is refused below
    /// it and a stream that would go below it is cut.
    #[arg(long, default_value_t = 1024)]
    reserve_mb: u64,
    /// Seconds a prepared snapshot may stay uncommitted before it is aborted.
    #[arg(long, default_value_t = 3600)]
    pending_ttl: u64,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let credentials = args
        .auth
        .credentials("viola snapshot-server", args.listen)?;
    let config = StoreConfig {
        credentials,
        max_image_bytes: args.max_image_mb.saturating_mul(1 << 20),
        reserve_bytes: args.reserve_mb.saturating_mul(1 << 20),
        pending_ttl: Duration::from_secs(args.pending_ttl.max(1)),
        ..StoreConfig::default()
    };
    let store = Store::open(&args.data, args.listen.ip(), config)
        .with_context(|| format!("opening {}", args.data.display()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(listen = %args.listen, data = %args.data.display(), "snapshot server ready");
    let limits = args.limits.limits(MAX_COMMIT_LINE);
    tokio::select! {
        r = serve(listener, store, limits) => r.context("accepting control connections")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}
