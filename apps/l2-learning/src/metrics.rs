//! `viola_l2_learned_macs` and `viola_l2_floods_total`: registered in the controller's
//! registry when the app is built as a declared app, private to the instance otherwise
//! (`L2Learning::new` in tests and tools).

use prometheus::{IntCounter, IntGauge};
use viola_framework::declare::{AppError, Setup};

pub(crate) struct L2Metrics {
    pub learned_macs: IntGauge,
    pub floods_total: IntCounter,
}

const LEARNED: (&str, &str) = (
    "l2_learned_macs",
    "MAC addresses in the l2-learning tables, over all switches",
);
const FLOODS: (&str, &str) = (
    "l2_floods_total",
    "Packets l2-learning flooded (unknown or group destination)",
);

impl L2Metrics {
    /// Registered on the controller's registry (served at `/metrics`).
    pub fn register(setup: &mut Setup) -> Result<Self, AppError> {
        Ok(L2Metrics {
            learned_macs: setup.gauge(LEARNED.0, LEARNED.1)?,
            floods_total: setup.counter(FLOODS.0, FLOODS.1)?,
        })
    }

    /// Not served anywhere: for an app built by hand.
    pub fn private() -> Self {
        Self::register(&mut Setup::standalone())
            .unwrap_or_else(|e| panic!("l2-learning metric names are valid: {e}"))
    }
}
