//! Example app ported from Ryu's `simple_monitor_13.py`: every `interval_s` it asks each
//! switch for its port statistics, logs one line per port (as Ryu's monitor prints its
//! table) and exports per-port rates.
//!
//! Ryu's version keeps a dict of datapaths from `EventOFPStateChange` and a `hub.spawn`ed
//! loop that sends `OFPPortStatsRequest` and handles the reply in another handler. Here
//! the loop is a timer ([`Controller::every`]) and the reply is the value of
//! `request(...).await`; the controller knows the switches, so there is no dict to keep.
//! It forwards nothing: run it beside a forwarding app (`--apps
//! topology,l2-learning,simple-monitor`).
//!
//! - `[apps.simple-monitor]`: `interval_s` (default 10);
//! - metrics: `viola_monitor_port_{rx,tx}_{bytes,packets}_per_second{dpid,port}`,
//!   `viola_monitor_polls_total`;
//! - REST: `GET /api/v1/monitor/ports` — the last rates of every port.
#![forbid(unsafe_code)]

mod rates;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use openflow::{port, Dpid, StatsReplyBody, StatsRequest};
use prometheus::{IntCounter, IntGaugeVec};
use viola_framework::declare::{AppError, Declare, Setup};
use viola_framework::{App, Context, Controller, Event, Verdict};

pub use rates::{PortRates, Samples};

// ANCHOR: config
/// `[apps.simple-monitor]`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitorConfig {
    /// Seconds between two polls (Ryu's monitor: 10).
    pub interval_s: f64,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig { interval_s: 10.0 }
    }
}
// ANCHOR_END: config

/// The four rate gauges, labelled `dpid`, `port`.
struct Gauges {
    rx_bytes: IntGaugeVec,
    tx_bytes: IntGaugeVec,
    rx_packets: IntGaugeVec,
    tx_packets: IntGaugeVec,
    polls: IntCounter,
}

/// The port monitor.
pub struct SimpleMonitor {
    interval: Duration,
    samples: Mutex<BTreeMap<Dpid, Samples>>,
    latest: Mutex<BTreeMap<Dpid, BTreeMap<u32, PortRates>>>,
    gauges: Gauges,
}

impl Declare for SimpleMonitor {
    const NAME: &'static str = "simple-monitor";
    type Config = MonitorConfig;

    fn build(config: MonitorConfig, setup: &mut Setup) -> Result<Self, AppError> {
        if !(config.interval_s >= 0.05 && config.interval_s.is_finite()) {
            return Err("interval_s: expected at least 0.05 seconds".into());
        }
        let labels = &["dpid", "port"];
        let mut gauge = |what: &str| {
            setup.gauge_vec(
                &format!("monitor_port_{what}_per_second"),
                &format!(
                    "Port {} per second at the last poll",
                    what.replace('_', " ")
                ),
                labels,
            )
        };
        let gauges = Gauges {
            rx_bytes: gauge("rx_bytes")?,
            tx_bytes: gauge("tx_bytes")?,
            rx_packets: gauge("rx_packets")?,
            tx_packets: gauge("tx_packets")?,
            polls: setup.counter("monitor_polls_total", "Port statistics replies read")?,
        };
        Ok(SimpleMonitor {
            interval: Duration::from_secs_f64(config.interval_s),
            samples: Mutex::default(),
            latest: Mutex::default(),
            gauges,
        })
    }

    fn routes(self: &Arc<Self>, _ctl: Controller) -> Option<Router> {
        Some(
            Router::new()
                .route("/api/v1/monitor/ports", get(show))
                .with_state(Arc::clone(self)),
        )
    }
}

async fn show(State(app): State<Arc<SimpleMonitor>>) -> Json<serde_json::Value> {
    let latest = app.latest();
    let by_dpid: BTreeMap<String, &BTreeMap<u32, PortRates>> =
        latest.iter().map(|(d, r)| (d.to_string(), r)).collect();
    Json(serde_json::json!(by_dpid))
}

impl SimpleMonitor {
    /// The rates of the last poll, per switch and port.
    pub fn latest(&self) -> BTreeMap<Dpid, BTreeMap<u32, PortRates>> {
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    // ANCHOR: poll
    /// One round: port statistics of every connected switch, one after another.
    pub async fn poll(&self, ctl: &Controller) {
        for sw in ctl.switches() {
            let req = StatsRequest::Port { port_no: port::ANY };
            match ctl.request(sw.dpid, &req).await {
                Ok(parts) => {
                    let stats: Vec<_> = parts
                        .into_iter()
                        .flat_map(|p| match p.body {
                            StatsReplyBody::Port(s) => s,
                            _ => Vec::new(),
                        })
                        .collect();
                    self.record(sw.dpid, Instant::now(), &stats);
                }
                Err(e) => tracing::warn!("simple-monitor: port stats of {}: {e}", sw.dpid),
            }
        }
    }
    // ANCHOR_END: poll

    fn record(&self, dpid: Dpid, at: Instant, stats: &[openflow::PortStats]) {
        self.gauges.polls.inc();
        let rates = self
            .samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(dpid)
            .or_default()
            .update(at, stats);
        for (port_no, r) in &rates {
            tracing::info!(
                "simple-monitor: {dpid} port {port_no:>8}: rx {:>10.1} pkt/s {:>12.1} B/s \
                 err {:>4} | tx {:>10.1} pkt/s {:>12.1} B/s err {:>4}",
                r.rx_packets,
                r.rx_bytes,
                r.rx_errors,
                r.tx_packets,
                r.tx_bytes,
                r.tx_errors
            );
            let labels = [dpid.to_string(), port_no.to_string()];
            let labels = [labels[0].as_str(), labels[1].as_str()];
            let g = &self.gauges;
            g.rx_bytes.with_label_values(&labels).set(r.rx_bytes as i64);
            g.tx_bytes.with_label_values(&labels).set(r.tx_bytes as i64);
            g.rx_packets
                .with_label_values(&labels)
                .set(r.rx_packets as i64);
            g.tx_packets
                .with_label_values(&labels)
                .set(r.tx_packets as i64);
        }
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dpid, rates);
    }

    fn forget(&self, dpid: Dpid) {
        self.samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&dpid);
        let ports = self
            .latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&dpid);
        let g = &self.gauges;
        for port_no in ports.unwrap_or_default().keys() {
            let labels = [dpid.to_string(), port_no.to_string()];
            let labels = [labels[0].as_str(), labels[1].as_str()];
            for v in [&g.rx_bytes, &g.tx_bytes, &g.rx_packets, &g.tx_packets] {
                let _ = v.remove_label_values(&labels);
            }
        }
    }
}

// ANCHOR: app
impl App for SimpleMonitor {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// The poll loop: a timer that ends when the controller stops.
    fn start(self: Arc<Self>, ctl: Controller) {
        let me = Arc::downgrade(&self);
        ctl.every(self.interval, move |ctl| {
            let me = me.clone();
            async move {
                if let Some(me) = me.upgrade() {
                    me.poll(&ctl).await;
                }
            }
        });
    }

    fn handle(&self, event: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
        if let Event::SwitchDown(dpid) = *event {
            self.forget(dpid);
        }
        Verdict::Continue
    }
}
// ANCHOR_END: app
