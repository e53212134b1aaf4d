//! The snapshot series of the process-wide metrics (docs/src/metrics.md).

use std::time::Duration;

use viola_framework::metrics::metrics;

use crate::model::ServiceState;

/// `snapshot_buffered_packets{service}` and `snapshot_buffered_bytes{service}`.
pub(crate) fn set_gauges(s: &ServiceState) {
    let (p, b) = s.buffered();
    let m = metrics();
    m.snapshot_buffered_packets
        .with_label_values(&[s.name.as_str()])
        .set(p as i64);
    m.snapshot_buffered_bytes
        .with_label_values(&[s.name.as_str()])
        .set(b as i64);
}

/// Forgets the gauges of a removed service.
pub(crate) fn remove_gauges(name: &str) {
    let m = metrics();
    let _ = m.snapshot_buffered_packets.remove_label_values(&[name]);
    let _ = m.snapshot_buffered_bytes.remove_label_values(&[name]);
}

/// One more Type-3 packet: `snapshot_type3_total{service,policy}`.
pub(crate) fn type3(s: &ServiceState) {
    metrics()
        .snapshot_type3_total
        .with_label_values(&[s.name.as_str(), s.policy.as_str()])
        .inc();
}

/// `snapshot_phase_seconds{phase}`.
pub(crate) fn phase(phase: &str, d: Duration) {
    metrics()
        .snapshot_phase_seconds
        .with_label_values(&[phase])
        .observe(d.as_secs_f64());
}
