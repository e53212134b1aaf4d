//! The values the topology model is made of: port references, links, hosts and the typed
//! events other apps receive.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::time::Instant;

use openflow::MacAddr;
use serde::{Serialize, Serializer};

/// A datapath id (the same type as `viola_framework::Dpid`).
pub type Dpid = u64;

/// Formats a datapath id as 16 hex digits.
pub fn dpid_hex(d: Dpid) -> String {
    format!("{d:016x}")
}

/// Serialises a datapath id as 16 hex digits, as the REST API does.
pub(crate) fn ser_dpid<S: Serializer>(d: &Dpid, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&dpid_hex(*d))
}

/// One port of one switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PortRef {
    #[serde(serialize_with = "ser_dpid")]
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
        write!(f, "{}:{}", dpid_hex(self.dpid), self.port)
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
        #[serde(serialize_with = "ser_dpid")]
        dpid: Dpid,
    },
    SwitchDown {
        #[serde(serialize_with = "ser_dpid")]
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
