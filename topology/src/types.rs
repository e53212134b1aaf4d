//! The values the topology model is made of: port references, links, hosts and the typed
//! events other apps receive.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Instant;

use openflow::MacAddr;
use serde::Serialize;

pub use openflow::Dpid;

/// One port of one switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PortRef {
    pub dpid: Dpid,
    pub port: u32,
}

impl PortRef {
    pub const fn new(dpid: Dpid, port: u32) -> Self {
        PortRef { dpid, port }
    }
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.dpid, self.port)
    }
}

/// A directional switch-to-switch link, as one LLDP probe proves it: a frame sent out of
/// `src` arrived at `dst`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Link {
    pub src: PortRef,
    pub dst: PortRef,
}

impl Link {
    pub const fn new(src: PortRef, dst: PortRef) -> Self {
        Link { src, dst }
    }
    /// The same link seen from the other side.
    pub const fn reversed(&self) -> Link {
        Link {
            src: self.dst,
            dst: self.src,
        }
    }
    /// Whether `p` is one of its two ends.
    pub fn touches(&self, p: PortRef) -> bool {
        self.src == p || self.dst == p
    }
}

/// A host the controller has seen, at its attachment point (a host port).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Host {
    pub mac: MacAddr,
    /// Addresses seen as the sender of ARP or IPv4/IPv6 packets (a few at most).
    pub ips: BTreeSet<IpAddr>,
    pub at: PortRef,
    #[serde(skip)]
    pub first_seen: Instant,
    #[serde(skip)]
    pub last_seen: Instant,
}

/// Why a link went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkDownReason {
    /// No LLDP probe crossed it within the link timeout.
    Timeout,
    /// One of its ports went down or was deleted.
    PortDown,
    /// One of its switches disconnected (or reconnected).
    SwitchDown,
    /// The source port now reaches another port.
    Replaced,
}

/// Why a host was forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HostGoneReason {
    /// Not seen within the host timeout.
    Aged,
    /// Its port went down or was deleted, or its switch left.
    PortDown,
    /// Its port turned out to face another switch.
    InterSwitchPort,
}

/// A change of the topology, published to every app (as `Event::App`) and on
/// `GET /api/v1/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TopologyEvent {
    SwitchUp {
        dpid: Dpid,
    },
    SwitchDown {
        dpid: Dpid,
    },
    LinkUp {
        link: Link,
    },
    LinkDown {
        link: Link,
        reason: LinkDownReason,
    },
    HostAdded {
        host: Host,
    },
    HostMoved {
        mac: MacAddr,
        from: PortRef,
        to: PortRef,
    },
    HostRemoved {
        mac: MacAddr,
        at: PortRef,
        reason: HostGoneReason,
    },
}
