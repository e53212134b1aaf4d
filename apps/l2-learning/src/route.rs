//! The forwarding decision for one packet, as a pure function of the packet's addresses,
//! the switch's MAC table answer and (when the topology app runs) a topology snapshot.

use std::time::Instant;

use openflow::MacAddr;
use viola_framework::Dpid;
use viola_topology::{PortRef, TopologyView};

use crate::config::Mode;

/// One switch's rule on a path: packets entering at `in_port` leave by `out_port`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub dpid: Dpid,
    pub in_port: u32,
    pub out_port: u32,
}

/// What to do with a packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Send it nowhere (and install nothing).
    Drop,
    /// The destination is behind the port the packet came in on: a bridge filters such
    /// frames, so install a drop rule for this (in_port, src, dst) and stop asking.
    Filter,
    /// Send it out of one port of this switch and install the rule.
    Output(u32),
    /// Install these rules, first switch (this one) first; send the packet by the first.
    Path(Vec<Step>),
    /// Flood along these ports of this switch (spanning tree + host ports).
    FloodPorts(Vec<u32>),
    /// No topology: flood with the switch's FLOOD port.
    Flood,
}

/// The inputs of one decision.
#[derive(Debug, Clone, Copy)]
pub struct Packet {
    pub dpid: Dpid,
    pub in_port: u32,
    pub src: MacAddr,
    pub dst: MacAddr,
}

/// Whether the topology allows learning `src` at this port: never on a blocked port, and
/// never on an inter-switch port for an address the topology knows at a host port.
pub fn may_learn(p: &Packet, view: Option<&TopologyView>) -> bool {
    if p.src.is_multicast() || p.src == MacAddr::ZERO {
        return false;
    }
    let Some(v) = view else { return true };
    let at = PortRef::new(p.dpid, p.in_port);
    if v.is_blocked(at) {
        return false;
    }
    !(v.is_inter_switch_port(at) && v.host_at(p.src).is_some())
}

/// Decides where a packet goes. `learned` is this switch's MAC-table answer for `dst`.
pub fn route(
    p: &Packet,
    learned: Option<u32>,
    view: Option<&TopologyView>,
    mode: Mode,
    now: Instant,
) -> Route {
    let Some(v) = view else {
        return match learned {
            _ if p.dst.is_multicast() => Route::Flood,
            Some(out) if out == p.in_port => Route::Filter,
            Some(out) => Route::Output(out),
            None => Route::Flood,
        };
    };
    let here = PortRef::new(p.dpid, p.in_port);
    let flood = || {
        if v.is_blocked(here) {
            Route::Drop
        } else {
            Route::FloodPorts(v.flood_ports(p.dpid, p.in_port, now))
        }
    };
    if p.dst.is_multicast() {
        return flood();
    }
    if let Some(dst_at) = v.host_at(p.dst) {
        if mode == Mode::Path && v.host_at(p.src).is_some() {
            if let Some(steps) = path(v, p, dst_at) {
                return match steps.first() {
                    Some(s) if s.out_port == p.in_port && steps.len() == 1 => Route::Filter,
                    Some(s) if s.out_port == p.in_port => Route::Drop,
                    Some(_) => Route::Path(steps),
                    None => Route::Drop,
                };
            }
        }
        if dst_at.dpid == p.dpid {
            return if dst_at.port == p.in_port {
                Route::Filter
            } else {
                Route::Output(dst_at.port)
            };
        }
        if let Some(hop) = v.next_hop(p.dpid, dst_at.dpid) {
            // Back where it came from only while views disagree: drop, install nothing.
            return if hop.src.port == p.in_port {
                Route::Drop
            } else {
                Route::Output(hop.src.port)
            };
        }
    }
    match learned {
        Some(out) if out == p.in_port => Route::Filter,
        // A learned port that is now blocked would bypass the tree: flood instead.
        Some(out) if !v.is_blocked(PortRef::new(p.dpid, out)) => Route::Output(out),
        _ => flood(),
    }
}

/// The rules of the shortest path from the packet's switch to `to` (a host's attachment).
fn path(v: &TopologyView, p: &Packet, to: PortRef) -> Option<Vec<Step>> {
    let hops = v.shortest_path(p.dpid, to.dpid)?;
    let mut steps = Vec::with_capacity(hops.len() + 1);
    let mut at = Step {
        dpid: p.dpid,
        in_port: p.in_port,
        out_port: to.port,
    };
    for hop in &hops {
        at.out_port = hop.src.port;
        steps.push(at);
        at = Step {
            dpid: hop.dst.dpid,
            in_port: hop.dst.port,
            out_port: to.port,
        };
    }
    steps.push(at);
    Some(steps)
}
