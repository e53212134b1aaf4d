//! `viola vm-agent --listen ADDR (--token-file FILE | --insecure) --images DIR…`: the
//! VM-server agent (runs and snapshots QEMU guests through QMP; see the orchestrator and
//! security chapters of the docs).

use super::daemon_auth::{AuthArgs, LimitArgs};
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use viola_orchestrator::agent::{qemu::Accel, serve, Agent, AgentConfig, RequestPolicy};
use viola_orchestrator::wire::MAX_CONTROL_LINE;

#[derive(clap::Args)]
pub struct Args {
    /// Control address (JSON lines).
    #[arg(long, default_value = "127.0.0.1:7800")]
    listen: std::net::SocketAddr,
    #[command(flatten)]
    auth: AuthArgs,
    #[command(flatten)]
    limits: LimitArgs,
    /// Directory kernels and initramfs images may be read from (repeatable). A `start` or
    /// `restore` naming a file anywhere else (after resolving symlinks and `..`) is refused.
    #[arg(long = "images", value_name = "DIR")]
    images: Vec<PathBuf>,
    /// Largest `memory_mb` a VM may ask for.
    #[arg(long, default_value_t = 4096)]
    max_memory_mb: u32,
    /// QMP sockets and serial logs (default: $TMPDIR/viola-agent-PORT).
    #[arg(long)]
    run_dir: Option<PathBuf>,
    /// IP a snapshot server uses to reach this agent's restore data ports (default: the
    /// --listen IP, or 127.0.0.1 if that is unspecified).
    #[arg(long)]
    advertise: Option<String>,
    /// Accelerator: auto (KVM only if it really boots a guest), kvm or tcg.
    #[arg(long, default_value = "auto", value_parser = ["auto", "kvm", "tcg"])]
    accel: String,
    /// Seconds a snapshot holds its guest paused waiting for `unpause`.
    #[arg(long, default_value_t = 120)]
    hold_timeout: u64,
    /// Background snapshots: let the guest's packets out between the cut and `unpause`
    /// (by default they are held in QEMU, so the cut is strict; see the docs).
    #[arg(long)]
    no_egress_hold: bool,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let credentials = args.auth.credentials("viola vm-agent", args.listen)?;
    let run_dir = args.run_dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("viola-agent-{}", args.listen.port()))
    });
    let mut config = AgentConfig::new(&run_dir);
    config.credentials = credentials;
    config.policy =
        RequestPolicy::new(&args.images, args.max_memory_mb).context("viola vm-agent: --images")?;
    if args.images.is_empty() {
        tracing::warn!("no --images directory: every start and restore will be refused");
    }
    config.advertise_ip = args.advertise.unwrap_or_else(|| {
        if args.listen.ip().is_unspecified() {
            "127.0.0.1".into()
        } else {
            args.listen.ip().to_string()
        }
    });
    config.accel = match args.accel.as_str() {
        "kvm" => Some(Accel::Kvm),
        "tcg" => Some(Accel::Tcg),
        _ => None,
    };
    config.hold_timeout = std::time::Duration::from_secs(args.hold_timeout);
    config.hold_egress = !args.no_egress_hold;
    let agent = Agent::new(config).with_context(|| format!("creating {}", run_dir.display()))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    tracing::info!(listen = %args.listen, run_dir = %run_dir.display(), "VM agent ready");
    let limits = args.limits.limits(MAX_CONTROL_LINE);
    let result = tokio::select! {
        r = serve(listener, agent.clone(), limits) => r.context("accepting control connections"),
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    agent.stop_all().await;
    result?;
    Ok(ExitCode::SUCCESS)
}
