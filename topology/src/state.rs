//! [`TopologyState`]: the pure topology model. It never reads a clock or touches a switch:
//! every input carries its time, every change comes back as a list of [`TopologyEvent`]s,
//! so it is tested with a virtual clock.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openflow::{port_reason, MacAddr, PortInfo};

use crate::hosts::HostTable;
use crate::types::{Dpid, Host, HostGoneReason, Link, LinkDownReason, PortRef, TopologyEvent};
use crate::view::{PortView, TopologyView};

/// At most this many addresses are kept per host (the newest replace the oldest).
pub const MAX_IPS_PER_HOST: usize = 8;
/// At most about this many hosts are tracked (a bound per shard of the host table).
pub const MAX_HOSTS: usize = 1 << 16;

/// Timeouts of the pure model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateTimers {
    /// A link not re-proved by LLDP within this time is removed.
    pub link_timeout: Duration,
    /// A host not seen within this time is forgotten.
    pub host_timeout: Duration,
    /// A newly live port counts as a host port only after this time without LLDP
    /// (the probe sent at port-up has come back by then if a switch is behind it).
    pub port_settle: Duration,
}

impl Default for StateTimers {
    fn default() -> Self {
        StateTimers {
            link_timeout: Duration::from_millis(3_500),
            host_timeout: Duration::from_secs(300),
            port_settle: Duration::from_millis(500),
        }
    }
}

#[derive(Debug, Clone)]
struct PortEntry {
    live: bool,
    since: Instant,
}

#[derive(Debug, Clone, Copy)]
struct LinkEntry {
    dst: PortRef,
    last_seen: Instant,
}

/// The topology model. See the module docs.
#[derive(Debug)]
pub struct TopologyState {
    timers: StateTimers,
    switches: BTreeMap<Dpid, BTreeMap<u32, PortEntry>>,
    /// Directional links keyed by their source port (one port reaches one port).
    links: BTreeMap<PortRef, LinkEntry>,
    /// Shared with every snapshot.
    hosts: Arc<HostTable>,
    view: Arc<TopologyView>,
}

impl TopologyState {
    pub fn new(timers: StateTimers) -> Self {
        TopologyState {
            timers,
            switches: BTreeMap::new(),
            links: BTreeMap::new(),
            hosts: Arc::default(),
            view: Arc::new(TopologyView::empty()),
        }
    }

    pub fn timers(&self) -> StateTimers {
        self.timers
    }

    /// The current snapshot (rebuilt after every change).
    pub fn view(&self) -> Arc<TopologyView> {
        Arc::clone(&self.view)
    }

    fn rebuild(&mut self) {
        let switches = self
            .switches
            .iter()
            .map(|(&d, ports)| {
                let ports = ports
                    .iter()
                    .map(|(&n, p)| {
                        (
                            n,
                            PortView {
                                live: p.live,
                                since: p.since,
                            },
                        )
                    })
                    .collect();
                (d, ports)
            })
            .collect();
        let links = self
            .links
            .iter()
            .map(|(&src, e)| Link::new(src, e.dst))
            .collect();
        self.view = Arc::new(TopologyView::build(
            switches,
            links,
            Arc::clone(&self.hosts),
            self.timers.port_settle,
        ));
    }

    fn finish(&mut self, events: Vec<TopologyEvent>) -> Vec<TopologyEvent> {
        if !events.is_empty() {
            self.rebuild();
        }
        events
    }

    /// A switch connected (or reconnected: what was known about it is dropped first).
    pub fn on_switch_up(
        &mut self,
        now: Instant,
        dpid: Dpid,
        ports: &[PortInfo],
    ) -> Vec<TopologyEvent> {
        let mut events = Vec::new();
        if self.switches.contains_key(&dpid) {
            self.drop_switch(dpid, &mut events);
        }
        let ports = ports
            .iter()
            .map(|p| {
                (
                    p.port_no,
                    PortEntry {
                        live: p.is_live(),
                        since: now,
                    },
                )
            })
            .collect();
        self.switches.insert(dpid, ports);
        events.push(TopologyEvent::SwitchUp { dpid });
        self.finish(events)
    }

    /// A switch disconnected: its links and hosts go with it.
    pub fn on_switch_down(&mut self, dpid: Dpid) -> Vec<TopologyEvent> {
        let mut events = Vec::new();
        if self.switches.contains_key(&dpid) {
            self.drop_switch(dpid, &mut events);
            events.push(TopologyEvent::SwitchDown { dpid });
        }
        self.finish(events)
    }

    fn drop_switch(&mut self, dpid: Dpid, events: &mut Vec<TopologyEvent>) {
        self.remove_links_where(
            |l| l.src.dpid == dpid || l.dst.dpid == dpid,
            LinkDownReason::SwitchDown,
            events,
        );
        self.remove_hosts_where(|at| at.dpid == dpid, HostGoneReason::PortDown, events);
        self.switches.remove(&dpid);
    }

    /// A PORT_STATUS: a port added, deleted or modified. A port that is deleted or not live
    /// loses its links and hosts at once (no waiting for the link timeout).
    pub fn on_port_status(
        &mut self,
        now: Instant,
        dpid: Dpid,
        reason: u8,
        port: &PortInfo,
    ) -> Vec<TopologyEvent> {
        let mut events = Vec::new();
        let Some(ports) = self.switches.get_mut(&dpid) else {
            return events;
        };
        let p = PortRef::new(dpid, port.port_no);
        let live = reason != port_reason::DELETE && port.is_live();
        if reason == port_reason::DELETE {
            ports.remove(&port.port_no);
        } else {
            let entry = ports.entry(port.port_no).or_insert(PortEntry {
                live: false,
                since: now,
            });
            if live && !entry.live {
                entry.since = now;
            }
            entry.live = live;
        }
        if !live {
            self.remove_links_where(|l| l.touches(p), LinkDownReason::PortDown, &mut events);
            self.remove_hosts_where(|at| at == p, HostGoneReason::PortDown, &mut events);
        }
        // A port coming up changes the flood set only after it settles; rebuild anyway so
        // the view knows the port.
        self.rebuild();
        events
    }

    /// An LLDP probe sent out of `src` arrived at `dst`. Returns the changes; a new link
    /// also removes hosts wrongly learned at its ends.
    pub fn on_lldp(
        &mut self,
        now: Instant,
        src_dpid: Dpid,
        src_port: u32,
        dst_dpid: Dpid,
        dst_port: u32,
    ) -> Vec<TopologyEvent> {
        let mut events = Vec::new();
        let (src, dst) = (
            PortRef::new(src_dpid, src_port),
            PortRef::new(dst_dpid, dst_port),
        );
        if src == dst || !self.port_usable(src) || !self.port_usable(dst) {
            return events;
        }
        match self.links.get_mut(&src) {
            Some(e) if e.dst == dst => {
                e.last_seen = now;
                return events;
            }
            Some(e) => {
                let old = Link::new(src, e.dst);
                events.push(TopologyEvent::LinkDown {
                    link: old,
                    reason: LinkDownReason::Replaced,
                });
            }
            None => {}
        }
        self.links.insert(
            src,
            LinkEntry {
                dst,
                last_seen: now,
            },
        );
        events.push(TopologyEvent::LinkUp {
            link: Link::new(src, dst),
        });
        self.remove_hosts_where(
            |at| at == src || at == dst,
            HostGoneReason::InterSwitchPort,
            &mut events,
        );
        self.finish(events)
    }

    /// Known switch, and the port is live or not (yet) known.
    fn port_usable(&self, p: PortRef) -> bool {
        match self.switches.get(&p.dpid) {
            Some(ports) => ports.get(&p.port).is_none_or(|e| e.live),
            None => false,
        }
    }

    /// Whether the directional link from `src` is known.
    pub fn has_link_from(&self, src: PortRef) -> bool {
        self.links.contains_key(&src)
    }

    /// A packet from `mac` (sent by `ip`, if known) entered the network at `dpid`/`port`.
    /// Only settled host ports teach anything: never an inter-switch port, a reserved
    /// port, a port still settling, or a group address.
    pub fn on_host_seen(
        &mut self,
        now: Instant,
        mac: MacAddr,
        ip: Option<IpAddr>,
        dpid: Dpid,
        port: u32,
    ) -> Vec<TopologyEvent> {
        let mut events = Vec::new();
        let at = PortRef::new(dpid, port);
        if mac.is_multicast() || mac == MacAddr::ZERO || !self.view.is_host_port(at, now) {
            return events;
        }
        let mut table = self.hosts.write(mac);
        let full = table.len() >= MAX_HOSTS / crate::hosts::SHARDS;
        match table.get_mut(&mac) {
            Some(h) => {
                if h.at != at {
                    events.push(TopologyEvent::HostMoved {
                        mac,
                        from: h.at,
                        to: at,
                    });
                    h.at = at;
                    h.ips.clear();
                }
                if let Some(ip) = ip {
                    if h.ips.insert(ip) {
                        while h.ips.len() > MAX_IPS_PER_HOST {
                            let Some(first) = h.ips.iter().next().copied() else {
                                break;
                            };
                            h.ips.remove(&first);
                        }
                    }
                }
                h.last_seen = now;
            }
            None if full => {
                // A shard is full: a flood of fake sources must not grow the table without
                // bound. The host is forwarded to all the same, just not tracked.
            }
            None => {
                let host = Host {
                    mac,
                    ips: ip.into_iter().collect(),
                    at,
                    first_seen: now,
                    last_seen: now,
                };
                events.push(TopologyEvent::HostAdded { host: host.clone() });
                table.insert(mac, host);
            }
        }
        events
    }

    /// Removes links not proved within the link timeout and hosts not seen within the host
    /// timeout.
    pub fn expire(&mut self, now: Instant) -> Vec<TopologyEvent> {
        let mut events = Vec::new();
        let link_timeout = self.timers.link_timeout;
        let dead: Vec<PortRef> = self
            .links
            .iter()
            .filter(|(_, e)| now.saturating_duration_since(e.last_seen) > link_timeout)
            .map(|(&src, _)| src)
            .collect();
        for src in dead {
            if let Some(e) = self.links.remove(&src) {
                events.push(TopologyEvent::LinkDown {
                    link: Link::new(src, e.dst),
                    reason: LinkDownReason::Timeout,
                });
            }
        }
        // Hosts live in the shared table: only link changes need a new snapshot.
        let links_changed = !events.is_empty();
        let host_timeout = self.timers.host_timeout;
        for h in self
            .hosts
            .remove_where(|h| now.saturating_duration_since(h.last_seen) > host_timeout)
        {
            events.push(TopologyEvent::HostRemoved {
                mac: h.mac,
                at: h.at,
                reason: HostGoneReason::Aged,
            });
        }
        if links_changed {
            self.rebuild();
        }
        events
    }

    fn remove_links_where(
        &mut self,
        pred: impl Fn(&Link) -> bool,
        reason: LinkDownReason,
        events: &mut Vec<TopologyEvent>,
    ) {
        let gone: Vec<Link> = self
            .links
            .iter()
            .map(|(&src, e)| Link::new(src, e.dst))
            .filter(|l| pred(l))
            .collect();
        for link in gone {
            self.links.remove(&link.src);
            events.push(TopologyEvent::LinkDown { link, reason });
        }
    }

    fn remove_hosts_where(
        &mut self,
        pred: impl Fn(PortRef) -> bool,
        reason: HostGoneReason,
        events: &mut Vec<TopologyEvent>,
    ) {
        for h in self.hosts.remove_where(|h| pred(h.at)) {
            events.push(TopologyEvent::HostRemoved {
                mac: h.mac,
                at: h.at,
                reason,
            });
        }
    }

    /// Live ports of every switch (what the prober sends LLDP out of).
    pub fn live_ports(&self, dpid: Dpid) -> Vec<u32> {
        self.switches
            .get(&dpid)
            .map(|ports| {
                ports
                    .iter()
                    .filter(|(&n, e)| e.live && n < openflow::port::MAX)
                    .map(|(&n, _)| n)
                    .collect()
            })
            .unwrap_or_default()
    }

    // The brief's names, for callers that hold the state rather than a view.

    /// See [`TopologyView::shortest_path`].
    pub fn shortest_path(&self, a: Dpid, b: Dpid) -> Option<Vec<Link>> {
        self.view.shortest_path(a, b)
    }

    /// See [`TopologyView::spanning_tree`].
    pub fn spanning_tree(&self) -> std::collections::HashSet<PortRef> {
        self.view.spanning_tree().clone()
    }
}
