//! The snapshot app's series (docs/src/metrics.md): in the controller's app metrics when
//! the app is built as a declared app, private to the instance when built by hand.

use std::time::Duration;

use prometheus::{HistogramVec, IntCounterVec, IntGaugeVec};
use viola_framework::declare::{AppError, Setup};

use crate::model::ServiceState;

pub(crate) struct SnapshotMetrics {
    buffered_packets: IntGaugeVec,
    buffered_bytes: IntGaugeVec,
    type3_total: IntCounterVec,
    phase_seconds: HistogramVec,
}

impl SnapshotMetrics {
    pub fn register(setup: &mut Setup) -> Result<Self, AppError> {
        Ok(SnapshotMetrics {
            buffered_packets: setup.gauge_vec(
                "snapshot_buffered_packets",
                "Packets buffered by the snapshot app",
                &["service"],
            )?,
            buffered_bytes: setup.gauge_vec(
                "snapshot_buffered_bytes",
                "Bytes buffered by the snapshot app",
                &["service"],
            )?,
            type3_total: setup.counter_vec(
                "snapshot_type3_total",
                "Type-3 packets seen during a snapshot",
                &["service", "policy"],
            )?,
            // 100 µs .. ~100 s: pauses, copies and flushes.
            phase_seconds: setup.histogram_vec(
                "snapshot_phase_seconds",
                "Duration of snapshot phases",
                prometheus::exponential_buckets(100e-6, 2.0, 21)?,
                &["phase"],
            )?,
        })
    }

    /// Not served anywhere.
    pub fn private() -> Self {
        Self::register(&mut Setup::standalone())
            .unwrap_or_else(|e| panic!("snapshot metric names are valid: {e}"))
    }

    /// `snapshot_buffered_packets{service}` and `snapshot_buffered_bytes{service}`.
    pub fn set_gauges(&self, s: &ServiceState) {
        let (p, b) = s.buffered();
        let name = [s.name.as_str()];
        self.buffered_packets.with_label_values(&name).set(p as i64);
        self.buffered_bytes.with_label_values(&name).set(b as i64);
    }

    /// Forgets the gauges of a removed service.
    pub fn remove_gauges(&self, name: &str) {
        let _ = self.buffered_packets.remove_label_values(&[name]);
        let _ = self.buffered_bytes.remove_label_values(&[name]);
    }

    /// One more Type-3 packet: `snapshot_type3_total{service,policy}`.
    pub fn type3(&self, s: &ServiceState) {
        self.type3_total
            .with_label_values(&[s.name.as_str(), s.policy.as_str()])
            .inc();
    }

    /// `snapshot_phase_seconds{phase}`.
    pub fn phase(&self, phase: &str, d: Duration) {
        self.phase_seconds
            .with_label_values(&[phase])
            .observe(d.as_secs_f64());
    }
}
