//! `viola_l2_learned_macs` and `viola_l2_floods_total`, registered once per process on the
//! framework's registry.

use std::sync::OnceLock;

use prometheus::{IntCounter, IntGauge, Opts};
use viola_framework::metrics::{metrics, NAMESPACE};

pub(crate) struct L2Metrics {
    pub learned_macs: IntGauge,
    pub floods_total: IntCounter,
}

static METRICS: OnceLock<L2Metrics> = OnceLock::new();

fn build() -> Result<L2Metrics, prometheus::Error> {
    let learned_macs = IntGauge::with_opts(
        Opts::new(
            "l2_learned_macs",
            "MAC addresses in the l2-learning tables, over all switches",
        )
        .namespace(NAMESPACE),
    )?;
    let floods_total = IntCounter::with_opts(
        Opts::new(
            "l2_floods_total",
            "Packets l2-learning flooded (unknown or group destination)",
        )
        .namespace(NAMESPACE),
    )?;
    let r = metrics().registry();
    r.register(Box::new(learned_macs.clone()))?;
    r.register(Box::new(floods_total.clone()))?;
    Ok(L2Metrics {
        learned_macs,
        floods_total,
    })
}

pub(crate) fn l2_metrics() -> &'static L2Metrics {
    // Only a wrong constant name or a second registration could fail, and the OnceLock
    // rules out the latter: a build-time bug, as in the framework's own metrics.
    METRICS.get_or_init(|| build().unwrap_or_else(|e| panic!("l2-learning metrics: {e}")))
}
