//! A whole simulated network built from a [`Topology`]: one task per switch (each with its
//! own TCP connection to the controller), in-memory links, and hosts.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! use viola_sim::{Network, NetworkOptions};
//! use viola_topo_spec::Topology;
//! let topo = Topology::parse("linear,3")?;
//! let net = Network::start(&topo, NetworkOptions::new(Some("127.0.0.1:6653".parse()?))).await?;
//! net.wait_connected(Duration::from_secs(5)).await?;
//! let rtt = net.ping("h1", "h3", Duration::from_secs(2)).await?;
//! println!("{rtt:?}, {} frames forwarded", net.frames_forwarded());
//! net.stop().await;
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openflow::Version;
use tokio::sync::mpsc;

use super::core::SwitchOptions;
use super::host::{Host, PingError};
use super::link::{Input, LoopGuard, NetStats, Peer};
use super::switch::{Switch, Wiring};
use super::Clock;
use viola_topo_spec::{End, Topology};

/// How to build a simulated network.
#[derive(Debug, Clone)]
pub struct NetworkOptions {
    /// The controller every switch connects to (none: switches run on their own tables).
    pub controller: Option<SocketAddr>,
    /// Versions the switches offer.
    pub versions: Vec<Version>,
    /// Send a HELLO version bitmap.
    pub hello_bitmap: bool,
    pub clock: Clock,
    pub guard: LoopGuard,
}

impl NetworkOptions {
    /// OpenFlow 1.3 switches (offering 1.0 too, with a bitmap) on a real clock.
    pub fn new(controller: Option<SocketAddr>) -> Self {
        NetworkOptions {
            controller,
            versions: vec![Version::V1_0, Version::V1_3],
            hello_bitmap: true,
            clock: Clock::real(),
            guard: LoopGuard::default(),
        }
    }

    /// Switches that offer exactly one version.
    pub fn version(mut self, v: Version) -> Self {
        self.versions = vec![v];
        self
    }
}

/// Errors of the network API.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("no node named `{0}`")]
    UnknownNode(String),
    #[error("no link between `{0}` and `{1}`")]
    NoLink(String, String),
    #[error("{connected} of {total} switches connected to the controller within {waited:?}")]
    NotConnected {
        connected: usize,
        total: usize,
        waited: Duration,
    },
}

struct LinkState {
    a: End,
    b: End,
    up: Arc<AtomicBool>,
}

/// A running simulated network.
pub struct Network {
    topo: Topology,
    switches: Vec<Switch>,
    hosts: Vec<Host>,
    links: Vec<LinkState>,
    host_links: Vec<Arc<AtomicBool>>,
    stats: Arc<NetStats>,
    clock: Clock,
}

impl Network {
    /// Builds and starts every switch, link and host of `topo`.
    pub async fn start(topo: &Topology, opts: NetworkOptions) -> Result<Network, SimError> {
        let stats = Arc::new(NetStats::default());
        let mut inboxes = Vec::new();
        for _ in &topo.switches {
            inboxes.push(mpsc::unbounded_channel::<Input>());
        }
        let mut peers: Vec<HashMap<u32, Peer>> = vec![HashMap::new(); topo.switches.len()];
        let mut links = Vec::new();
        for l in &topo.links {
            let up = Arc::new(AtomicBool::new(true));
            let (Some(ta), Some(tb)) = (inboxes.get(l.a.switch), inboxes.get(l.b.switch)) else {
                continue;
            };
            let to_b = Peer {
                tx: tb.0.clone(),
                port: l.b.port,
                up: up.clone(),
            };
            let to_a = Peer {
                tx: ta.0.clone(),
                port: l.a.port,
                up: up.clone(),
            };
            if let Some(p) = peers.get_mut(l.a.switch) {
                p.insert(l.a.port, to_b);
            }
            if let Some(p) = peers.get_mut(l.b.switch) {
                p.insert(l.b.port, to_a);
            }
            links.push(LinkState { a: l.a, b: l.b, up });
        }
        let mut hosts = Vec::new();
        let mut host_links = Vec::new();
        for (i, h) in topo.hosts.iter().enumerate() {
            let Some(sw) = inboxes.get(h.switch) else {
                continue;
            };
            let up = Arc::new(AtomicBool::new(true));
            let uplink = Peer {
                tx: sw.0.clone(),
                port: h.port,
                up: up.clone(),
            };
            let (host, htx) = Host::spawn(
                h.name.clone(),
                h.ip,
                h.mac,
                uplink,
                stats.clone(),
                opts.guard,
                0x5100 + i as u16,
            );
            if let Some(p) = peers.get_mut(h.switch) {
                p.insert(
                    h.port,
                    Peer {
                        tx: htx,
                        port: 0,
                        up: up.clone(),
                    },
                );
            }
            hosts.push(host);
            host_links.push(up);
        }
        let mut switches = Vec::new();
        for (i, ((tx, rx), s)) in inboxes.into_iter().zip(&topo.switches).enumerate() {
            let ports: Vec<u32> = (1..=topo.port_count(i)).collect();
            let mut so = SwitchOptions::new(s.dpid, s.name.clone(), ports, opts.versions.clone());
            so.hello_bitmap = opts.hello_bitmap;
            let wiring = Wiring {
                controller: opts.controller,
                peers: std::mem::take(&mut peers[i]),
                stats: stats.clone(),
                guard: opts.guard,
            };
            switches.push(Switch::spawn_wired(so, opts.clock.clone(), tx, rx, wiring));
        }
        Ok(Network {
            topo: topo.clone(),
            switches,
            hosts,
            links,
            host_links,
            stats,
            clock: opts.clock,
        })
    }

    pub fn topology(&self) -> &Topology {
        &self.topo
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn switches(&self) -> &[Switch] {
        &self.switches
    }

    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    pub fn switch(&self, name: &str) -> Option<&Switch> {
        self.switches.iter().find(|s| s.name() == name)
    }

    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name() == name)
    }

    /// Waits until every switch has negotiated a version with the controller.
    pub async fn wait_connected(&self, timeout: Duration) -> Result<(), SimError> {
        let start = Instant::now();
        loop {
            let connected = self
                .switches
                .iter()
                .filter(|s| s.version().is_some())
                .count();
            if connected == self.switches.len() {
                return Ok(());
            }
            if start.elapsed() >= timeout {
                return Err(SimError::NotConnected {
                    connected,
                    total: self.switches.len(),
                    waited: timeout,
                });
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Pings host `to` from host `from` (names), ARPing first if needed.
    pub async fn ping(
        &self,
        from: &str,
        to: &str,
        timeout: Duration,
    ) -> Result<Duration, PingError> {
        let a = self
            .host(from)
            .ok_or_else(|| PingError::UnknownHost(from.to_string()))?;
        let b = self
            .host(to)
            .ok_or_else(|| PingError::UnknownHost(to.to_string()))?;
        a.ping(b.ip(), timeout).await
    }

    /// Cuts (`up = false`) or restores the link between two nodes (switch or host names).
    /// Both switch ends report PORT_STATUS to the controller.
    pub fn set_link(&self, a: &str, b: &str, up: bool) -> Result<(), SimError> {
        let idx = |n: &str| self.topo.switch_index(n);
        let no_link = || SimError::NoLink(a.to_string(), b.to_string());
        // Host link?
        for (name, other) in [(a, b), (b, a)] {
            if let Some(hi) = self.topo.hosts.iter().position(|h| h.name == name) {
                let h = &self.topo.hosts[hi];
                if idx(other) != Some(h.switch) {
                    return Err(no_link());
                }
                if let Some(f) = self.host_links.get(hi) {
                    f.store(up, Ordering::Relaxed);
                }
                if let Some(s) = self.switches.get(h.switch) {
                    s.set_port(h.port, up);
                }
                return Ok(());
            }
        }
        let (ia, ib) = (
            idx(a).ok_or_else(|| SimError::UnknownNode(a.into()))?,
            idx(b).ok_or_else(|| SimError::UnknownNode(b.into()))?,
        );
        let mut found = false;
        for l in &self.links {
            if (l.a.switch, l.b.switch) == (ia, ib) || (l.a.switch, l.b.switch) == (ib, ia) {
                found = true;
                l.up.store(up, Ordering::Relaxed);
                for e in [l.a, l.b] {
                    if let Some(s) = self.switches.get(e.switch) {
                        s.set_port(e.port, up);
                    }
                }
            }
        }
        if found {
            Ok(())
        } else {
            Err(no_link())
        }
    }

    /// Frames handed to links so far (host and switch transmissions).
    pub fn frames_forwarded(&self) -> u64 {
        self.stats.frames_forwarded.load(Ordering::Relaxed)
    }

    /// Frames the loop guard dropped (hop or copy limit): non-zero means something looped.
    pub fn loop_drops(&self) -> u64 {
        self.stats.loop_drops.load(Ordering::Relaxed)
    }

    /// Frames dropped on links that were down.
    pub fn link_drops(&self) -> u64 {
        self.stats.link_drops.load(Ordering::Relaxed)
    }

    /// Waits until no frame has been forwarded for `quiet` (or `timeout` passes); returns
    /// whether the network went quiet. Tests use it to assert that nothing circulates.
    pub async fn settle(&self, quiet: Duration, timeout: Duration) -> bool {
        let start = Instant::now();
        let mut last = self.frames_forwarded();
        let mut since = Instant::now();
        while start.elapsed() < timeout {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let now = self.frames_forwarded();
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                return true;
            }
        }
        false
    }

    /// Stops every switch and host; the controller sees the connections close.
    pub async fn stop(self) {
        for s in self.switches {
            s.stop().await;
        }
        for h in self.hosts {
            h.stop().await;
        }
    }
}
