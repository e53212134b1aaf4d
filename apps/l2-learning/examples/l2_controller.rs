//! A controller with just `topology` and `l2-learning` and the REST API, for trying the
//! apps on Open vSwitch or Mininet before `viola run` is at hand:
//!
//! ```text
//! cargo run -p viola-l2-learning --example l2_controller -- 127.0.0.1:6653 127.0.0.1:8080 learning
//! ```
//! Arguments (all optional, in order): OpenFlow listen address, REST address, mode
//! (`learning` or `path`).

use std::sync::Arc;

use viola_framework::rest::{self, ApiConfig, RestRoutes};
use viola_framework::{ControllerBuilder, ListenAddr};
use viola_l2_learning::{L2Config, L2Learning, Mode};
use viola_topology::{TopologyApp, TopologyConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let listen = args
        .first()
        .map_or("127.0.0.1:6653", String::as_str)
        .parse()?;
    let api = args
        .get(1)
        .map_or("127.0.0.1:8080", String::as_str)
        .parse()?;
    let mode = match args.get(2).map(String::as_str) {
        Some("path") => Mode::Path,
        _ => Mode::Learning,
    };
    let topo = Arc::new(TopologyApp::new(TopologyConfig::default()));
    let l2 = Arc::new(L2Learning::new(L2Config {
        mode,
        ..L2Config::default()
    }));
    let running = ControllerBuilder::new()
        .app(topo.clone())
        .app(l2)
        .listen(ListenAddr::Tcp(listen))
        .start()
        .await?;
    let ctl = running.handle();
    let (addr, _task) = rest::serve(
        ctl.clone(),
        api,
        ApiConfig::default(),
        vec![topo.routes(ctl)],
    )
    .await?;
    eprintln!("OpenFlow on {listen}, REST on http://{addr}; Ctrl-C stops");
    tokio::signal::ctrl_c().await?;
    running.shutdown().await;
    Ok(())
}
