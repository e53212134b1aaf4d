//! One emulated switch: a TCP connection driven by readiness (`try_read` / `try_write`),
//! so one task reads whole batches, answers control messages, counts responses and keeps
//! its output buffer full of precomputed probes, without a per-message allocation.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openflow::header::{frame_len, MAX_MESSAGE_LEN};
use openflow::{hello, Dpid, Version};
use tokio::io::Interest;
use tokio::net::TcpStream;
use tokio::sync::{watch, Notify, Semaphore};
use tokio::time::Instant;

use super::classify::{classify, Frame};
use super::control::{ControlState, Seen};
use super::frames::{gratuitous_arp, host_mac, packet_in, ProbeTemplate, HOST_PORT};
use super::stats::Histogram;
use super::{BenchError, BenchMode};

/// Probe bytes kept queued in throughput mode (cbench keeps its 64 KiB buffer full).
const WINDOW: usize = 64 * 1024;
/// Quiet time after FEATURES_REPLY that ends the handshake of a controller that sends no
/// barrier.
const HANDSHAKE_QUIET: Duration = Duration::from_millis(300);
/// Wait for the answer to the gratuitous ARP before sending it again.
const LEARN_RETRY: Duration = Duration::from_millis(500);
const LEARN_TRIES: u32 = 4;
/// A latency probe without an answer for this long is given up and the next one sent.
const PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Where the run is; switches follow it through a watch channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Connect, handshake, learn the destination; then wait.
    Setup,
    /// Send probes and count responses (warm-up).
    Probing,
    /// As Probing, and record latencies.
    Measuring,
    Stop,
}

/// Counters one switch publishes to the coordinator (its own cache line).
#[derive(Debug, Default)]
#[repr(align(64))]
pub struct Counters {
    pub responses: AtomicU64,
    pub flow_mods: AtomicU64,
    pub packet_outs: AtomicU64,
    pub packet_ins: AtomicU64,
}

/// State shared by the coordinator and every switch.
#[derive(Debug)]
pub struct Shared {
    pub counters: Vec<Counters>,
    pub ready: AtomicUsize,
    pub ready_notify: Notify,
    /// Set when a switch could not learn its destination host (answers will flood).
    pub unlearned: AtomicUsize,
    pub setup_permits: Semaphore,
}

/// What one switch plans to do.
#[derive(Debug, Clone)]
pub struct Plan {
    pub controller: SocketAddr,
    pub version: Version,
    pub mode: BenchMode,
    pub macs: u32,
    pub dpid_offset: u64,
}

/// What a switch hands back at the end.
#[derive(Debug, Default)]
pub struct Outcome {
    pub latency: Histogram,
    pub timeouts: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Handshake,
    Learning { sent_at: Instant, tries: u32 },
    Ready,
}

struct Local {
    responses: u64,
    flow_mods: u64,
    packet_outs: u64,
    packet_ins: u64,
}

/// Runs switch number `idx` until the phase is [`Phase::Stop`].
pub async fn run(
    idx: u32,
    plan: Arc<Plan>,
    shared: Arc<Shared>,
    mut phase_rx: watch::Receiver<Phase>,
) -> Result<Outcome, BenchError> {
    let dpid = Dpid(plan.dpid_offset + idx as u64);
    let permit = shared
        .setup_permits
        .acquire()
        .await
        .map_err(|_| BenchError::Aborted)?;
    let stream = TcpStream::connect(plan.controller)
        .await
        .map_err(|e| BenchError::Connect {
            addr: plan.controller,
            reason: e.to_string(),
        })?;
    let _ = stream.set_nodelay(true);
    let small = plan.mode == BenchMode::Connections;
    let cap = if small { 512 } else { 2 * WINDOW };
    let mut inbuf: Vec<u8> = Vec::with_capacity(cap);
    let mut out: Vec<u8> = Vec::with_capacity(cap);
    let mut out_pos = 0usize;
    let mut control = ControlState::new(plan.version, dpid);
    let template = ProbeTemplate::new(plan.version, idx, plan.macs)?;
    let arp = packet_in(
        plan.version,
        None,
        HOST_PORT,
        gratuitous_arp(host_mac(idx), idx),
        0,
    )?;
    hello::encode_hello(&[plan.version], 0, &mut out);

    let mut permit = Some(permit);
    let mut state = State::Handshake;
    let mut features_at: Option<Instant> = None;
    let mut quiet_until: Option<Instant> = None;
    let mut phase = *phase_rx.borrow();
    let mut seq: u64 = 0;
    let mut outstanding: Option<(u64, Instant)> = None;
    let mut outcome = Outcome::default();
    let counters = shared
        .counters
        .get(idx as usize)
        .ok_or(BenchError::Aborted)?;
    let mut local = Local {
        responses: 0,
        flow_mods: 0,
        packet_outs: 0,
        packet_ins: 0,
    };

    loop {
        let probing =
            state == State::Ready && (phase == Phase::Probing || phase == Phase::Measuring);
        // Queue probes.
        if probing {
            match plan.mode {
                BenchMode::Throughput => {
                    while out.len() - out_pos < WINDOW {
                        template.append(seq, &mut out);
                        seq += 1;
                        local.packet_ins += 1;
                    }
                }
                BenchMode::Latency => {
                    if outstanding.is_none() {
                        template.append(seq, &mut out);
                        outstanding = Some((seq, Instant::now()));
                        seq += 1;
                        local.packet_ins += 1;
                    }
                }
                BenchMode::Connections => {}
            }
        }
        // Timers.
        let deadline = match state {
            State::Handshake => quiet_until,
            State::Learning { sent_at, .. } => Some(sent_at + LEARN_RETRY),
            State::Ready => outstanding
                .filter(|_| probing)
                .map(|(_, t)| t + PROBE_TIMEOUT),
        };
        let interest = if out_pos < out.len() {
            Interest::READABLE | Interest::WRITABLE
        } else {
            Interest::READABLE
        };
        let ready = tokio::select! {
            biased;
            r = phase_rx.changed() => {
                if r.is_err() {
                    break;
                }
                phase = *phase_rx.borrow_and_update();
                if phase == Phase::Stop {
                    break;
                }
                continue;
            }
            r = stream.ready(interest) => r.map_err(|e| io_err(dpid, e))?,
            _ = sleep_until(deadline) => {
                let now = Instant::now();
                match state {
                    State::Handshake => {
                        state = start_learning(&arp, &mut out, now);
                        quiet_until = None;
                    }
                    State::Learning { tries, .. } if tries + 1 < LEARN_TRIES => {
                        out.extend_from_slice(&arp);
                        state = State::Learning { sent_at: now, tries: tries + 1 };
                    }
                    State::Learning { .. } => {
                        shared.unlearned.fetch_add(1, Ordering::Relaxed);
                        state = become_ready(&shared, &mut permit);
                    }
                    State::Ready => {
                        outcome.timeouts += 1;
                        outstanding = None;
                    }
                }
                continue;
            }
        };

        if ready.is_readable() {
            let mut closed = false;
            loop {
                if inbuf.capacity() - inbuf.len() < 4096 {
                    inbuf.reserve(if small { 4096 } else { WINDOW });
                }
                match stream.try_read_buf(&mut inbuf) {
                    Ok(0) => {
                        closed = true;
                        break;
                    }
                    Ok(_) => {
                        if small || inbuf.len() >= WINDOW {
                            break;
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(e) => return Err(io_err(dpid, e)),
                }
            }
            let mut at = 0;
            let now = Instant::now();
            loop {
                let rest = inbuf.get(at..).unwrap_or(&[]);
                let len = match frame_len(rest, MAX_MESSAGE_LEN) {
                    Ok(Some(n)) => n,
                    Ok(None) => break,
                    Err(e) => {
                        return Err(BenchError::Protocol {
                            dpid,
                            reason: format!("{e:?}"),
                        })
                    }
                };
                let frame = rest.get(..len).unwrap_or(&[]);
                at += len;
                let kind = classify(frame);
                match kind {
                    Frame::FlowMod(tag) | Frame::PacketOut(tag) => {
                        let is_flow_mod = matches!(kind, Frame::FlowMod(_));
                        match state {
                            State::Learning { .. } => {
                                state = become_ready(&shared, &mut permit);
                            }
                            State::Ready if probing => {
                                local.responses += 1;
                                if is_flow_mod {
                                    local.flow_mods += 1;
                                } else {
                                    local.packet_outs += 1;
                                }
                                if let Some((s, sent)) = outstanding {
                                    let (b, src) = template.tag(s);
                                    if tag.answers(b, src) {
                                        if phase == Phase::Measuring {
                                            outcome
                                                .latency
                                                .record(now.saturating_duration_since(sent));
                                        }
                                        outstanding = None;
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    Frame::Ignored => {}
                    Frame::Control => {
                        let seen = control.answer(frame, &mut out);
                        if state == State::Handshake {
                            match seen {
                                Seen::FeaturesRequest => {
                                    features_at = Some(now);
                                    quiet_until = Some(now + HANDSHAKE_QUIET);
                                }
                                Seen::Barrier if features_at.is_some() => {
                                    state = start_learning(&arp, &mut out, now);
                                    quiet_until = None;
                                }
                                _ if features_at.is_some() => {
                                    quiet_until = Some(now + HANDSHAKE_QUIET)
                                }
                                _ => {}
                            }
                        }
                    }
                }
            }
            inbuf.drain(..at.min(inbuf.len()));
            if local.responses > 0 || local.packet_ins > 0 {
                flush(counters, &mut local);
            }
            if closed {
                return Err(BenchError::Closed { dpid });
            }
        }

        if out_pos < out.len() {
            match stream.try_write(out.get(out_pos..).unwrap_or(&[])) {
                Ok(n) => out_pos += n,
                Err(e)
                    if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(dpid, e)),
            }
            if out_pos >= out.len() {
                out.clear();
                out_pos = 0;
            } else if out_pos >= WINDOW {
                out.drain(..out_pos);
                out_pos = 0;
            }
        }
    }
    flush(counters, &mut local);
    Ok(outcome)
}

fn flush(c: &Counters, l: &mut Local) {
    c.responses.fetch_add(l.responses, Ordering::Relaxed);
    c.flow_mods.fetch_add(l.flow_mods, Ordering::Relaxed);
    c.packet_outs.fetch_add(l.packet_outs, Ordering::Relaxed);
    c.packet_ins.fetch_add(l.packet_ins, Ordering::Relaxed);
    *l = Local {
        responses: 0,
        flow_mods: 0,
        packet_outs: 0,
        packet_ins: 0,
    };
}

fn start_learning(arp: &[u8], out: &mut Vec<u8>, now: Instant) -> State {
    out.extend_from_slice(arp);
    State::Learning {
        sent_at: now,
        tries: 0,
    }
}

fn become_ready(shared: &Shared, permit: &mut Option<tokio::sync::SemaphorePermit<'_>>) -> State {
    *permit = None;
    shared.ready.fetch_add(1, Ordering::AcqRel);
    shared.ready_notify.notify_one();
    State::Ready
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

fn io_err(dpid: Dpid, e: std::io::Error) -> BenchError {
    BenchError::Io {
        dpid,
        reason: e.to_string(),
    }
}
