//! [`TopologyView`]: an immutable snapshot of the topology (switches, links, hosts, the
//! petgraph model, its spanning tree), shared as an `Arc` with every app that asks.
//!
//! The graph has one node per switch and one edge per *bidirectional* link (LLDP seen in both
//! directions). The spanning tree is a breadth-first tree from the lowest datapath id of
//! each connected component, neighbours taken in (dpid, port) order, so it is deterministic
//! and also a shortest-path tree from that root.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use openflow::MacAddr;
use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::visit::EdgeRef;

use crate::hosts::HostTable;
use crate::types::{Dpid, Host, Link, PortRef};

/// A port as the model knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortView {
    pub live: bool,
    /// Since when the port has been live (its settle time counts from here).
    pub since: Instant,
}

/// One hop of a path: leave `from` through its port, arrive at `to`.
pub type Hop = Link;

/// An immutable snapshot of the topology.
#[derive(Debug, Clone)]
pub struct TopologyView {
    pub(crate) switches: BTreeMap<Dpid, BTreeMap<u32, PortView>>,
    pub(crate) links: Vec<Link>,
    /// Shared with the model and read live (see [`HostTable`]).
    pub(crate) hosts: Arc<HostTable>,
    pub(crate) graph: UnGraph<Dpid, Link>,
    pub(crate) nodes: HashMap<Dpid, NodeIndex>,
    pub(crate) inter_switch: HashSet<PortRef>,
    pub(crate) tree: HashSet<PortRef>,
    pub(crate) settle: Duration,
}

impl TopologyView {
    /// Builds a view; `links` are directional, `settle` is how long a live port with no
    /// LLDP neighbour waits before it counts as a host port.
    pub(crate) fn build(
        switches: BTreeMap<Dpid, BTreeMap<u32, PortView>>,
        links: Vec<Link>,
        hosts: Arc<HostTable>,
        settle: Duration,
    ) -> Self {
        let mut graph = UnGraph::default();
        let mut nodes = HashMap::new();
        for &d in switches.keys() {
            nodes.insert(d, graph.add_node(d));
        }
        let directed: HashSet<Link> = links.iter().copied().collect();
        let mut inter_switch = HashSet::new();
        for l in &links {
            inter_switch.insert(l.src);
            inter_switch.insert(l.dst);
            // One edge per bidirectional pair, oriented from the lower end.
            if l.src < l.dst && l.src.dpid != l.dst.dpid && directed.contains(&l.reversed()) {
                if let (Some(&a), Some(&b)) = (nodes.get(&l.src.dpid), nodes.get(&l.dst.dpid)) {
                    graph.add_edge(a, b, *l);
                }
            }
        }
        let mut v = TopologyView {
            switches,
            links,
            hosts,
            graph,
            nodes,
            inter_switch,
            tree: HashSet::new(),
            settle,
        };
        v.tree = v.compute_tree();
        v
    }

    /// The empty topology.
    pub fn empty() -> Self {
        Self::build(BTreeMap::new(), Vec::new(), Arc::default(), Duration::ZERO)
    }

    /// Edges of node `n` as (neighbour, hop from `n`), sorted by (neighbour dpid, port).
    fn hops(&self, n: NodeIndex) -> Vec<(NodeIndex, Hop)> {
        let Some(&me) = self.graph.node_weight(n) else {
            return Vec::new();
        };
        let mut out: Vec<(NodeIndex, Hop)> = self
            .graph
            .edges(n)
            .map(|e| {
                let other = if e.source() == n {
                    e.target()
                } else {
                    e.source()
                };
                let l = *e.weight();
                (other, if l.src.dpid == me { l } else { l.reversed() })
            })
            .collect();
        out.sort_by_key(|(_, h)| (h.dst.dpid, h.src.port, h.dst.port));
        out
    }

    fn compute_tree(&self) -> HashSet<PortRef> {
        let mut tree = HashSet::new();
        let mut seen: HashSet<NodeIndex> = HashSet::new();
        for &root in self.nodes_sorted().iter() {
            if !seen.insert(root) {
                continue;
            }
            let mut queue = VecDeque::from([root]);
            while let Some(n) = queue.pop_front() {
                for (other, hop) in self.hops(n) {
                    if seen.insert(other) {
                        tree.insert(hop.src);
                        tree.insert(hop.dst);
                        queue.push_back(other);
                    }
                }
            }
        }
        tree
    }

    fn nodes_sorted(&self) -> Vec<NodeIndex> {
        // `switches` is a BTreeMap, so this is in dpid order.
        self.switches
            .keys()
            .filter_map(|d| self.nodes.get(d).copied())
            .collect()
    }

    /// Connected switches, in dpid order.
    pub fn switches(&self) -> impl Iterator<Item = Dpid> + '_ {
        self.switches.keys().copied()
    }

    /// Ports of a switch.
    pub fn ports(&self, dpid: Dpid) -> Option<&BTreeMap<u32, PortView>> {
        self.switches.get(&dpid)
    }

    /// Every directional link seen, sorted.
    pub fn links(&self) -> &[Link] {
        &self.links
    }

    /// Known hosts, sorted by address (a copy: the host table is live, see [`HostTable`]).
    pub fn hosts(&self) -> Vec<Host> {
        self.hosts.all()
    }

    /// A copy of one host.
    pub fn host(&self, mac: MacAddr) -> Option<Host> {
        self.hosts.get(mac)
    }

    /// Where a host is attached (no copy of the rest: the PACKET_IN path uses this).
    pub fn host_at(&self, mac: MacAddr) -> Option<PortRef> {
        self.hosts.at(mac)
    }

    /// The live host table.
    pub fn host_table(&self) -> &HostTable {
        &self.hosts
    }

    /// The petgraph model: nodes are datapath ids, edges bidirectional links (the weight is
    /// the link oriented from its lower end).
    pub fn graph(&self) -> &UnGraph<Dpid, Link> {
        &self.graph
    }

    /// Whether LLDP showed this port faces another switch (in either direction).
    pub fn is_inter_switch_port(&self, p: PortRef) -> bool {
        self.inter_switch.contains(&p)
    }

    /// Whether the port is an end of a spanning-tree link.
    pub fn is_tree_port(&self, p: PortRef) -> bool {
        self.tree.contains(&p)
    }

    /// Faces another switch but is not on the spanning tree: floods must not use it.
    pub fn is_blocked(&self, p: PortRef) -> bool {
        self.is_inter_switch_port(p) && !self.is_tree_port(p)
    }

    /// A live, physical port that no LLDP probe showed facing a switch and that has been
    /// live for at least the settle time (so a probe had its chance).
    pub fn is_host_port(&self, p: PortRef, now: Instant) -> bool {
        if p.port >= openflow::port::MAX || self.is_inter_switch_port(p) {
            return false;
        }
        match self
            .switches
            .get(&p.dpid)
            .and_then(|ports| ports.get(&p.port))
        {
            Some(pv) => pv.live && now.saturating_duration_since(pv.since) >= self.settle,
            None => false,
        }
    }

    /// The spanning tree as the set of (dpid, port) ends of tree links.
    pub fn spanning_tree(&self) -> &HashSet<PortRef> {
        &self.tree
    }

    /// Ports a flood entering `dpid` at `in_port` may leave by: live spanning-tree ports and
    /// host ports, except `in_port`; sorted.
    pub fn flood_ports(&self, dpid: Dpid, in_port: u32, now: Instant) -> Vec<u32> {
        let Some(ports) = self.switches.get(&dpid) else {
            return Vec::new();
        };
        ports
            .iter()
            .filter(|(&n, pv)| n != in_port && pv.live)
            .map(|(&n, _)| PortRef::new(dpid, n))
            .filter(|p| self.is_tree_port(*p) || self.is_host_port(*p, now))
            .map(|p| p.port)
            .collect()
    }

    /// A shortest path (fewest links) from switch `a` to switch `b` over bidirectional
    /// links, as hops; empty when `a == b`, `None` when unreachable.
    pub fn shortest_path(&self, a: Dpid, b: Dpid) -> Option<Vec<Hop>> {
        let (&na, &nb) = (self.nodes.get(&a)?, self.nodes.get(&b)?);
        if na == nb {
            return Some(Vec::new());
        }
        let mut parent: HashMap<NodeIndex, (NodeIndex, Hop)> = HashMap::new();
        let mut queue = VecDeque::from([na]);
        let mut seen = HashSet::from([na]);
        while let Some(n) = queue.pop_front() {
            if n == nb {
                break;
            }
            for (other, hop) in self.hops(n) {
                if seen.insert(other) {
                    parent.insert(other, (n, hop));
                    queue.push_back(other);
                }
            }
        }
        let mut path = Vec::new();
        let mut at = nb;
        while at != na {
            let (prev, hop) = parent.get(&at)?;
            path.push(*hop);
            at = *prev;
        }
        path.reverse();
        Some(path)
    }

    /// The first hop of a shortest path from `a` to `b` (`None` if `a == b` or unreachable).
    pub fn next_hop(&self, a: Dpid, b: Dpid) -> Option<Hop> {
        self.shortest_path(a, b)?.first().copied()
    }
}
