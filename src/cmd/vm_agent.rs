//! `viola vm-agent --listen ADDR`: the VM-server agent (runs and snapshots QEMU guests
//! through QMP; see the orchestrator chapter of the docs).

use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;
use viola_orchestrator::agent::{qemu::Accel, serve, Agent, AgentConfig};

#[derive(clap::Args)]
pub struct Args {
    /// Control address (JSON lines).
    #[arg(long, default_value = "127.0.0.1:7800")]
    listen: std::net::SocketAddr,
    /// QMP sockets and serial logs (default: $TMPDIR/viola-agent-PORT).
    #[arg(long)]
    run_dir: Option<PathBuf>,
    /// IP a snapshot server uses to reach restoring QEMUs (default: the --listen IP, or
    /// 127.0.0.1 if that is unspecified).
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
    let run_dir = args.run_dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("viola-agent-{}", args.listen.port()))
    });
    let mut config = AgentConfig::new(&run_dir);
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
    let result = tokio::select! {
        r = serve(listener, agent.clone()) => r.context("accepting control connections"),
        _ = tokio::signal::ctrl_c() => Ok(()),
    };
    agent.stop_all().await;
    result?;
    Ok(ExitCode::SUCCESS)
}
