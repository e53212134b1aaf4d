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
        let topo_cfg = TopologyConfig::default();
        let min_settle = topo_cfg.timers.port_settle + Duration::from_millis(100);
        let apps: Vec<Arc<dyn App>> = vec![
            Arc::new(TopologyApp::new(topo_cfg)),
            Arc::new(L2Learning::new(L2Config::default())),
        ];
        let mut opts = DemoOptions::new(apps);
        opts.observer = Some(Arc::new(TopologyAppObserver));
        opts.min_settle = min_settle;
        opts
    }
}
