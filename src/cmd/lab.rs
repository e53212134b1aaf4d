//! `viola lab up|pingall|exec|down`: real Open vSwitch bridges and hosts in network
//! namespaces, Mininet-style (see viola_lab).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context};
use viola_lab as lab;
use viola_lab::{DaemonPolicy, Lab, LabConfig, OfVersions};
use viola_topo_spec::Topology;

/// Options every lab subcommand takes.
#[derive(Debug, clap::Args)]
pub struct Common {
    /// Run directory: state file and private Open vSwitch daemons
    #[arg(long, value_name = "DIR", default_value = lab::DEFAULT_RUN_DIR)]
    pub run_dir: PathBuf,
}

/// The lab subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Bring up OVS bridges (userspace datapath) and hosts in network namespaces
    Up(UpArgs),
    /// Ping every host from every other host once (Mininet's pingall)
    Pingall {
        /// Print the results as JSON
        #[arg(long)]
        json: bool,
        /// Seconds to wait for the bridges to connect to the controller before pinging
        #[arg(long, value_name = "SECS", default_value_t = 10)]
        wait: u64,
        #[command(flatten)]
        common: Common,
    },
    /// Run a command inside a host's namespace: `viola lab exec h1 -- ping -c1 10.0.0.2`
    Exec {
        /// Host name (h1, h2…)
        host: String,
        /// The command and its arguments
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true, num_args = 1..)]
        command: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Remove every bridge, namespace and veth of the lab and stop daemons it started
    Down {
        /// Name prefix to clean up when no state file is left (after a crash)
        #[arg(long, default_value = lab::DEFAULT_PREFIX)]
        prefix: String,
        /// Print what was removed as JSON
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        common: Common,
    },
}

/// Arguments of `viola lab up`.
#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// Topology SPEC: single,N · linear,N · tree,DEPTH,FANOUT · ring,N · mesh,N · torus,X,Y · FILE.toml
    #[arg(long, value_name = "SPEC")]
    pub topo: String,
    /// Controller address the bridges connect to (IP:PORT, or tcp:/ssl:/unix: target)
    #[arg(long, value_name = "ADDR", default_value = lab::DEFAULT_CONTROLLER)]
    pub controller: String,
    /// Only this OpenFlow version (default: both 1.0 and 1.3; 1.4 and 1.5 need a
    /// controller started with --of-versions naming them)
    #[arg(long, value_name = "1.0|1.3|1.4|1.5")]
    pub of: Option<String>,
    /// Use (or start) only the run directory's own OVS daemons, never the system's or another
    #[arg(long)]
    pub private: bool,
    /// Name prefix of bridges, namespaces and veths
    #[arg(long, default_value = lab::DEFAULT_PREFIX)]
    pub prefix: String,
    /// Seconds to wait for every bridge to connect to the controller (0: do not wait)
    #[arg(long, value_name = "SECS", default_value_t = 0)]
    pub wait: u64,
    /// Print the lab's state as JSON
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub common: Common,
}

/// Runs `viola lab …`. Blocking work (ip, ovs-vsctl, ping) runs off the async runtime.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    tokio::task::spawn_blocking(move || run_blocking(command))
        .await
        .context("lab task failed")?
}

fn need_root() -> anyhow::Result<()> {
    if !lab::is_root() {
        bail!("viola lab needs root (network namespaces, veths, Open vSwitch): run it with sudo");
    }
    Ok(())
}

fn run_blocking(command: Command) -> anyhow::Result<ExitCode> {
    need_root()?;
    match command {
        Command::Up(up) => lab_up(up),
        Command::Pingall { json, wait, common } => {
            let lab = Lab::open(&common.run_dir)?;
            if wait > 0 {
                if let Err(e) = lab.wait_connected(Duration::from_secs(wait)) {
                    eprintln!("warning: {e}");
                }
            }
            let report = lab.pingall()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", report.render());
            }
            if !report.all_ok() {
                bail!(
                    "pingall: {} of {} pings failed",
                    report.sent - report.received,
                    report.sent
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Exec {
            host,
            command,
            common,
        } => {
            let lab = Lab::open(&common.run_dir)?;
            let status = lab.exec(&host, &command)?;
            match status.code() {
                // The command's own exit status, as `ip netns exec` passes it on.
                Some(code) => Ok(ExitCode::from(u8::try_from(code).unwrap_or(1))),
                None => bail!("`{}` in {host} was killed by a signal", command.join(" ")),
            }
        }
        Command::Down {
            prefix,
            json,
            common,
        } => {
            let report = lab::down(&common.run_dir, &prefix)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if report.removed_anything() {
                println!(
                    "lab down: removed {} bridge(s), {} namespace(s), {} link(s){}",
                    report.bridges.len(),
                    report.namespaces.len(),
                    report.links.len(),
                    if report.stopped_daemons {
                        ", stopped private OVS daemons"
                    } else {
                        ""
                    }
                );
            } else {
                println!("lab down: nothing to remove");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn lab_up(up: UpArgs) -> anyhow::Result<ExitCode> {
    let topo = Topology::parse(&up.topo)?;
    let of = match &up.of {
        Some(v) => OfVersions::parse(v)?,
        None => OfVersions::Both,
    };
    let config = LabConfig {
        run_dir: up.common.run_dir,
        prefix: up.prefix,
        controller: up.controller,
        of,
        daemons: if up.private {
            DaemonPolicy::Private
        } else {
            DaemonPolicy::Auto
        },
        ..LabConfig::default()
    };
    let lab = Lab::up(&topo, &config)?;
    if up.wait > 0 {
        if let Err(e) = lab.wait_connected(Duration::from_secs(up.wait)) {
            eprintln!("warning: {e}");
        }
    }
    let s = lab.state().clone();
    lab.detach();
    if up.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        println!(
            "lab up: {} switch(es), {} host(s), {} link(s) from `{}`; controller {}; OVS {} in {}",
            s.switches.len(),
            s.hosts.len(),
            topo.links.len(),
            s.topo,
            s.controller,
            if s.started_daemons {
                "started"
            } else {
                "found"
            },
            s.ovs.run_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
