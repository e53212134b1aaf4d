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
use super::diag::Evidence;
use super::pcap::{self, Frame, TCP_SYN};
use super::snaplab::{SnapLab, SnapLabConfig};
use super::udp::unix_now;
use super::ExperimentError;
use viola_lab::OfVersions;

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
    /// Also cap the sender's TCP pacing at the target rate (iperf3 `--fq-rate`), as a
    /// rate-limited virtual NIC would (default). Without it iperf3 catches up at line rate
    /// after a stall, faster than the userspace datapath forwards on a small machine, and
    /// the runs measure that congestion too (docs/src/experiments.md).
    pub paced: bool,
    pub of: OfVersions,
    /// Topology SPEC; hosts h1 (sender) and h2 (receiver) must exist.
    pub topo: String,
    /// Lab run directory (private OVS daemons, captures).
    pub run_dir: PathBuf,
    /// Lab name prefix (≤ 5 characters).
    pub prefix: String,
    /// Runs of each (policy, skew) pair (at least 1).
    pub repeat: usize,
    /// Keep evidence of every run in this directory: captures at both hosts (both
    /// directions) and of the OpenFlow channel, and Open vSwitch's counters before and
    /// after (see [`diag`](super::diag)).
    pub diag: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            skews: vec![1.0, 2.0, 4.0],
            policies: vec![Policy::Buffer, Policy::Drop],
            lead: 2.0,
            tail: 5.0,
            rate_mbit: 50,
            paced: true,
            of: OfVersions::V13,
            topo: "single,2".into(),
            run_dir: PathBuf::from("/run/viola-skew"),
            prefix: "vsx-".into(),
            repeat: 1,
            diag: None,
        }
    }
}

/// One (skew, policy) run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub skew: f64,
    pub policy: Policy,
    /// Which repetition of the (skew, policy) pair this is (0-based).
    pub rep: usize,
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
    /// Frames the kernel dropped because Open vSwitch's packet socket on the sender's
    /// switch port was full (`ss -0 -m`, `skmem` `d`): the userspace datapath did not read
    /// them in time. No OpenFlow or OVS port counter shows these.
    pub ovs_socket_drops_from_sender: Option<u64>,
    /// Segments the sender retransmitted during the run (`TcpRetransSegs` in h1).
    pub sender_retransmits: Option<u64>,
    /// Retransmission timeouts of the sender after the receiver's REINJECT (or, with
    /// `drop`, after its ADVANCE) (`TcpExtTCPTimeouts` in h1).
    pub sender_timeouts_after: Option<u64>,
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

    /// Every stall of this skew and policy, in run order.
    pub fn stalls(&self, skew: f64, policy: Policy) -> Vec<f64> {
        self.runs
            .iter()
            .filter(|r| r.policy == policy && (r.skew - skew).abs() < 1e-9)
            .map(|r| r.stall)
            .collect()
    }

    /// The skews of the report, in first-run order.
    pub fn skews(&self) -> Vec<f64> {
        let mut out: Vec<f64> = Vec::new();
        for r in &self.runs {
            if !out.iter().any(|s| (s - r.skew).abs() < 1e-9) {
                out.push(r.skew);
            }
        }
        out
    }

    /// A markdown table of every run.
    pub fn markdown_table(&self) -> String {
        let mut s = String::from(
            "| skew (s) | policy | run | stall (s) | delivered (MB) | Type-3 | buffered | dropped | overflow | re-injected | OVS packet-in drops | OVS socket drops h1 | h1 retransmits | h1 RTOs after REINJECT |\n\
             |---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for r in &self.runs {
            let c = |k: &str| r.counts[k].as_u64().unwrap_or(0);
            s.push_str(&format!(
                "| {} | {} | {} | {:.2} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                r.skew,
                r.policy.as_str(),
                r.rep + 1,
                r.stall,
                r.bytes as f64 / 1e6,
                c("type3"),
                c("buffered"),
                c("dropped_policy"),
                c("dropped_overflow"),
                c("reinjected"),
                opt(r.ovs_packet_in_overflow),
                opt(r.ovs_socket_drops_from_sender),
                opt(r.sender_retransmits),
                opt(r.sender_timeouts_after),
            ));
        }
        s
    }

    /// A markdown table of the stall per skew and policy over the repetitions: min, median,
    /// max.
    pub fn summary_table(&self) -> String {
        let mut s = String::from(
            "| skew (s) | policy | runs | stall min (s) | median (s) | max (s) |\n|---:|---|---:|---:|---:|---:|\n",
        );
        for skew in self.skews() {
            for policy in [Policy::Buffer, Policy::Drop] {
                let v = self.stalls(skew, policy);
                if let Some((min, med, max)) = min_median_max(&v) {
                    s.push_str(&format!(
                        "| {skew} | {} | {} | {min:.2} | {med:.2} | {max:.2} |\n",
                        policy.as_str(),
                        v.len()
                    ));
                }
            }
        }
        s
    }
}

/// (min, median, max) of a non-empty sample.
pub fn min_median_max(v: &[f64]) -> Option<(f64, f64, f64)> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let hi = *v.get(n / 2)?;
    let med = if n % 2 == 1 {
        hi
    } else {
        (*v.get(n / 2 - 1)? + hi) / 2.0
    };
    Some((*v.first()?, med, *v.last()?))
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
    for rep in 0..opts.repeat.max(1) {
        for &policy in &opts.policies {
            let service = format!("skew-{}", policy.as_str());
            lab.register(&service, policy.as_str(), &["h1", "h2"], false, None)?;
            for &skew in &opts.skews {
                let r = one_run(&lab, opts, &service, policy, skew, rep)?;
                tracing::info!(
                    target: "viola::experiment",
                    "skew {skew} s, {}, run {rep}: stall {:.2} s", policy.as_str(), r.stall
                );
                runs.push(r);
            }
            lab.unregister(&service)?;
        }
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
    rep: usize,
) -> Result<Run, ExperimentError> {
    let before = lab.status(service)?["counts"].clone();
    let ovs_before = ovs_drops(lab);
    let sock_before = socket_drops(lab, "h1");
    let tcp_before = tcp_counters(lab, "h1");
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
    let tag = format!("skew-{}-{skew}-{rep}", policy.as_str());
    let (path, filter) = match &opts.diag {
        // Both directions (the receiver's ACKs too) in the kept capture.
        Some(d) => (
            d.join(format!("{tag}-h2.pcap")),
            format!("tcp port {IPERF_PORT}"),
        ),
        None => (
            opts.run_dir.join(format!("{tag}.pcap")),
            format!("tcp and dst host {dst} and dst port {IPERF_PORT}"),
        ),
    };
    let capture = Capture::start(lab.lab(), "h2", &filter, SNAPLEN, &path)?;
    let evidence = match &opts.diag {
        Some(d) => Some(Evidence::start(lab, d, &tag, IPERF_PORT)?),
        None => None,
    };
    std::thread::sleep(Duration::from_millis(300));
    let secs = (opts.lead + skew + opts.tail).ceil() as u64;
    let mut client = spawn(
        "h1",
        &format!(
            "iperf3 -c {dst} -p {IPERF_PORT} -t {secs} -b {rate}M --connect-timeout 3000{}",
            if opts.paced {
                format!(" --fq-rate {}M", opts.rate_mbit)
            } else {
                String::new()
            },
            rate = opts.rate_mbit
        ),
    )?;
    let start = Instant::now();
    sleep_until(start + Duration::from_secs_f64(opts.lead));
    let ss_before = evidence.as_ref().map(|_| tcp_info(lab, "h1"));
    lab.start_epoch(service)?;
    let t_adv1 = Instant::now();
    let adv1_at = unix_now();
    lab.advance(service, "h1")?;
    let adv1_ms = t_adv1.elapsed().as_secs_f64() * 1e3;
    sleep_until(t_adv1 + Duration::from_secs_f64(skew));
    let t_adv2 = Instant::now();
    let adv2_at = unix_now();
    let adv2 = lab.advance(service, "h2")?;
    let adv2_ms = t_adv2.elapsed().as_secs_f64() * 1e3;
    let rein2 = lab.reinject(service, "h2")?;
    let rein2_at = unix_now();
    let rein1 = lab.reinject(service, "h1")?;
    let tcp_resumed = tcp_counters(lab, "h1");
    // The sender's RTT estimate and RTO right after the re-injected window was acknowledged.
    let ss_after = evidence.as_ref().map(|_| {
        std::thread::sleep(Duration::from_millis(20));
        tcp_info(lab, "h1")
    });
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
    if let Some(e) = evidence {
        let notes = format!(
            "h1 TCP before the snapshot:\n{}\nh1 TCP 20 ms after REINJECT:\n{}\nadvance h1 at {adv1_at:.6} ({adv1_ms:.3} ms)\nadvance h2 at {adv2_at:.6}: {adv2}\nreinject h2 answered at {rein2_at:.6}: {rein2}\nreinject h1: {rein1}\nclient ended at {end_at:.6}\nstatus: {}",
            ss_before.unwrap_or_default(),
            ss_after.unwrap_or_default(),
            lab.status(service)?
        );
        e.finish(lab, &notes)?;
    }
    let after = lab.status(service)?["counts"].clone();
    let ovs_after = ovs_drops(lab);
    let sock_after = socket_drops(lab, "h1");
    let tcp_after = tcp_counters(lab, "h1");
    let delta = |a: Option<u64>, b: Option<u64>| Some(a?.saturating_sub(b?));
    let progress = progress(&frames, IPERF_PORT, adv1_at);
    let (stall, stall_from) = longest_stall(&progress, end_at - adv1_at);
    let bytes = progress.last().map_or(0, |p| p.1);
    // Kept to 0.1 ms (the capture's timestamps are µs, the plot's resolution far coarser).
    let progress = thin(progress, THIN_S)
        .into_iter()
        .map(|(t, b)| ((t * 1e4).round() / 1e4, b))
        .collect();
    Ok(Run {
        skew,
        policy,
        rep,
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
        ovs_socket_drops_from_sender: delta(sock_after, sock_before),
        sender_retransmits: delta(tcp_after.0, tcp_before.0),
        sender_timeouts_after: delta(tcp_after.1, tcp_resumed.1),
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

/// Drops of Open vSwitch's packet socket on `host`'s switch port (`skmem` `d` of
/// `ss -0 -a -m -n -p`), `None` if not found.
fn socket_drops(lab: &SnapLab, host: &str) -> Option<u64> {
    let h = lab.host(host).ok()?;
    let ifname = format!("{}-eth{}", h.bridge, h.port);
    let out = std::process::Command::new("ss")
        .args(["-0", "-a", "-m", "-n", "-p"])
        .output()
        .ok()?;
    skmem_drops(&String::from_utf8_lossy(&out.stdout), &ifname)
}

/// The `d` field of `skmem:(…)` on the line of `ss -0 -m -p` output for the socket
/// bound to `ifname` and owned by `ovs-vswitchd`.
fn skmem_drops(text: &str, ifname: &str) -> Option<u64> {
    let bound = format!(":{ifname} ");
    let line = text
        .lines()
        .find(|l| l.contains(&bound) && l.contains("ovs-vswitchd"))?;
    let skmem = line.split("skmem:(").nth(1)?.split(')').next()?;
    skmem
        .split(',')
        .find_map(|f| f.strip_prefix('d'))
        .and_then(|n| n.parse().ok())
}

/// `ss -tin` of the iperf3 connections in `host` (rtt, rto, cwnd…).
fn tcp_info(lab: &SnapLab, host: &str) -> String {
    let argv: Vec<String> = ["ss", "-tin", "dport", "=", ":5201"]
        .map(String::from)
        .to_vec();
    lab.lab()
        .exec_output(host, &argv)
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_else(|e| format!("(ss failed: {e})"))
}

/// (`TcpRetransSegs`, `TcpExtTCPTimeouts`) of `host`'s namespace.
fn tcp_counters(lab: &SnapLab, host: &str) -> (Option<u64>, Option<u64>) {
    let argv: Vec<String> = ["nstat", "-asz", "TcpRetransSegs", "TcpExtTCPTimeouts"]
        .map(String::from)
        .to_vec();
    let Ok(out) = lab.lab().exec_output(host, &argv) else {
        return (None, None);
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |name: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
    };
    (get("TcpRetransSegs"), get("TcpExtTCPTimeouts"))
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
    fn min_median_max_of_odd_and_even_samples() {
        assert_eq!(min_median_max(&[3.0, 1.0, 2.0]), Some((1.0, 2.0, 3.0)));
        assert_eq!(min_median_max(&[4.0, 1.0, 2.0, 3.0]), Some((1.0, 2.5, 4.0)));
        assert_eq!(min_median_max(&[]), None);
    }

    #[test]
    fn reads_socket_drops_of_ss() {
        let text = "Netid State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n\
            p_raw UNCONN 0 0 *:vsx-s1-eth1 * users:((\"ovs-vswitchd\",pid=9,fd=43)) skmem:(r0,rb212992,t0,tb212992,f0,w0,o176,bl0,d16322)\n\
            p_raw UNCONN 0 0 *:vsx-s1-eth10 * users:((\"ovs-vswitchd\",pid=9,fd=44)) skmem:(r0,rb212992,t0,tb212992,f0,w0,o176,bl0,d7)\n";
        assert_eq!(skmem_drops(text, "vsx-s1-eth1"), Some(16322));
        assert_eq!(skmem_drops(text, "vsx-s1-eth10"), Some(7));
        assert_eq!(skmem_drops(text, "vsx-s1-eth2"), None);
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
