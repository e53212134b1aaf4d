//! The GENI-VIOLIN TCP-stall microbenchmark: a TCP stream (iperf3, h1 → h2) runs while a
//! snapshot advances the sender `skew` seconds before the receiver; Type-3 packets (h1 after
//! its advance → h2 before its own) are dropped or buffered and re-injected. The receiver's
//! byte progress is read from a capture at h2 (highest TCP sequence byte seen, so
//! retransmissions do not count twice), and the **stall** of a run is the longest time with
//! no new byte arriving.
//!
//! Timeline of one run (seconds from the stream's start): `lead` s of stream, start epoch +
//! ADVANCE h1, `skew` s later ADVANCE h2 and REINJECT h2, then `tail` s more.

use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::capture::Capture;
use super::pcap::{self, Frame, TCP_SYN};
use super::snaplab::{SnapLab, SnapLabConfig};
use super::udp::unix_now;
use super::ExperimentError;
use crate::lab::OfVersions;

/// Port of the iperf3 server.
const IPERF_PORT: u16 = 5201;
/// Spacing of the progress points kept in a [`Run`] (the stall is computed on all of them).
const THIN_S: f64 = 0.005;
/// Bytes of each packet the capture keeps (headers only).
const SNAPLEN: u32 = 96;

/// What happens to Type-3 packets in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    Buffer,
    Drop,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Buffer => "buffer",
            Policy::Drop => "drop",
        }
    }

    pub fn parse(s: &str) -> Option<Policy> {
        match s.trim() {
            "buffer" => Some(Policy::Buffer),
            "drop" => Some(Policy::Drop),
            _ => None,
        }
    }
}

/// Options of [`run`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Sender-to-receiver advance skews, seconds.
    pub skews: Vec<f64>,
    pub policies: Vec<Policy>,
    /// Seconds of stream before the sender advances.
    pub lead: f64,
    /// Seconds of stream after the receiver advances.
    pub tail: f64,
    /// iperf3 target rate (`-b`), Mbit/s.
    pub rate_mbit: u32,
    pub of: OfVersions,
    /// Topology SPEC; hosts h1 (sender) and h2 (receiver) must exist.
    pub topo: String,
    /// Lab run directory (private OVS daemons, captures).
    pub run_dir: PathBuf,
    /// Lab name prefix (≤ 5 characters).
    pub prefix: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            skews: vec![1.0, 2.0, 4.0],
            policies: vec![Policy::Buffer, Policy::Drop],
            lead: 2.0,
            tail: 5.0,
            rate_mbit: 50,
            of: OfVersions::V13,
            topo: "single,2".into(),
            run_dir: PathBuf::from("/run/viola-skew"),
            prefix: "vsx-".into(),
        }
    }
}

/// One (skew, policy) run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub skew: f64,
    pub policy: Policy,
    /// (seconds since the sender's ADVANCE, bytes delivered to h2 so far), one point per
    /// increase.
    pub progress: Vec<(f64, u64)>,
    /// Longest period without a new byte at h2, seconds.
    pub stall: f64,
    /// When the stall began, seconds since the sender's ADVANCE.
    pub stall_from: f64,
    /// The receiver's ADVANCE, seconds since the sender's (the measured skew).
    pub receiver_advance: f64,
    /// Seconds the sender's and the receiver's ADVANCE calls took.
    pub advance_ms: (f64, f64),
    /// Bytes delivered to h2 over the whole stream.
    pub bytes: u64,
    /// The service's counters after the run (`type3`, `buffered`, `dropped_policy`, …),
    /// this run only.
    pub counts: Value,
    /// Losses inside Open vSwitch during the run: packet-ins it dropped because its queue
    /// to the controller was full (coverage counter `rconn_overflow`), and packets it could
    /// not send out of the receiver's port (port stats `tx_dropped`). `None` if unreadable.
    pub ovs_packet_in_overflow: Option<u64>,
    pub ovs_tx_dropped_to_receiver: Option<u64>,
    /// Packets the sender's switch port dropped on receive (port stats `rx_dropped`).
    pub ovs_rx_dropped_from_sender: Option<u64>,
}

/// All runs.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub runs: Vec<Run>,
    pub rate_mbit: u32,
    pub of: String,
    pub topo: String,
}

impl Report {
    /// The stall of the run with this skew and policy.
    pub fn stall(&self, skew: f64, policy: Policy) -> Option<f64> {
        self.runs
            .iter()
            .find(|r| r.policy == policy && (r.skew - skew).abs() < 1e-9)
            .map(|r| r.stall)
    }

    /// A markdown table of every run.
    pub fn markdown_table(&self) -> String {
        let mut s = String::from(
            "| skew (s) | policy | stall (s) | delivered (MB) | Type-3 | buffered | dropped | overflow | re-injected | OVS packet-in drops | OVS rx drops h1 | OVS tx drops h2 |\n\
             |---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for r in &self.runs {
            let c = |k: &str| r.counts[k].as_u64().unwrap_or(0);
            s.push_str(&format!(
                "| {} | {} | {:.2} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.skew,
                r.policy.as_str(),
                r.stall,
                r.bytes as f64 / 1e6,
                c("type3"),
                c("buffered"),
                c("dropped_policy"),
                c("dropped_overflow"),
                c("reinjected"),
                opt(r.ovs_packet_in_overflow),
                opt(r.ovs_rx_dropped_from_sender),
                opt(r.ovs_tx_dropped_to_receiver),
            ));
        }
        s
    }
}

fn opt(v: Option<u64>) -> String {
    v.map_or_else(|| "?".into(), |n| n.to_string())
}

/// Brings a lab up (see [`SnapLab`]), runs every (policy, skew) pair and takes it down.
/// Needs root, Open vSwitch, tcpdump and iperf3, in a network namespace of its own.
pub fn run(opts: &Options) -> Result<Report, ExperimentError> {
    std::fs::create_dir_all(&opts.run_dir)
        .map_err(|e| ExperimentError::io(format!("create {}", opts.run_dir.display()), e))?;
    let cfg = SnapLabConfig::new(&opts.topo, opts.of, &opts.prefix, opts.run_dir.clone());
    let lab = SnapLab::up(&cfg)?;
    let mut runs = Vec::new();
    for &policy in &opts.policies {
        let service = format!("skew-{}", policy.as_str());
        lab.register(&service, policy.as_str(), &["h1", "h2"], false, None)?;
        for &skew in &opts.skews {
            let r = one_run(&lab, opts, &service, policy, skew)?;
            tracing::info!(
                target: "viola::experiment",
                "skew {skew} s, {}: stall {:.2} s", policy.as_str(), r.stall
            );
            runs.push(r);
        }
        lab.unregister(&service)?;
    }
    lab.down()?;
    Ok(Report {
        runs,
        rate_mbit: opts.rate_mbit,
        of: match opts.of {
            OfVersions::V10 => "1.0".into(),
            _ => "1.3".into(),
        },
        topo: opts.topo.clone(),
    })
}

fn argv(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// Kills and reaps a child on drop.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sleep_until(t: Instant) {
    if let Some(d) = t.checked_duration_since(Instant::now()) {
        std::thread::sleep(d);
    }
}

fn one_run(
    lab: &SnapLab,
    opts: &Options,
    service: &str,
    policy: Policy,
    skew: f64,
) -> Result<Run, ExperimentError> {
    let before = lab.status(service)?["counts"].clone();
    let ovs_before = ovs_drops(lab);
    let dst = lab.host("h2")?.ip.clone();
    let spawn = |host: &str, cmd: &str| -> Result<Reaped, ExperimentError> {
        let mut c = lab.lab().exec_command(host, &argv(cmd))?;
        c.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c.spawn()
            .map(Reaped)
            .map_err(|e| ExperimentError::io(format!("start `{cmd}` in {host}"), e))
    };
    let _server = spawn("h2", &format!("iperf3 -s -1 -p {IPERF_PORT}"))?;
    let path = opts
        .run_dir
        .join(format!("skew-{}-{skew}.pcap", policy.as_str()));
    let capture = Capture::start(
        lab.lab(),
        "h2",
        &format!("tcp and dst host {dst} and dst port {IPERF_PORT}"),
        SNAPLEN,
        &path,
    )?;
    std::thread::sleep(Duration::from_millis(300));
    let secs = (opts.lead + skew + opts.tail).ceil() as u64;
    let mut client = spawn(
        "h1",
        &format!(
            "iperf3 -c {dst} -p {IPERF_PORT} -t {secs} -b {}M --connect-timeout 3000",
            opts.rate_mbit
        ),
    )?;
    let start = Instant::now();
    sleep_until(start + Duration::from_secs_f64(opts.lead));
    lab.start_epoch(service)?;
    let t_adv1 = Instant::now();
    let adv1_at = unix_now();
    lab.advance(service, "h1")?;
    let adv1_ms = t_adv1.elapsed().as_secs_f64() * 1e3;
    sleep_until(t_adv1 + Duration::from_secs_f64(skew));
    let t_adv2 = Instant::now();
    let adv2_at = unix_now();
    lab.advance(service, "h2")?;
    let adv2_ms = t_adv2.elapsed().as_secs_f64() * 1e3;
    lab.reinject(service, "h2")?;
    lab.reinject(service, "h1")?;
    let deadline = start + Duration::from_secs(secs + 20);
    let end_at = loop {
        if let Ok(Some(_)) = client.0.try_wait() {
            break unix_now();
        }
        if Instant::now() > deadline {
            return Err(ExperimentError::Timeout(format!(
                "iperf3 client still runs {} s after its end",
                20
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let frames = capture.stop()?;
    let after = lab.status(service)?["counts"].clone();
    let ovs_after = ovs_drops(lab);
    let delta = |a: Option<u64>, b: Option<u64>| Some(a?.saturating_sub(b?));
    let progress = progress(&frames, IPERF_PORT, adv1_at);
    let (stall, stall_from) = longest_stall(&progress, end_at - adv1_at);
    let bytes = progress.last().map_or(0, |p| p.1);
    let progress = thin(progress, THIN_S);
    Ok(Run {
        skew,
        policy,
        bytes,
        progress,
        stall,
        stall_from,
        receiver_advance: adv2_at - adv1_at,
        advance_ms: (adv1_ms, adv2_ms),
        counts: diff_counts(&before, &after),
        ovs_packet_in_overflow: delta(ovs_after.0, ovs_before.0),
        ovs_tx_dropped_to_receiver: delta(ovs_after.1, ovs_before.1),
        ovs_rx_dropped_from_sender: delta(ovs_after.2, ovs_before.2),
    })
}

/// (`rconn_overflow` coverage count, `tx_dropped` of h2's switch port, `rx_dropped` of
/// h1's) right now.
fn ovs_drops(lab: &SnapLab) -> (Option<u64>, Option<u64>, Option<u64>) {
    let ovs = lab.lab().ovs();
    let overflow = ovs
        .appctl("ovs-vswitchd", &["coverage/read-counter", "rconn_overflow"])
        .ok()
        .and_then(|t| t.trim().parse().ok());
    let port_stats = |host: &str| {
        let h = lab.host(host).ok()?;
        let port = h.port.to_string();
        ovs.ofctl(&["-O", "OpenFlow13"], "dump-ports", &h.bridge, &[&port])
            .ok()
    };
    let tx = port_stats("h2").and_then(|t| dropped(&t, "tx "));
    let rx = port_stats("h1").and_then(|t| dropped(&t, "port "));
    (overflow, tx, rx)
}

/// `drop=N` of the line of `ovs-ofctl dump-ports` output that starts with `prefix` (`tx `
/// for transmit, `port ` for receive).
fn dropped(text: &str, prefix: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.trim_start().starts_with(prefix))?;
    let v = line.split("drop=").nth(1)?;
    v.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// `after - before` for every numeric counter.
fn diff_counts(before: &Value, after: &Value) -> Value {
    let mut out = serde_json::Map::new();
    if let Some(a) = after.as_object() {
        for (k, v) in a {
            if let Some(n) = v.as_u64() {
                let b = before[k].as_u64().unwrap_or(0);
                out.insert(k.clone(), Value::from(n.saturating_sub(b)));
            }
        }
    }
    Value::Object(out)
}

/// Byte progress of the largest TCP flow to `port` in a capture: one point (seconds since
/// `t0`, bytes of sequence space delivered) each time the highest byte seen grows.
pub fn progress(frames: &[Frame], port: u16, t0: f64) -> Vec<(f64, u64)> {
    use std::collections::HashMap;
    // Per source port: initial sequence number, highest end, points.
    /// Initial sequence number, highest end seen, points.
    type Flow = (u32, u64, Vec<(f64, u64)>);
    let mut flows: HashMap<u16, Flow> = HashMap::new();
    for f in frames {
        let Some(t) = pcap::tcp(&f.data) else {
            continue;
        };
        if t.dst_port != port {
            continue;
        }
        let e = flows.entry(t.src_port).or_insert_with(|| {
            // The SYN's number, or the first segment's minus one as if a SYN preceded it.
            let isn = if t.flags & TCP_SYN != 0 {
                t.seq
            } else {
                t.seq.wrapping_sub(1)
            };
            (isn, 0, Vec::new())
        });
        let rel = u64::from(t.seq.wrapping_sub(e.0).wrapping_sub(1));
        let end = rel + u64::from(t.len);
        // Sequence numbers far behind are stale wraps: only count plausible growth.
        if t.len > 0 && end > e.1 {
            e.1 = end;
            e.2.push((f.ts - t0, end));
        }
    }
    flows
        .into_values()
        .max_by_key(|f| f.1)
        .map(|f| f.2)
        .unwrap_or_default()
}

/// Keeps the first point, every point at least `dt` after the last kept one (so the first
/// point after a stall is always kept), and the last point.
pub fn thin(points: Vec<(f64, u64)>, dt: f64) -> Vec<(f64, u64)> {
    let last = points.last().copied();
    let mut out: Vec<(f64, u64)> = Vec::new();
    for p in points {
        if out.last().is_none_or(|k| p.0 - k.0 >= dt) {
            out.push(p);
        }
    }
    if let (Some(l), Some(k)) = (last, out.last()) {
        if *k != l {
            out.push(l);
        }
    }
    out
}

/// The longest gap between consecutive increases of `progress`, and when it began; the gap
/// from the last increase to `end` counts too.
pub fn longest_stall(progress: &[(f64, u64)], end: f64) -> (f64, f64) {
    let mut best = (0.0, 0.0);
    for w in progress.windows(2) {
        let gap = w[1].0 - w[0].0;
        if gap > best.0 {
            best = (gap, w[0].0);
        }
    }
    if let Some(last) = progress.last() {
        if end - last.0 > best.0 {
            best = (end - last.0, last.0);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_ends_and_the_point_after_a_gap() {
        let p = vec![(0.0, 1), (0.001, 2), (0.002, 3), (1.0, 4), (1.001, 5)];
        assert_eq!(thin(p, 0.005), vec![(0.0, 1), (1.0, 4), (1.001, 5)]);
        assert!(thin(Vec::new(), 0.005).is_empty());
    }

    #[test]
    fn reads_tx_drops_of_dump_ports() {
        let text = "OFPST_PORT reply (OF1.3) (xid=0x2): 1 ports\n  port  2: rx pkts=10, bytes=900, drop=0, errs=0, frame=0, over=0, crc=0\n           tx pkts=20, bytes=1800, drop=7, errs=0, coll=0\n           duration=3.1s\n";
        assert_eq!(dropped(text, "tx "), Some(7));
        assert_eq!(dropped(text, "port "), Some(0));
        assert_eq!(dropped("nothing", "tx "), None);
    }

    #[test]
    fn stall_is_the_longest_gap_including_the_tail() {
        let p = [(0.0, 10), (0.1, 20), (1.6, 30), (1.7, 40)];
        let (s, from) = longest_stall(&p, 2.0);
        assert!((s - 1.5).abs() < 1e-9 && (from - 0.1).abs() < 1e-9);
        let (s, from) = longest_stall(&p, 5.0);
        assert!((s - 3.3).abs() < 1e-9 && (from - 1.7).abs() < 1e-9);
        assert_eq!(longest_stall(&[], 3.0), (0.0, 0.0));
    }

    #[test]
    fn progress_follows_the_largest_flow_and_ignores_retransmissions() {
        fn seg(sport: u16, seq: u32, flags: u8, len: u16) -> Vec<u8> {
            let mut f = vec![0u8; 12];
            f.extend_from_slice(&[0x08, 0x00]);
            let total = 40 + len;
            f.extend_from_slice(&[
                0x45,
                0,
                (total >> 8) as u8,
                total as u8,
                0,
                0,
                0,
                0,
                64,
                6,
                0,
                0,
            ]);
            f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
            f.extend_from_slice(&sport.to_be_bytes());
            f.extend_from_slice(&IPERF_PORT.to_be_bytes());
            f.extend_from_slice(&seq.to_be_bytes());
            f.extend_from_slice(&[0, 0, 0, 0, 0x50, flags, 0, 0, 0, 0, 0, 0]);
            f
        }
        let fr = |ts: f64, data: Vec<u8>| Frame {
            ts,
            orig_len: data.len() as u32,
            data,
        };
        let frames = vec![
            fr(10.0, seg(1000, u32::MAX - 5, TCP_SYN, 0)), // wraps around
            fr(10.1, seg(1000, u32::MAX - 4, 0x10, 100)),
            fr(10.2, seg(2000, 7, TCP_SYN, 0)), // the small control flow
            fr(10.3, seg(2000, 8, 0x18, 10)),
            fr(10.4, seg(1000, 95, 0x10, 100)),
            fr(10.5, seg(1000, 95, 0x10, 100)), // retransmission: no progress
        ];
        let p = progress(&frames, IPERF_PORT, 10.0);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].1, 100);
        assert_eq!(p[1].1, 200);
        assert!((p[1].0 - 0.4).abs() < 1e-9);
    }
}
