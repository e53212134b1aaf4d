//! # viola-apps — the built-in apps by name
//!
//! `viola run --apps topology,l2-learning` builds its pipeline here (`viola demo` builds
//! its own from the same crates): each
//! name maps to a constructor that reads the app's `[apps.NAME]` table, and apps that serve
//! REST routes hand them over too.
//!
//! ```
//! let apps = viola_apps::build(&["topology".into(), "l2-learning".into()], &|_| {
//!     toml::Value::Table(Default::default())
//! })
//! .unwrap();
//! assert_eq!(apps.names(), vec!["topology", "l2-learning"]);
//! assert!(viola_apps::build(&["nope".into()], &|_| toml::Value::Table(Default::default())).is_err());
//! ```
#![forbid(unsafe_code)]

use std::sync::Arc;

use viola_framework::rest::RestRoutes;
use viola_framework::{App, Controller};

// ANCHOR: available
/// Names `--apps` accepts, in the order a typical pipeline uses them.
pub const AVAILABLE: &[&str] = &["topology", "snapshot", "flow-state", "l2-learning", "hub"];
// ANCHOR_END: available

/// Why the pipeline could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("unknown app `{name}` (available: {})", AVAILABLE.join(", "))]
    Unknown { name: String },
    #[error("app `{name}` is listed twice")]
    Duplicate { name: String },
    #[error("[apps.{name}]: {reason}")]
    Config { name: String, reason: String },
}

/// One built app and, if it serves any, its REST routes.
pub struct Built {
    pub app: Arc<dyn App>,
    pub routes: Option<Arc<dyn RestRoutes>>,
}

/// The pipeline, in order.
pub struct Apps(pub Vec<Built>);

impl Apps {
    /// The apps, for `ControllerBuilder::app` in this order.
    pub fn apps(&self) -> Vec<Arc<dyn App>> {
        self.0.iter().map(|b| Arc::clone(&b.app)).collect()
    }

    /// The REST routers of the apps that serve routes.
    pub fn routers(&self, ctl: &Controller) -> Vec<axum::Router> {
        self.0
            .iter()
            .filter_map(|b| b.routes.as_ref().map(|r| Arc::clone(r).routes(ctl.clone())))
            .collect()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|b| b.app.name()).collect()
    }
}

fn config_err(name: &str, e: impl std::fmt::Display) -> BuildError {
    BuildError::Config {
        name: name.to_string(),
        reason: e.to_string(),
    }
}

// ANCHOR: build_one
/// Builds one app by name from its `[apps.NAME]` table.
pub fn build_one(name: &str, table: &toml::Value) -> Result<Built, BuildError> {
    fn with_routes<T: App + RestRoutes>(a: T) -> Built {
        let a = Arc::new(a);
        Built {
            app: a.clone(),
            routes: Some(a),
        }
    }
    Ok(match name {
        "topology" => with_routes(
            viola_topology::TopologyApp::from_toml(table).map_err(|e| config_err(name, e))?,
        ),
        "l2-learning" => Built {
            app: Arc::new(
                viola_l2_learning::L2Learning::from_toml(table).map_err(|e| config_err(name, e))?,
            ),
            routes: None,
        },
        "snapshot" => with_routes(
            viola_snapshot::SnapshotApp::from_toml(table).map_err(|e| config_err(name, e))?,
        ),
        "flow-state" => with_routes(viola_flow_state::FlowStateApp::new()),
        "hub" => Built {
            app: Arc::new(viola_example_hub::Hub),
            routes: None,
        },
        other => {
            return Err(BuildError::Unknown {
                name: other.to_string(),
            })
        }
    })
}
// ANCHOR_END: build_one

/// Builds the pipeline from names in order; `table(name)` gives each app's settings.
pub fn build(names: &[String], table: &dyn Fn(&str) -> toml::Value) -> Result<Apps, BuildError> {
    let mut out: Vec<Built> = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let n = n.trim();
        if names[..i].iter().any(|m| m.trim() == n) {
            return Err(BuildError::Duplicate {
                name: n.to_string(),
            });
        }
        out.push(build_one(n, &table(n))?);
    }
    Ok(Apps(out))
}
