//! `viola demo`: the controller (topology + l2-learning, or the apps of `--apps`) and a
//! network built from a
//! topology SPEC — simulated by default, real Open vSwitch with `--ovs` — then the topology
//! found, a Mininet-style ping matrix and the flow tables. Exit 0 iff every host reached
//! every other.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::demo::{self, DemoOptions};
use openflow::Version;
use viola_framework::declare::{Catalog, Setup};

#[derive(clap::Args)]
pub struct Args {
    /// Topology SPEC: single,N | linear,N | tree,DEPTH,FANOUT | ring,N | mesh,N | torus,X,Y |
    /// a TOML file.
    #[arg(long, default_value = "tree,2,3")]
    topo: String,
    /// Real Open vSwitch bridges and network namespaces instead of simulated switches
    /// (needs root).
    #[arg(long)]
    ovs: bool,
    /// OpenFlow version the switches speak.
    #[arg(long = "of", default_value = "1.3", value_parser = parse_version)]
    of: Version,
    /// Machine-readable report on stdout.
    #[arg(long)]
    json: bool,
    /// Seconds to wait for each ping (ARP included).
    #[arg(long, default_value_t = 2.0)]
    ping_timeout: f64,
    /// Seconds to wait for switches to connect and links to be discovered.
    #[arg(long, default_value_t = 15.0)]
    settle_timeout: f64,
    /// Apps in pipeline order instead of topology,l2-learning (any app the binary knows,
    /// e.g. your own: `demo --apps topology,my-app`).
    #[arg(long, value_delimiter = ',', value_name = "A,B,…")]
    apps: Option<Vec<String>>,
    /// A controller config file whose `[apps.NAME]` tables configure the apps.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<std::path::PathBuf>,
}

fn parse_version(s: &str) -> Result<Version, String> {
    s.parse()
}

fn seconds(s: f64, what: &str) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(s)
        .map_err(|_| anyhow::anyhow!("--{what} must be a non-negative number of seconds"))
}

pub async fn run(args: Args, catalog: &Catalog) -> anyhow::Result<ExitCode> {
    let mut opts = match &args.apps {
        None if args.config.is_none() => DemoOptions::standard(),
        names => {
            let cfg = match &args.config {
                Some(p) => viola_framework::Config::from_file(p)?,
                None => viola_framework::Config::default(),
            };
            let names = names
                .clone()
                .or_else(|| cfg.apps.enabled.clone())
                .unwrap_or_else(|| vec!["topology".into(), "l2-learning".into()]);
            let apps = super::run::build_apps(&cfg, &names, catalog, &mut Setup::standalone())?;
            DemoOptions::with_apps(apps.apps())
        }
    };
    opts.switch_versions = vec![args.of];
    opts.ping_timeout = seconds(args.ping_timeout, "ping-timeout")?;
    opts.settle_timeout = seconds(args.settle_timeout, "settle-timeout")?;
    if !args.json && std::io::stdout().is_terminal() {
        opts.progress = Some(Arc::new(|m: &str| eprintln!("*** {m}")));
    }
    let report = if args.ovs {
        demo::run_ovs(&args.topo, opts, viola_lab::LabConfig::default()).await?
    } else {
        demo::run(&args.topo, opts).await?
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", report.to_text());
    }
    Ok(if report.all_reached() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
