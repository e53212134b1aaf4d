//! `viola_links` and `viola_hosts`: in the controller's app metrics when the app is built
//! as a declared app, private to the instance when built by hand (`TopologyApp::new`).

use prometheus::IntGauge;
use viola_framework::declare::{AppError, Setup};

pub(crate) struct TopologyMetrics {
    pub links: IntGauge,
    pub hosts: IntGauge,
}

impl TopologyMetrics {
    pub fn register(setup: &mut Setup) -> Result<Self, AppError> {
        Ok(TopologyMetrics {
            links: setup.gauge("links", "Links in the discovered topology")?,
            hosts: setup.gauge("hosts", "Hosts in the discovered topology")?,
        })
    }

    /// Not served anywhere.
    pub fn private() -> Self {
        Self::register(&mut Setup::standalone())
            .unwrap_or_else(|e| panic!("topology metric names are valid: {e}"))
    }
}
