//! Process-wide Prometheus metrics (docs/src/metrics.md; every name prefixed `viola_`).
//!
//! One registry per process, created on first use. The runtime, the REST API and the apps
//! update the fields of [`metrics()`]; `GET /metrics` serves [`encode_text()`]. Apps that need
//! more series register them on [`Metrics::registry`].

use std::sync::OnceLock;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Prefix of every metric name (Prometheus namespace).
pub const NAMESPACE: &str = "viola";

/// Buckets for per-event app handling time: 250 ns .. ~1 s, factor 2 (23 buckets), so that
/// microsecond-scale handlers land in distinct buckets.
fn app_handle_buckets() -> Vec<f64> {
    exponential(250e-9, 2.0, 23)
}

/// Buckets for echo round-trip time: 10 µs .. ~10 s.
fn echo_rtt_buckets() -> Vec<f64> {
    exponential(10e-6, 2.0, 21)
}

/// Buckets for snapshot phases (pause, copy, flush …): 100 µs .. ~100 s.
fn phase_buckets() -> Vec<f64> {
    exponential(100e-6, 2.0, 21)
}

fn exponential(start: f64, factor: f64, count: usize) -> Vec<f64> {
    let mut v = Vec::with_capacity(count);
    let mut x = start;
    for _ in 0..count {
        v.push(x);
        x *= factor;
    }
    v
}

/// Every metric of the SPEC. Fields are public so callers update them directly, e.g.
/// `fw::metrics::metrics().packet_in_total.with_label_values(&[&d.to_string()]).inc()`.
pub struct Metrics {
    registry: Registry,
    /// (full name, help, type) of every metric above, to declare families that have no
    /// series yet (a labelled metric before its first label set).
    declared: Vec<(String, String, &'static str)>,
    /// Switches with a completed handshake.
    pub switches_connected: IntGauge,
    /// OpenFlow messages received, label `type` = message type name (e.g. `PACKET_IN`).
    pub messages_received_total: IntCounterVec,
    /// OpenFlow messages sent, label `type`.
    pub messages_sent_total: IntCounterVec,
    /// PACKET_INs received, label `dpid` (16 hex digits).
    pub packet_in_total: IntCounterVec,
    /// Echo request → reply round-trip time.
    pub echo_rtt_seconds: Histogram,
    /// Time one app spent in `App::handle`, label `app`.
    pub app_handle_seconds: HistogramVec,
    /// Events on which an app panicked (caught; the switch stays up), label `app`.
    pub app_panics_total: IntCounterVec,
    /// Messages that failed to decode.
    pub decode_errors_total: IntCounter,
    /// Links in the topology (set by the topology app).
    pub links: IntGauge,
    /// Hosts in the topology (set by the topology app).
    pub hosts: IntGauge,
    /// Packets held by the snapshot app, label `service`.
    pub snapshot_buffered_packets: IntGaugeVec,
    /// Bytes held by the snapshot app, label `service`.
    pub snapshot_buffered_bytes: IntGaugeVec,
    /// Type-3 packets seen during a snapshot, labels `service`, `policy` (`buffer`|`drop`).
    pub snapshot_type3_total: IntCounterVec,
    /// Duration of snapshot phases, label `phase`.
    pub snapshot_phase_seconds: HistogramVec,
}

/// Names (without the `viola_` prefix) of every metric in [`Metrics`]; used by tests and docs.
pub const METRIC_NAMES: &[&str] = &[
    "switches_connected",
    "messages_received_total",
    "messages_sent_total",
    "packet_in_total",
    "echo_rtt_seconds",
    "app_handle_seconds",
    "decode_errors_total",
    "links",
    "hosts",
    "snapshot_buffered_packets",
    "snapshot_buffered_bytes",
    "snapshot_type3_total",
    "snapshot_phase_seconds",
];

/// Errors building the metric set (only possible with a programming error such as a duplicate
/// name; kept typed so no `unwrap` is needed).
#[derive(Debug, thiserror::Error)]
#[error("metrics registration failed: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help).namespace(NAMESPACE)
}

fn hopts(name: &str, help: &str, buckets: Vec<f64>) -> HistogramOpts {
    HistogramOpts::new(name, help)
        .namespace(NAMESPACE)
        .buckets(buckets)
}

impl Metrics {
    /// Build a fresh metric set in its own registry (tests use this to stay isolated; the
    /// process uses [`metrics()`]).
    pub fn new() -> Result<Self, MetricsError> {
        let registry = Registry::new();
        let mut m = Metrics {
            switches_connected: IntGauge::with_opts(opts(
                "switches_connected",
                "Switches with a completed OpenFlow handshake",
            ))?,
            messages_received_total: IntCounterVec::new(
                opts("messages_received_total", "OpenFlow messages received"),
                &["type"],
            )?,
            messages_sent_total: IntCounterVec::new(
                opts("messages_sent_total", "OpenFlow messages sent"),
                &["type"],
            )?,
            packet_in_total: IntCounterVec::new(
                opts("packet_in_total", "PACKET_IN messages received per switch"),
                &["dpid"],
            )?,
            app_panics_total: IntCounterVec::new(
                opts(
                    "app_panics_total",
                    "Events on which an app panicked (the panic was caught)",
                ),
                &["app"],
            )?,
            echo_rtt_seconds: Histogram::with_opts(hopts(
                "echo_rtt_seconds",
                "Echo request to reply round-trip time",
                echo_rtt_buckets(),
            ))?,
            app_handle_seconds: HistogramVec::new(
                hopts(
                    "app_handle_seconds",
                    "Time spent by an app handling one event",
                    app_handle_buckets(),
                ),
                &["app"],
            )?,
            decode_errors_total: IntCounter::with_opts(opts(
                "decode_errors_total",
                "OpenFlow messages that failed to decode",
            ))?,
            links: IntGauge::with_opts(opts("links", "Links in the discovered topology"))?,
            hosts: IntGauge::with_opts(opts("hosts", "Hosts in the discovered topology"))?,
            snapshot_buffered_packets: IntGaugeVec::new(
                opts(
                    "snapshot_buffered_packets",
                    "Packets buffered by the snapshot app",
                ),
                &["service"],
            )?,
            snapshot_buffered_bytes: IntGaugeVec::new(
                opts(
                    "snapshot_buffered_bytes",
                    "Bytes buffered by the snapshot app",
                ),
                &["service"],
            )?,
            snapshot_type3_total: IntCounterVec::new(
                opts(
                    "snapshot_type3_total",
                    "Type-3 packets seen during a snapshot",
                ),
                &["service", "policy"],
            )?,
            snapshot_phase_seconds: HistogramVec::new(
                hopts(
                    "snapshot_phase_seconds",
                    "Duration of snapshot phases",
                    phase_buckets(),
                ),
                &["phase"],
            )?,
            registry,
            declared: Vec::new(),
        };
        m.register_all()?;
        m.declared = m.declarations();
        Ok(m)
    }

    fn register_all(&self) -> Result<(), MetricsError> {
        let r = &self.registry;
        r.register(Box::new(self.switches_connected.clone()))?;
        r.register(Box::new(self.messages_received_total.clone()))?;
        r.register(Box::new(self.messages_sent_total.clone()))?;
        r.register(Box::new(self.packet_in_total.clone()))?;
        r.register(Box::new(self.echo_rtt_seconds.clone()))?;
        r.register(Box::new(self.app_handle_seconds.clone()))?;
        r.register(Box::new(self.app_panics_total.clone()))?;
        r.register(Box::new(self.decode_errors_total.clone()))?;
        r.register(Box::new(self.links.clone()))?;
        r.register(Box::new(self.hosts.clone()))?;
        r.register(Box::new(self.snapshot_buffered_packets.clone()))?;
        r.register(Box::new(self.snapshot_buffered_bytes.clone()))?;
        r.register(Box::new(self.snapshot_type3_total.clone()))?;
        r.register(Box::new(self.snapshot_phase_seconds.clone()))?;
        Ok(())
    }

    fn declarations(&self) -> Vec<(String, String, &'static str)> {
        use prometheus::core::Collector;
        let typed: [(&dyn Collector, &'static str); 13] = [
            (&self.switches_connected, "gauge"),
            (&self.messages_received_total, "counter"),
            (&self.messages_sent_total, "counter"),
            (&self.packet_in_total, "counter"),
            (&self.echo_rtt_seconds, "histogram"),
            (&self.app_handle_seconds, "histogram"),
            (&self.decode_errors_total, "counter"),
            (&self.links, "gauge"),
            (&self.hosts, "gauge"),
            (&self.snapshot_buffered_packets, "gauge"),
            (&self.snapshot_buffered_bytes, "gauge"),
            (&self.snapshot_type3_total, "counter"),
            (&self.snapshot_phase_seconds, "histogram"),
        ];
        typed
            .iter()
            .flat_map(|(c, t)| {
                c.desc()
                    .into_iter()
                    .map(|d| (d.fq_name.clone(), d.help.clone(), *t))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The registry holding these metrics; apps may register their own collectors here.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Prometheus text exposition of everything in this registry.
    pub fn encode_text(&self) -> String {
        let families = self.registry.gather();
        let mut buf = Vec::new();
        // TextEncoder only fails on an I/O error of the writer (a Vec never fails) or on
        // malformed families, which registration already rejected; render what we have.
        if let Err(e) = TextEncoder::new().encode(&families, &mut buf) {
            tracing::warn!("encoding metrics failed: {e}");
        }
        let mut text = String::from_utf8_lossy(&buf).into_owned();
        // The registry leaves out families without series; declare them so that scrapers
        // and `curl | grep` see every SPEC name from the start.
        for (name, help, kind) in &self.declared {
            if !families.iter().any(|f| f.name() == name) {
                text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
            }
        }
        text
    }
}

static METRICS: OnceLock<Metrics> = OnceLock::new();

/// The process-wide metric set.
pub fn metrics() -> &'static Metrics {
    METRICS.get_or_init(|| match Metrics::new() {
        Ok(m) => m,
        // Unreachable unless the static definitions above are wrong (duplicate names, bad
        // label names); tests catch that, so a panic here is a build-time bug.
        Err(e) => panic!("{e}"),
    })
}

/// Text exposition of the process-wide registry (what `GET /metrics` returns).
pub fn encode_text() -> String {
    metrics().encode_text()
}

/// Prometheus text exposition of another registry (e.g. a controller's app metrics).
pub fn encode_registry(registry: &Registry) -> String {
    let mut buf = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&registry.gather(), &mut buf) {
        tracing::warn!("encoding metrics failed: {e}");
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Content type of [`encode_text`] output.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_metric_is_declared_before_use() {
        let m = Metrics::new().expect("metric definitions are valid");
        let text = m.encode_text();
        for name in METRIC_NAMES {
            let full = format!("# TYPE viola_{name} ");
            assert!(text.contains(&full), "missing {full} in\n{text}");
        }
        assert!(text.contains("# TYPE viola_echo_rtt_seconds histogram"));
        assert!(text.contains("# TYPE viola_snapshot_type3_total counter"));
    }

    #[test]
    fn every_spec_metric_is_exposed() {
        let m = Metrics::new().expect("metric definitions are valid");
        // Vec metrics only appear once a label set exists; touch one of each.
        m.messages_received_total
            .with_label_values(&["HELLO"])
            .inc();
        m.messages_sent_total.with_label_values(&["HELLO"]).inc();
        m.packet_in_total
            .with_label_values(&["0000000000000001"])
            .inc();
        m.app_handle_seconds
            .with_label_values(&["hub"])
            .observe(1e-6);
        m.snapshot_buffered_packets
            .with_label_values(&["svc"])
            .set(3);
        m.snapshot_buffered_bytes
            .with_label_values(&["svc"])
            .set(300);
        m.snapshot_type3_total
            .with_label_values(&["svc", "buffer"])
            .inc();
        m.snapshot_phase_seconds
            .with_label_values(&["pause"])
            .observe(0.5);
        let text = m.encode_text();
        for name in METRIC_NAMES {
            let full = format!("# TYPE viola_{name} ");
            assert!(text.contains(&full), "missing {full} in\n{text}");
        }
    }

    #[test]
    fn app_handle_buckets_resolve_microseconds() {
        let b = app_handle_buckets();
        let under_10us = b.iter().filter(|&&x| x <= 10e-6).count();
        assert!(
            under_10us >= 5,
            "only {under_10us} buckets at or below 10 µs"
        );
        assert!(b.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn global_registry_is_shared() {
        metrics().decode_errors_total.inc();
        assert!(encode_text().contains("viola_decode_errors_total"));
        assert!(std::ptr::eq(metrics(), metrics()));
    }
}
