//! [`Routes`]: where the gate sends what it forwards. The topology app answers by default
//! (shortest paths, spanning-tree flood ports, host attachment points); [`StaticRoutes`]
//! is a fixed table for tests and tools.

use std::collections::HashMap;
use std::time::Instant;

use openflow::MacAddr;
use viola_framework::Dpid;
use viola_topology::TopologyApp;

/// Paths the gate uses.
pub trait Routes: Send + Sync + 'static {
    /// The port of `from` on a shortest path towards switch `to` (`None`: unreachable or
    /// `from == to`).
    fn next_hop(&self, from: Dpid, to: Dpid) -> Option<u32>;
    /// Ports a flood entering `dpid` at `in_port` leaves by; `None` when this source does
    /// not know the switch (the gate then uses OFPP_FLOOD).
    fn flood_ports(&self, dpid: Dpid, in_port: u32, now: Instant) -> Option<Vec<u32>>;
    /// Where a (non-member) host is attached.
    fn locate(&self, mac: MacAddr) -> Option<(Dpid, u32)>;
}

impl Routes for TopologyApp {
    fn next_hop(&self, from: Dpid, to: Dpid) -> Option<u32> {
        self.snapshot().next_hop(from, to).map(|hop| hop.src.port)
    }

    fn flood_ports(&self, dpid: Dpid, in_port: u32, now: Instant) -> Option<Vec<u32>> {
        let view = self.snapshot();
        view.ports(dpid)?;
        Some(view.flood_ports(dpid, in_port, now))
    }

    fn locate(&self, mac: MacAddr) -> Option<(Dpid, u32)> {
        self.snapshot().host(mac).map(|h| (h.at.dpid, h.at.port))
    }
}

/// A fixed routing table.
#[derive(Debug, Clone, Default)]
pub struct StaticRoutes {
    /// (from, to) → port of `from`.
    pub next: HashMap<(Dpid, Dpid), u32>,
    /// dpid → flood ports (the entering port is left out when flooding).
    pub flood: HashMap<Dpid, Vec<u32>>,
    pub hosts: HashMap<MacAddr, (Dpid, u32)>,
}

impl StaticRoutes {
    pub fn new() -> Self {
        Self::default()
    }

    /// `from` reaches `to` through its port `port`.
    pub fn link(mut self, from: Dpid, to: Dpid, port: u32) -> Self {
        self.next.insert((from, to), port);
        self
    }

    pub fn flood(mut self, dpid: Dpid, ports: Vec<u32>) -> Self {
        self.flood.insert(dpid, ports);
        self
    }

    pub fn host(mut self, mac: MacAddr, dpid: Dpid, port: u32) -> Self {
        self.hosts.insert(mac, (dpid, port));
        self
    }
}

impl Routes for StaticRoutes {
    fn next_hop(&self, from: Dpid, to: Dpid) -> Option<u32> {
        self.next.get(&(from, to)).copied()
    }

    fn flood_ports(&self, dpid: Dpid, in_port: u32, _now: Instant) -> Option<Vec<u32>> {
        self.flood
            .get(&dpid)
            .map(|ps| ps.iter().copied().filter(|p| *p != in_port).collect())
    }

    fn locate(&self, mac: MacAddr) -> Option<(Dpid, u32)> {
        self.hosts.get(&mac).copied()
    }
}

/// The port a packet at switch `from` leaves by to reach port `to_port` of switch `to`.
pub fn out_port(routes: Option<&dyn Routes>, from: Dpid, to: Dpid, to_port: u32) -> Option<u32> {
    if from == to {
        Some(to_port)
    } else {
        routes?.next_hop(from, to)
    }
}
