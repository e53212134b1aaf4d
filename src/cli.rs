//! The `viola` command line: argument parsing and dispatch to the subcommands in
//! [`crate::cmd`]. Each subcommand is a thin layer over the crates; docs/src/cli.md (the
//! mdBook) is the contract.

use clap::{Parser, Subcommand};

use crate::cmd;

#[derive(Parser)]
#[command(
    name = "viola",
    version,
    about = "Viola: a fast, typed OpenFlow controller framework"
)]
struct Cli {
    /// More log lines on stderr: -v for info, -vv for debug (RUST_LOG overrides).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the controller.
    Run(cmd::run::Args),
    /// Controller + a simulated (or --ovs: real) network; prints topology, ping matrix, flows.
    Demo(cmd::demo::Args),
    /// Real Open vSwitch labs in network namespaces (needs root).
    #[command(subcommand)]
    Lab(cmd::lab::Command),
    /// Save, restore or diff the flow tables of every connected switch.
    #[command(subcommand)]
    Flows(cmd::flows::Command),
    /// Switches, links and hosts the controller knows.
    Topo(cmd::topo::Args),
    /// cbench-compatible load generator.
    Bench(cmd::bench::Args),
    /// Receive, store, commit, copy and serve VM snapshot images.
    SnapshotServer(cmd::snapshot_server::Args),
    /// VM-server agent: runs and snapshots QEMU guests through QMP.
    VmAgent(cmd::vm_agent::Args),
    /// Transaction controller: boot, snapshot, restore a service of VMs.
    Tc(cmd::tc::Args),
    /// Certificates and the shared token for a deployment.
    #[command(subcommand)]
    Certs(cmd::certs::Command),
}

impl Command {
    /// Daemons log what they do at info; commands that print a report keep stderr to
    /// warnings and errors, so their output reads as a report.
    fn default_log_level(&self) -> &'static str {
        match self {
            Command::Run(_) | Command::SnapshotServer(_) | Command::VmAgent(_) => "info",
            _ => "warn",
        }
    }
}

/// Logs to stderr: `RUST_LOG` if set, else the command's level raised by `-v`; colour only
/// when stderr is a terminal.
fn init_logging(verbose: u8, default_level: &str) {
    use std::io::IsTerminal;
    let level = match verbose {
        0 => default_level,
        1 if default_level == "warn" => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

/// Parses the process arguments, runs the subcommand and returns the exit status.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.command.default_log_level());
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("viola: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match cli.command {
            Command::Run(a) => cmd::run::run(a).await,
            Command::Demo(a) => cmd::demo::run(a).await,
            Command::Lab(c) => cmd::lab::run(c).await,
            Command::Flows(c) => cmd::flows::run(c).await,
            Command::Topo(a) => cmd::topo::run(a).await,
            Command::Bench(a) => cmd::bench::run(a).await,
            Command::SnapshotServer(a) => cmd::snapshot_server::run(a).await,
            Command::VmAgent(a) => cmd::vm_agent::run(a).await,
            Command::Tc(a) => cmd::tc::run(a).await,
            Command::Certs(c) => cmd::certs::run(c),
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("viola: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
