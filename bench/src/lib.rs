//! `viola bench`: a cbench-class load generator.
//!
//! Each emulated switch connects to the controller, completes the handshake (HELLO,
//! FEATURES_REPLY with dpid = offset + i and 256 buffers, switch config, ECHO, BARRIER,
//! DESC and, for 1.3, PORT_DESC), teaches the controller its destination host with a
//! gratuitous ARP entering port 2, then sends PACKET_INs entering port 1 whose source
//! address cycles over M addresses per switch. A FLOW_MOD add / modify-strict or a
//! PACKET_OUT that is not LLDP counts as one response (a controller that sends both for
//! one PACKET_IN is counted twice, as cbench does).
//!
//! - [`BenchMode::Throughput`] keeps 64 KiB of probes queued per switch;
//! - [`BenchMode::Latency`] keeps one probe in flight per switch and records the time to
//!   the response that answers it (matched by buffer id, else by source address);
//! - [`BenchMode::Connections`] only connects, completes the handshakes and idles
//!   (answering echoes), then reports the controller's resident memory per switch.
//!
//! Switches are tokio tasks on the caller's (multi-thread) runtime; frames are encoded
//! once and patched in place, reads and writes are batched.

mod classify;
mod control;
mod frames;
#[cfg(feature = "plot")]
pub mod plot;
mod report;
mod rss;
mod stats;
mod switch;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openflow::{Dpid, Version};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use classify::{classify, Frame, Tag};
pub use frames::{host_mac, source_mac, ProbeTemplate};
pub use report::{BenchReport, ConnectionReport, LatencyReport};
pub use rss::{listener_pid, peak_rss_kib, rss_kib};
pub use stats::{summarize, Histogram, Summary};

use switch::{Counters, Phase, Plan, Shared};

/// What the run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BenchMode {
    Throughput,
    Latency,
    Connections,
}

impl std::str::FromStr for BenchMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "throughput" => Ok(BenchMode::Throughput),
            "latency" => Ok(BenchMode::Latency),
            "connections" => Ok(BenchMode::Connections),
            o => Err(format!(
                "unknown mode `{o}` (throughput, latency or connections)"
            )),
        }
    }
}

impl std::fmt::Display for BenchMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BenchMode::Throughput => "throughput",
            BenchMode::Latency => "latency",
            BenchMode::Connections => "connections",
        })
    }
}

/// A run's parameters (the `viola bench` flags).
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub controller: SocketAddr,
    pub switches: usize,
    /// Source addresses per switch.
    pub macs: u32,
    pub mode: BenchMode,
    pub version: Version,
    /// Length of one test loop.
    pub duration: Duration,
    pub loops: u32,
    /// Probing before the first loop, not counted in the loops.
    pub warmup: Duration,
    /// Switch `i` (0-based) has datapath id `dpid_offset + i`.
    pub dpid_offset: u64,
    /// Connections mode: the controller's PID (found from the listening socket if `None`).
    pub controller_pid: Option<u32>,
    /// Time allowed for every switch to connect, handshake and learn.
    pub setup_timeout: Duration,
    /// Connections mode: time to wait after the last handshake before reading memory.
    pub settle: Duration,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            controller: SocketAddr::from(([127, 0, 0, 1], 6653)),
            switches: 16,
            macs: 100_000,
            mode: BenchMode::Throughput,
            version: Version::V1_0,
            duration: Duration::from_secs(1),
            loops: 10,
            warmup: Duration::from_secs(1),
            dpid_offset: 1,
            controller_pid: None,
            setup_timeout: Duration::from_secs(30),
            settle: Duration::from_secs(2),
        }
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot connect to the controller at {addr}: {reason}")]
    Connect { addr: SocketAddr, reason: String },
    #[error("switch {dpid}: {reason}")]
    Io { dpid: Dpid, reason: String },
    #[error("switch {dpid}: the controller closed the connection")]
    Closed { dpid: Dpid },
    #[error("switch {dpid}: bad framing from the controller: {reason}")]
    Protocol { dpid: Dpid, reason: String },
    #[error("cannot encode a probe: {0}")]
    Encode(String),
    #[error("only {ready} of {total} switches completed the handshake within {timeout:?}")]
    SetupTimeout {
        ready: usize,
        total: usize,
        timeout: Duration,
    },
    #[error("connections mode: cannot read the controller's memory ({0})")]
    NoRss(String),
    #[error("bad configuration: {0}")]
    Config(String),
    #[error("the run was aborted")]
    Aborted,
}

/// One progress report, once a second.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Tick {
    /// Seconds since probing began.
    pub elapsed_s: f64,
    /// `None` during warm-up, else the loop number (1-based).
    pub loop_no: Option<u32>,
    pub responses_per_s: f64,
}

struct Totals {
    responses: u64,
    flow_mods: u64,
    packet_outs: u64,
    packet_ins: u64,
}

fn totals(c: &[Counters]) -> Totals {
    let mut t = Totals {
        responses: 0,
        flow_mods: 0,
        packet_outs: 0,
        packet_ins: 0,
    };
    for x in c {
        t.responses += x.responses.load(Ordering::Relaxed);
        t.flow_mods += x.flow_mods.load(Ordering::Relaxed);
        t.packet_outs += x.packet_outs.load(Ordering::Relaxed);
        t.packet_ins += x.packet_ins.load(Ordering::Relaxed);
    }
    t
}

/// Most handshakes in progress at once (keeps the controller's listen backlog from
/// overflowing in connections mode).
const SETUP_CONCURRENCY: usize = 256;

/// Runs the benchmark; `on_tick` is called once a second while probing.
pub async fn run(
    cfg: &BenchConfig,
    mut on_tick: impl FnMut(&Tick),
) -> Result<BenchReport, BenchError> {
    if cfg.switches == 0 || cfg.switches > u16::MAX as usize {
        return Err(BenchError::Config(format!(
            "--switches must be in 1..=65535, not {}",
            cfg.switches
        )));
    }
    if cfg.mode != BenchMode::Connections && (cfg.loops == 0 || cfg.duration.is_zero()) {
        return Err(BenchError::Config(
            "--loops and --duration must be positive".into(),
        ));
    }
    let plan = Arc::new(Plan {
        controller: cfg.controller,
        version: cfg.version,
        mode: cfg.mode,
        macs: cfg.macs.max(1),
        dpid_offset: cfg.dpid_offset,
    });
    let shared = Arc::new(Shared {
        counters: (0..cfg.switches).map(|_| Counters::default()).collect(),
        ready: AtomicUsize::new(0),
        ready_notify: Notify::new(),
        unlearned: AtomicUsize::new(0),
        setup_permits: Semaphore::new(SETUP_CONCURRENCY),
    });
    let pid = match cfg.mode {
        BenchMode::Connections => Some(
            cfg.controller_pid
                .or_else(|| listener_pid(cfg.controller))
                .ok_or_else(|| {
                    BenchError::NoRss(format!(
                        "no --controller-pid and no visible process listens on {}",
                        cfg.controller
                    ))
                })?,
        ),
        _ => None,
    };
    let rss_before = match pid {
        Some(p) => Some(
            rss_kib(p).ok_or_else(|| BenchError::NoRss(format!("/proc/{p}/status unreadable")))?,
        ),
        None => None,
    };

    let (phase_tx, phase_rx) = watch::channel(Phase::Setup);
    let mut set = JoinSet::new();
    let setup_started = Instant::now();
    for i in 0..cfg.switches {
        set.spawn(switch::run(
            i as u32,
            plan.clone(),
            shared.clone(),
            phase_rx.clone(),
        ));
    }
    let stop = |set: &mut JoinSet<_>| {
        let _ = phase_tx.send(Phase::Stop);
        set.abort_all();
    };

    // Setup: every switch connected, handshaken and learned.
    let setup_deadline = setup_started + cfg.setup_timeout;
    while shared.ready.load(Ordering::Acquire) < cfg.switches {
        tokio::select! {
            _ = shared.ready_notify.notified() => {}
            r = set.join_next() => {
                let err = match r {
                    Some(Ok(Err(e))) => e,
                    Some(Err(_)) | Some(Ok(Ok(_))) | None => BenchError::Aborted,
                };
                stop(&mut set);
                return Err(err);
            }
            _ = tokio::time::sleep_until(setup_deadline) => {
                let ready = shared.ready.load(Ordering::Acquire);
                stop(&mut set);
                return Err(BenchError::SetupTimeout { ready, total: cfg.switches, timeout: cfg.setup_timeout });
            }
        }
    }
    let setup_s = setup_started.elapsed().as_secs_f64();
    let unlearned = shared.unlearned.load(Ordering::Relaxed);
    if unlearned > 0 {
        tracing::warn!(
            unlearned,
            "switches whose gratuitous ARP got no answer: their probes may only flood"
        );
    }

    let mut report = BenchReport::new(cfg, setup_s, unlearned);
    if let (Some(pid), Some(before)) = (pid, rss_before) {
        // Idle with echo on for a while, watching for failures.
        tokio::select! {
            _ = tokio::time::sleep(cfg.settle) => {}
            r = set.join_next() => {
                let err = match r { Some(Ok(Err(e))) => e, _ => BenchError::Aborted };
                stop(&mut set);
                return Err(err);
            }
        }
        let after = rss_kib(pid)
            .ok_or_else(|| BenchError::NoRss(format!("/proc/{pid}/status unreadable")))?;
        report.connections = Some(ConnectionReport::new(pid, cfg.switches, before, after));
        stop(&mut set);
        while set.join_next().await.is_some() {}
        return Ok(report);
    }

    // Probing: warm-up, then the loops, sampled once a second.
    let _ = phase_tx.send(Phase::Probing);
    let t0 = Instant::now();
    let mut failure: Option<BenchError> = None;
    let mut last = 0u64;
    let mut last_at = t0;
    let mut boundaries: Vec<(Option<u32>, Instant)> = Vec::new();
    let mut end = t0;
    if !cfg.warmup.is_zero() {
        end += cfg.warmup;
        boundaries.push((None, end));
    }
    for l in 1..=cfg.loops {
        end += cfg.duration;
        boundaries.push((Some(l), end));
    }
    let mut loop_start_total = 0u64;
    let mut loop_start_at = t0;
    for (loop_no, loop_end) in boundaries {
        if loop_no == Some(1) {
            let _ = phase_tx.send(Phase::Measuring);
            loop_start_total = totals(&shared.counters).responses;
            loop_start_at = Instant::now();
        }
        loop {
            let next = (last_at + Duration::from_secs(1)).min(loop_end);
            tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                r = set.join_next() => {
                    failure = Some(match r { Some(Ok(Err(e))) => e, _ => BenchError::Aborted });
                    break;
                }
            }
            let now = Instant::now();
            let total = totals(&shared.counters).responses;
            let dt = now.saturating_duration_since(last_at).as_secs_f64();
            if dt > 0.0 {
                let tick = Tick {
                    elapsed_s: now.saturating_duration_since(t0).as_secs_f64(),
                    loop_no,
                    responses_per_s: (total - last) as f64 / dt,
                };
                on_tick(&tick);
                report.per_second.push(tick.responses_per_s);
            }
            last = total;
            last_at = now;
            if now >= loop_end {
                break;
            }
        }
        if failure.is_some() {
            break;
        }
        if loop_no.is_some() {
            let now = Instant::now();
            let total = totals(&shared.counters).responses;
            let dt = now.saturating_duration_since(loop_start_at).as_secs_f64();
            report.loops.push(if dt > 0.0 {
                (total - loop_start_total) as f64 / dt
            } else {
                0.0
            });
            if let Some(kib) = cfg.controller_pid.and_then(rss_kib) {
                report.rss_kib_per_loop.push(kib);
            }
            loop_start_total = total;
            loop_start_at = now;
        }
    }
    let _ = phase_tx.send(Phase::Stop);
    if let Some(e) = failure {
        set.abort_all();
        return Err(e);
    }
    let mut latency = Histogram::default();
    let mut timeouts = 0;
    while let Some(r) = set.join_next().await {
        match r {
            Ok(Ok(o)) => {
                latency.merge(&o.latency);
                timeouts += o.timeouts;
            }
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(BenchError::Aborted),
        }
    }
    let t = totals(&shared.counters);
    report.finish(t.responses, t.flow_mods, t.packet_outs, t.packet_ins);
    if cfg.mode == BenchMode::Latency {
        report.latency = Some(LatencyReport::from_histogram(&latency, timeouts));
    }
    Ok(report)
}
