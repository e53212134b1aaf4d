//! Simulated hosts: one interface on a switch port; they answer ARP and ICMP echo, resolve
//! addresses with ARP before sending (keeping an ARP cache, as a real host does), and keep
//! what they receive for tests to inspect.

use std::collections::{HashMap, VecDeque};
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use openflow::MacAddr;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::build::{self, ArpOp, ARP_REPLY, ARP_REQUEST, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST};
use super::link::{Input, LoopGuard, NetStats, Peer, Tag};

/// Most frames a host keeps in its receive log.
const RECEIVE_LOG: usize = 10_000;
/// Interval between ARP retries while resolving.
const ARP_RETRY: Duration = Duration::from_millis(500);

/// Why a ping (or an address resolution) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PingError {
    #[error("no ARP reply from {0}")]
    ArpTimeout(Ipv4Addr),
    #[error("no echo reply from {0}")]
    Timeout(Ipv4Addr),
    #[error("no host named `{0}`")]
    UnknownHost(String),
    #[error("the network is stopped")]
    Stopped,
}

/// A frame a host received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub frame: Bytes,
    /// When it arrived (since the host started).
    pub at: Duration,
}

#[derive(Default)]
struct HostState {
    arp: HashMap<Ipv4Addr, MacAddr>,
    arp_waiters: HashMap<Ipv4Addr, Vec<oneshot::Sender<MacAddr>>>,
    pings: HashMap<(u16, u16), oneshot::Sender<()>>,
    received: VecDeque<Received>,
    echo_requests_answered: u64,
}

/// A running simulated host.
#[derive(Debug)]
pub struct Host {
    name: String,
    ip: Ipv4Addr,
    mac: MacAddr,
    shared: Arc<Shared>,
    tx: mpsc::UnboundedSender<Input>,
    /// `None` once stopped; dropping the handle aborts the task.
    task: Option<JoinHandle<()>>,
}

struct Shared {
    ip: Ipv4Addr,
    mac: MacAddr,
    uplink: Peer,
    stats: Arc<NetStats>,
    guard: LoopGuard,
    state: Mutex<HostState>,
    started: Instant,
    next_seq: AtomicU16,
    id: u16,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("ip", &self.ip)
            .field("mac", &self.mac)
            .finish()
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, HostState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn send(&self, frame: Vec<u8>) {
        self.stats
            .deliver(&self.uplink, Bytes::from(frame), &Tag::fresh(), self.guard);
    }

    fn on_frame(&self, frame: Bytes) {
        let mut out: Vec<Vec<u8>> = Vec::new();
        {
            let mut st = self.state();
            if st.received.len() >= RECEIVE_LOG {
                st.received.pop_front();
            }
            st.received.push_back(Received {
                frame: frame.clone(),
                at: self.started.elapsed(),
            });
            if let Some(a) = build::read_arp(&frame) {
                if a.tpa == self.ip {
                    st.arp.insert(a.spa, a.sha);
                    if let Some(ws) = st.arp_waiters.remove(&a.spa) {
                        for w in ws {
                            let _ = w.send(a.sha);
                        }
                    }
                    if a.op == ArpOp::Request {
                        out.push(build::arp(ARP_REPLY, self.mac, self.ip, a.sha, a.spa));
                    }
                }
            } else if let Some(p) = build::read_ipv4(&frame) {
                let to_me = frame.get(..6).is_some_and(|d| d == self.mac.0) && p.dst == self.ip;
                if to_me {
                    if let Some((t, id, seq, payload)) = build::read_icmp_echo(&p) {
                        if t == ICMP_ECHO_REQUEST {
                            st.echo_requests_answered += 1;
                            out.push(build::icmp_echo(
                                self.mac,
                                p.src_mac,
                                self.ip,
                                p.src,
                                ICMP_ECHO_REPLY,
                                id,
                                seq,
                                payload,
                            ));
                        } else if let Some(w) = st.pings.remove(&(id, seq)) {
                            let _ = w.send(());
                        }
                    }
                }
            }
        }
        for f in out {
            self.send(f);
        }
    }
}

impl Host {
    pub(crate) fn spawn(
        name: String,
        ip: Ipv4Addr,
        mac: MacAddr,
        uplink: Peer,
        stats: Arc<NetStats>,
        guard: LoopGuard,
        id: u16,
    ) -> (Host, mpsc::UnboundedSender<Input>) {
        let (tx, mut rx) = mpsc::unbounded_channel::<Input>();
        let shared = Arc::new(Shared {
            ip,
            mac,
            uplink,
            stats,
            guard,
            state: Mutex::new(HostState::default()),
            started: Instant::now(),
            next_seq: AtomicU16::new(1),
            id,
        });
        let s2 = shared.clone();
        let task = tokio::spawn(async move {
            while let Some(i) = rx.recv().await {
                match i {
                    Input::Frame { frame, .. } => s2.on_frame(frame),
                    Input::SetLink { .. } => {}
                    Input::Stop => break,
                }
            }
        });
        (
            Host {
                name,
                ip,
                mac,
                shared,
                tx: tx.clone(),
                task: Some(task),
            },
            tx,
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn ip(&self) -> Ipv4Addr {
        self.ip
    }

    pub fn mac(&self) -> MacAddr {
        self.mac
    }

    /// Sends a raw frame out of the host's interface.
    pub fn send_frame(&self, frame: Vec<u8>) {
        self.shared.send(frame);
    }

    /// The ARP cache entry for `ip`.
    pub fn arp_entry(&self, ip: Ipv4Addr) -> Option<MacAddr> {
        self.shared.state().arp.get(&ip).copied()
    }

    /// Forgets every ARP cache entry.
    pub fn flush_arp(&self) {
        self.shared.state().arp.clear();
    }

    /// Resolves `ip` to a MAC address: the cache, else ARP requests every 500 ms until
    /// `deadline`.
    pub async fn resolve(&self, ip: Ipv4Addr, deadline: Instant) -> Result<MacAddr, PingError> {
        loop {
            let rx = {
                let mut st = self.shared.state();
                if let Some(m) = st.arp.get(&ip) {
                    return Ok(*m);
                }
                let (tx, rx) = oneshot::channel();
                st.arp_waiters.entry(ip).or_default().push(tx);
                rx
            };
            self.shared.send(build::arp(
                ARP_REQUEST,
                self.mac,
                self.ip,
                MacAddr::ZERO,
                ip,
            ));
            let now = Instant::now();
            if now >= deadline {
                return Err(PingError::ArpTimeout(ip));
            }
            let wait = ARP_RETRY.min(deadline - now);
            match tokio::time::timeout(wait, rx).await {
                Ok(Ok(m)) => return Ok(m),
                Ok(Err(_)) => return Err(PingError::Stopped),
                Err(_) if Instant::now() >= deadline => return Err(PingError::ArpTimeout(ip)),
                Err(_) => continue,
            }
        }
    }

    /// One ICMP echo to `to` (ARP first if needed). Returns the round-trip time including
    /// address resolution.
    pub async fn ping(&self, to: Ipv4Addr, timeout: Duration) -> Result<Duration, PingError> {
        let start = Instant::now();
        let deadline = start + timeout;
        let mac = self.resolve(to, deadline).await?;
        let seq = self.shared.next_seq.fetch_add(1, Ordering::Relaxed);
        let id = self.shared.id;
        let (tx, rx) = oneshot::channel();
        self.shared.state().pings.insert((id, seq), tx);
        self.shared.send(build::icmp_echo(
            self.mac,
            mac,
            self.ip,
            to,
            ICMP_ECHO_REQUEST,
            id,
            seq,
            b"viola-sim-ping!!",
        ));
        let left = deadline.saturating_duration_since(Instant::now());
        let r = tokio::time::timeout(left, rx).await;
        self.shared.state().pings.remove(&(id, seq));
        match r {
            Ok(Ok(())) => Ok(start.elapsed()),
            Ok(Err(_)) => Err(PingError::Stopped),
            Err(_) => Err(PingError::Timeout(to)),
        }
    }

    /// Sends a UDP datagram (ARP first if needed).
    pub async fn send_udp(
        &self,
        to: Ipv4Addr,
        sport: u16,
        dport: u16,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<(), PingError> {
        let mac = self.resolve(to, Instant::now() + timeout).await?;
        self.shared.send(build::udp(
            self.mac, mac, self.ip, to, sport, dport, payload,
        ));
        Ok(())
    }

    /// Every frame received so far (oldest first; at most the last 10 000).
    pub fn received(&self) -> Vec<Received> {
        self.shared.state().received.iter().cloned().collect()
    }

    /// Forgets the receive log.
    pub fn clear_received(&self) {
        self.shared.state().received.clear();
    }

    /// UDP payloads received on `dport`, addressed to this host: (source ip, source port,
    /// payload).
    pub fn received_udp(&self, dport: u16) -> Vec<(Ipv4Addr, u16, Bytes)> {
        self.shared
            .state()
            .received
            .iter()
            .filter_map(|r| {
                let p = build::read_ipv4(&r.frame)?;
                let (s, d, payload) = build::read_udp(&p)?;
                (d == dport && p.dst == self.ip)
                    .then(|| (p.src, s, Bytes::copy_from_slice(payload)))
            })
            .collect()
    }

    /// Echo requests this host answered.
    pub fn echo_requests_answered(&self) -> u64 {
        self.shared.state().echo_requests_answered
    }

    pub(crate) async fn stop(mut self) {
        let _ = self.tx.send(Input::Stop);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
