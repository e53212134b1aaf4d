//! The run's results: the cbench-style text and the `--json` document.

use std::fmt::Write as _;

use super::stats::{summarize, Histogram, Summary};
use super::{BenchConfig, BenchMode};

/// Per-response latency figures (latency mode), in microseconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LatencyReport {
    pub samples: u64,
    /// Probes given up after 1 s without an answer.
    pub timeouts: u64,
    pub mean_us: f64,
    pub p50_us: f64,
    pub p90_us: f64,
    pub p99_us: f64,
    pub max_us: f64,
}

impl LatencyReport {
    pub fn from_histogram(h: &Histogram, timeouts: u64) -> Self {
        let us = |d: std::time::Duration| d.as_nanos() as f64 / 1000.0;
        LatencyReport {
            samples: h.len(),
            timeouts,
            mean_us: us(h.mean()),
            p50_us: us(h.quantile(0.50)),
            p90_us: us(h.quantile(0.90)),
            p99_us: us(h.quantile(0.99)),
            max_us: us(h.max()),
        }
    }
}

/// Controller memory per connected switch (connections mode).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConnectionReport {
    pub controller_pid: u32,
    pub switches: usize,
    pub rss_before_kib: u64,
    pub rss_after_kib: u64,
    pub kib_per_switch: f64,
}

impl ConnectionReport {
    pub fn new(pid: u32, switches: usize, before: u64, after: u64) -> Self {
        ConnectionReport {
            controller_pid: pid,
            switches,
            rss_before_kib: before,
            rss_after_kib: after,
            kib_per_switch: after.saturating_sub(before) as f64 / switches.max(1) as f64,
        }
    }
}

/// Everything a run measured (`viola bench --json` prints this).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BenchReport {
    pub mode: BenchMode,
    pub of_version: openflow::Version,
    pub switches: usize,
    pub macs: u32,
    pub duration_s: f64,
    pub warmup_s: f64,
    /// Time to connect, handshake and learn every switch.
    pub setup_s: f64,
    /// Switches whose gratuitous ARP got no answer.
    pub unlearned: usize,
    /// Responses per second of each test loop.
    pub loops: Vec<f64>,
    pub summary: Summary,
    /// Counted responses since probing began (warm-up included).
    pub responses: u64,
    pub flow_mods: u64,
    pub packet_outs: u64,
    /// PACKET_IN probes queued.
    pub packet_ins: u64,
    /// Responses per second, second by second (warm-up included).
    pub per_second: Vec<f64>,
    pub latency: Option<LatencyReport>,
    pub connections: Option<ConnectionReport>,
    /// Throughput and latency modes with `--controller-pid`: the controller's resident
    /// memory at the end of each loop, in KiB (a long run shows whether it grows).
    #[serde(default)]
    pub rss_kib_per_loop: Vec<u64>,
}

impl BenchReport {
    pub(super) fn new(cfg: &BenchConfig, setup_s: f64, unlearned: usize) -> Self {
        BenchReport {
            mode: cfg.mode,
            of_version: cfg.version,
            switches: cfg.switches,
            macs: cfg.macs,
            duration_s: cfg.duration.as_secs_f64(),
            warmup_s: cfg.warmup.as_secs_f64(),
            setup_s,
            unlearned,
            loops: Vec::new(),
            summary: summarize(&[]),
            responses: 0,
            flow_mods: 0,
            packet_outs: 0,
            packet_ins: 0,
            per_second: Vec::new(),
            latency: None,
            connections: None,
            rss_kib_per_loop: Vec::new(),
        }
    }

    pub(super) fn finish(
        &mut self,
        responses: u64,
        flow_mods: u64,
        packet_outs: u64,
        packet_ins: u64,
    ) {
        self.summary = summarize(&self.loops);
        self.responses = responses;
        self.flow_mods = flow_mods;
        self.packet_outs = packet_outs;
        self.packet_ins = packet_ins;
    }

    /// cbench's summary line.
    pub fn result_line(&self) -> String {
        let s = &self.summary;
        format!(
            "RESULT: {} switches {} tests min/max/avg/stdev = {:.2}/{:.2}/{:.2}/{:.2} responses/s",
            self.switches,
            self.loops.len(),
            s.min,
            s.max,
            s.avg,
            s.stdev
        )
    }

    /// The closing text: summary line, counts, latency or memory figures.
    pub fn render_text(&self) -> String {
        let mut t = String::new();
        if let Some(c) = &self.connections {
            let _ = writeln!(
                t,
                "RESULT: {} switches connected in {:.2} s; controller (pid {}) RSS {} KiB -> {} KiB: {:.1} KiB per switch",
                c.switches, self.setup_s, c.controller_pid, c.rss_before_kib, c.rss_after_kib, c.kib_per_switch
            );
            return t;
        }
        let _ = writeln!(t, "{}", self.result_line());
        let _ = writeln!(
            t,
            "responses {} (flow_mods {}, packet_outs {}) for {} packet_ins",
            self.responses, self.flow_mods, self.packet_outs, self.packet_ins
        );
        if let Some(l) = &self.latency {
            let _ = writeln!(
                t,
                "latency p50/p90/p99/max = {:.1}/{:.1}/{:.1}/{:.1} us over {} responses ({} timeouts)",
                l.p50_us, l.p90_us, l.p99_us, l.max_us, l.samples, l.timeouts
            );
        }
        if let (Some(first), Some(last)) =
            (self.rss_kib_per_loop.first(), self.rss_kib_per_loop.last())
        {
            let max = self.rss_kib_per_loop.iter().max().unwrap_or(last);
            let _ = writeln!(
                t,
                "controller RSS at the end of loop 1/max/last = {first}/{max}/{last} KiB"
            );
        }
        if self.unlearned > 0 {
            let _ = writeln!(
                t,
                "warning: {} switches got no answer to their gratuitous ARP",
                self.unlearned
            );
        }
        t
    }
}
