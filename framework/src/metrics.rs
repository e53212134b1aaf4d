//! Prometheus metrics (docs/src/metrics.md; every name prefixed `viola_`).
//!
//! The runtime's own metrics are in one registry per process, created on first use: the
//! runtime and the REST API update the fields of [`metrics()`]. Apps' metrics are per
//! controller, in an [`AppMetrics`] they register in through
//! [`crate::declare::Setup`]. `GET /metrics` serves [`encode_text()`] and then the
//! controller's [`AppMetrics::encode_text`].

use std::sync::{Arc, Mutex, OnceLock};

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts,
    Registry, TextEncoder,
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
        Ok(())
    }

    fn declarations(&self) -> Vec<(String, String, &'static str)> {
        use prometheus::core::Collector;
        let typed: [(&dyn Collector, &'static str); 7] = [
            (&self.switches_connected, "gauge"),
            (&self.messages_received_total, "counter"),
            (&self.messages_sent_total, "counter"),
            (&self.packet_in_total, "counter"),
            (&self.echo_rtt_seconds, "histogram"),
            (&self.app_handle_seconds, "histogram"),
            (&self.decode_errors_total, "counter"),
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
        encode(&self.registry, &self.declared)
    }
}

/// A metric family: full name, help, Prometheus type.
type Declaration = (String, String, &'static str);

/// The text exposition of `registry`, with a `# TYPE` line for every declared family that
/// has no series yet (the registry leaves those out), so that scrapers and `curl | grep`
/// see every name from the start.
fn encode(registry: &Registry, declared: &[Declaration]) -> String {
    let families = registry.gather();
    let mut buf = Vec::new();
    // TextEncoder only fails on an I/O error of the writer (a Vec never fails) or on
    // malformed families, which registration already rejected; render what we have.
    if let Err(e) = TextEncoder::new().encode(&families, &mut buf) {
        tracing::warn!("encoding metrics failed: {e}");
    }
    let mut text = String::from_utf8_lossy(&buf).into_owned();
    for (name, help, kind) in declared {
        if !families.iter().any(|f| f.name() == name) {
            text.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        }
    }
    text
}

/// The metrics of one controller's apps (see [`crate::declare::Setup`]): a registry of
/// their own, served by `GET /metrics` after the framework's, and the families declared in
/// it.
#[derive(Clone, Default)]
pub struct AppMetrics {
    registry: Registry,
    declared: Arc<Mutex<Vec<Declaration>>>,
}

impl AppMetrics {
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Registers `collector`, declared as a family of `kind` (`counter`, `gauge`,
    /// `histogram`).
    pub fn register(
        &self,
        collector: Box<dyn prometheus::core::Collector>,
        kind: &'static str,
    ) -> Result<(), prometheus::Error> {
        let names: Vec<Declaration> = collector
            .desc()
            .into_iter()
            .map(|d| (d.fq_name.clone(), d.help.clone(), kind))
            .collect();
        self.registry.register(collector)?;
        self.declared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(names);
        Ok(())
    }

    /// Prometheus text exposition of the apps' metrics.
    pub fn encode_text(&self) -> String {
        let declared = self
            .declared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        encode(&self.registry, &declared)
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
        assert!(text.contains("# TYPE viola_messages_sent_total counter"));
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
