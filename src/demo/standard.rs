//! The standard demo pipeline: topology + l2-learning, and an observer that reads what the
//! topology app discovered.

use std::sync::Arc;
use std::time::Duration;

use viola_framework::{App, Controller};
use viola_l2_learning::{L2Config, L2Learning};
use viola_topology::{TopologyApp, TopologyConfig};

use super::{DemoOptions, FoundHost, FoundTopology, TopologyObserver};

/// Reads links and hosts from the running controller's topology app.
pub struct TopologyAppObserver;

impl TopologyObserver for TopologyAppObserver {
    fn observe(&self, ctl: &Controller) -> FoundTopology {
        let Some(app) = ctl.app::<TopologyApp>() else {
            return FoundTopology::default();
        };
        let v = app.snapshot();
        FoundTopology {
            switches: v.switches().collect(),
            links: v
                .links()
                .iter()
                .map(|l| (l.src.dpid, l.src.port, l.dst.dpid, l.dst.port))
                .collect(),
            hosts: v
                .hosts()
                .into_iter()
                .map(|h| FoundHost {
                    mac: h.mac,
                    ips: h.ips.iter().map(|ip| ip.to_string()).collect(),
                    dpid: h.at.dpid,
                    port: h.at.port,
                })
                .collect(),
        }
    }
}

impl DemoOptions {
    /// What `viola demo` runs: topology + l2-learning with default settings, the topology
    /// observer, and pings only after host ports have settled into the flood set (as a user
    /// typing `pingall` after the network came up would).
    pub fn standard() -> Self {
        Self::with_apps(vec![
            Arc::new(TopologyApp::new(TopologyConfig::default())),
            Arc::new(L2Learning::new(L2Config::default())),
        ])
    }

    /// Any pipeline, run as [`DemoOptions::standard`] runs its own: when the topology app is
    /// in it, the report shows what it found and pings wait for its port-settle time.
    pub fn with_apps(apps: Vec<Arc<dyn App>>) -> Self {
        let topology = apps.iter().find_map(|a| {
            let any: Arc<dyn std::any::Any + Send + Sync> = a.clone();
            any.downcast::<TopologyApp>().ok()
        });
        let mut opts = DemoOptions::new(apps);
        if let Some(t) = topology {
            opts.observer = Some(Arc::new(TopologyAppObserver));
            opts.min_settle = t.config().timers.port_settle + Duration::from_millis(100);
        }
        opts
    }
}
