//! `viola run`: the controller. TOML config (`--config`) with command-line flags on top,
//! the app pipeline, OpenFlow listeners (TCP and `tls://`), active connections, the REST API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use openflow::Version;
use viola_framework::declare::{Apps, Catalog, Setup};
use viola_framework::rest::{self, ApiConfig};
use viola_framework::{Config, ControllerBuilder, ListenAddr};

/// Default OpenFlow listener (IANA port).
const DEFAULT_LISTEN: &str = "0.0.0.0:6653";
/// Default app pipeline.
const DEFAULT_APPS: &str = "topology,l2-learning";
/// Default REST API address.
const DEFAULT_API: &str = "127.0.0.1:8080";

#[derive(clap::Args)]
pub struct Args {
    /// TOML configuration file; flags override it.
    #[arg(long, short = 'c', value_name = "FILE")]
    config: Option<PathBuf>,
    /// OpenFlow listen address: ADDR, tcp:ADDR or tls://ADDR (repeatable).
    /// Default 0.0.0.0:6653.
    #[arg(long, value_name = "ADDR")]
    listen: Vec<String>,
    /// Connect to a switch that listens (ptcp): tcp:HOST:PORT (repeatable).
    #[arg(long, value_name = "TARGET")]
    connect: Vec<String>,
    /// Apps in pipeline order, comma-separated. Default topology,l2-learning.
    #[arg(long, value_delimiter = ',', value_name = "A,B,…")]
    apps: Option<Vec<String>>,
    /// REST API address. Default 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    api: Option<SocketAddr>,
    /// Do not serve the REST API.
    #[arg(long, conflicts_with = "api")]
    no_api: bool,
    /// Serve the REST API beyond loopback without a token (refused otherwise). The token is
    /// `[api] token` in the config file or the VIOLA_TOKEN environment variable.
    #[arg(long)]
    api_insecure: bool,
    /// OpenFlow versions to negotiate, e.g. 1.0,1.3.
    #[arg(long = "of-versions", value_delimiter = ',', value_name = "V,…")]
    of_versions: Option<Vec<Version>>,
}

/// Merges the flags into the file's configuration.
fn effective_config(args: &Args) -> anyhow::Result<Config> {
    let mut cfg = match &args.config {
        Some(p) => Config::from_file(p)?,
        None => Config::default(),
    };
    if !args.listen.is_empty() {
        cfg.listen = args.listen.clone();
    }
    if cfg.listen.is_empty() {
        cfg.listen = vec![DEFAULT_LISTEN.to_string()];
    }
    if !args.connect.is_empty() {
        cfg.connect = args.connect.clone();
    }
    if let Some(a) = &args.apps {
        cfg.apps.enabled = Some(
            a.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        );
    }
    if cfg.apps.enabled.is_none() {
        cfg.apps.enabled = Some(DEFAULT_APPS.split(',').map(String::from).collect());
    }
    if let Some(a) = args.api {
        cfg.api.addr = Some(a);
    }
    if cfg.api.token.is_none() {
        cfg.api.token = std::env::var("VIOLA_TOKEN").ok().filter(|t| !t.is_empty());
    }
    if let Some(v) = &args.of_versions {
        anyhow::ensure!(!v.is_empty(), "--of-versions is empty");
        cfg.of_versions = Some(v.clone());
    }
    Ok(cfg)
}

/// The pipeline `names` from `catalog`, each app with its `[apps.NAME]` table of `cfg`; a
/// table for an app the binary does not know (a typo) is refused too.
pub(crate) fn build_apps(
    cfg: &Config,
    names: &[String],
    catalog: &Catalog,
    setup: &mut Setup,
) -> anyhow::Result<Apps> {
    if let Some(stray) = cfg.apps.settings.keys().find(|k| catalog.get(k).is_none()) {
        anyhow::bail!(
            "[apps.{stray}]: no such app (available: {})",
            catalog.names().join(", ")
        );
    }
    Ok(catalog.build(names, &|n| cfg.app_config(n), setup)?)
}

/// Runs the controller with the apps of `catalog` named by `--apps` (or the config file).
pub async fn run(args: Args, catalog: &Catalog) -> anyhow::Result<ExitCode> {
    let cfg = effective_config(&args)?;
    let api_addr: SocketAddr = match cfg.api.addr {
        Some(a) => a,
        None => DEFAULT_API.parse()?,
    };
    let api_cfg = ApiConfig {
        insecure: args.api_insecure,
        ..ApiConfig::from(&cfg.api)
    };
    // Refused before anything listens, so a mistake costs nothing.
    if let Some(why) = rest::refusal(api_addr, &api_cfg).filter(|_| !args.no_api) {
        anyhow::bail!(why);
    }
    let listen: Vec<ListenAddr> = cfg.listen_addrs()?;
    let names = cfg.apps.enabled.clone().unwrap_or_default();
    let mut builder = ControllerBuilder::new();
    let apps = build_apps(&cfg, &names, catalog, &mut builder.setup())?;
    builder = builder.apps(&apps);
    for l in &listen {
        builder = builder.listen(*l);
    }
    let running = builder.config(cfg.clone()).start().await?;
    let ctl = running.handle();
    for (l, a) in listen.iter().zip(running.local_addrs()) {
        let scheme = if matches!(l, ListenAddr::Tls(_)) {
            "tls://"
        } else {
            ""
        };
        tracing::info!("OpenFlow on {scheme}{a}");
    }
    tracing::info!(apps = ?ctl.app_names(), "controller running");
    let api = if args.no_api {
        None
    } else {
        let (bound, task) = rest::serve_api(ctl.clone(), api_addr, api_cfg)
            .await
            .with_context(|| format!("cannot serve the REST API on {api_addr}"))?;
        tracing::info!("REST API on http://{bound}/api/v1");
        Some(task)
    };
    wait_for_signal().await;
    tracing::info!("shutting down");
    running.shutdown().await;
    if let Some(t) = api {
        t.abort();
    }
    Ok(ExitCode::SUCCESS)
}

/// Ctrl-C or SIGTERM.
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_of_no_known_app_is_refused_by_name() {
        let cfg = Config::parse("[apps.l2-lerning]\nidle_timeout = 5\n").unwrap();
        let e = build_apps(
            &cfg,
            &["topology".into()],
            &viola_apps::builtin(),
            &mut Setup::standalone(),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            e.starts_with("[apps.l2-lerning]: no such app (available: topology, "),
            "{e}"
        );
        let cfg = Config::parse("[apps.l2-learning]\nidle_timeout = 5\n").unwrap();
        let apps = build_apps(
            &cfg,
            &["topology".into(), "l2-learning".into()],
            &viola_apps::builtin(),
            &mut Setup::standalone(),
        )
        .unwrap();
        assert_eq!(apps.names(), vec!["topology", "l2-learning"]);
    }
}
