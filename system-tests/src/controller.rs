//! The one way the system tier starts a controller in-process: built-in apps by name (as
//! `viola run --apps` builds them, tables from the caller) on a builder the caller
//! configured, and the REST API on 127.0.0.1:0 with the apps' routes.

use std::net::SocketAddr;

use viola_framework::rest::{self, ApiConfig};
use viola_framework::{ControllerBuilder, RunningController};

/// A started controller and the address of its REST API.
pub struct Started {
    pub running: RunningController,
    pub api: SocketAddr,
    /// The REST server (abort it to stop serving).
    pub api_task: tokio::task::JoinHandle<()>,
}

/// Builds `apps` from `viola_apps::builtin()` (each app's `[apps.NAME]` table from
/// `table`), starts `builder` with them and serves the REST API on a free loopback port.
pub async fn start(
    builder: ControllerBuilder,
    apps: &[String],
    table: &dyn Fn(&str) -> toml::Value,
) -> Result<Started, String> {
    let built = viola_apps::builtin()
        .build(apps, table, &mut builder.setup())
        .map_err(|e| e.to_string())?;
    let running = builder
        .apps(&built)
        .start()
        .await
        .map_err(|e| format!("start the controller: {e}"))?;
    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let (api, api_task) = rest::serve_api(running.handle(), loopback, ApiConfig::default())
        .await
        .map_err(|e| format!("serve the REST API: {e}"))?;
    Ok(Started {
        running,
        api,
        api_task,
    })
}

/// An empty `[apps.NAME]` table: every app with its defaults.
pub fn defaults(_app: &str) -> toml::Value {
    toml::Value::Table(Default::default())
}
