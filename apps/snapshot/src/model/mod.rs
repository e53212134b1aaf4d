//! The pure logic of the snapshot app: epochs, classification, bounded buffers, limits and
//! abort. No switch, no clock (time is an argument), no I/O: the app turns what these
//! functions return into FLOW_MODs and PACKET_OUTs.
//!
//! Mattern's pre/post flag is generalised to an epoch number per VM: starting snapshot `E`
//! sets the service's epoch to `E`, and ADVANCE raises one VM to it. A packet from sender
//! `v` to receiver `w` is
//!
//! - Type-1 when `epoch(v) == epoch(w)` (both on the same side of the cut),
//! - Type-2 when `epoch(v) < epoch(w)` (pre sender → post receiver: it was sent before the
//!   sender's snapshot and is received after the receiver's, so it is part of neither image
//!   but harmless to deliver — the sender's image shows it sent),
//! - Type-3 when `epoch(v) > epoch(w)` (post sender → pre receiver): delivering it now would
//!   put a message in the receiver's image that the sender's image never sent, so it is held
//!   (or dropped) until the receiver's epoch catches up.

mod registry;
mod service;
#[cfg(test)]
mod tests;

use std::net::IpAddr;
use std::time::Instant;

use bytes::Bytes;
use openflow::MacAddr;
use serde::{Deserialize, Serialize};
use viola_framework::Dpid;

pub use registry::{Member, Registry, Totals};
pub use service::{AbortOutcome, Advanced, Counters, HoldOutcome, ServiceState};

/// Index of a VM in its service (registration order).
pub type VmIndex = usize;

/// What happens to Type-3 packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// Hold them and re-send them on REINJECT (or on the receiver's advance with
    /// `auto_reinject`).
    Buffer,
    /// Drop them (counted); the senders' transports retransmit.
    Drop,
}

impl Policy {
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Buffer => "buffer",
            Policy::Drop => "drop",
        }
    }
}

/// Where a service is in its snapshot cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Registered, no snapshot started yet.
    Idle,
    /// An epoch was started and some VMs have not advanced.
    InProgress,
    /// Every VM reached the current epoch.
    Complete,
    /// The last snapshot was aborted (epochs equalised).
    Aborted,
}

/// The class of a packet between two members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Same epoch.
    Type1,
    /// Pre sender → post receiver.
    Type2,
    /// Post sender → pre receiver: held or dropped.
    Type3,
}

/// Classifies a packet by its sender's and receiver's epochs.
pub fn classify(sender_epoch: u64, receiver_epoch: u64) -> Class {
    use std::cmp::Ordering::*;
    match sender_epoch.cmp(&receiver_epoch) {
        Equal => Class::Type1,
        Less => Class::Type2,
        Greater => Class::Type3,
    }
}

/// A member VM as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VmSpec {
    pub name: String,
    pub mac: MacAddr,
    pub ip: Option<IpAddr>,
    /// Access switch.
    pub dpid: Dpid,
    /// Access port.
    pub port: u32,
}

/// A held Type-3 packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    /// The whole frame (a copy: it never pins a larger receive buffer).
    pub data: Bytes,
    pub sender: VmIndex,
    /// The sender's epoch when it sent the packet; the packet may go once the receiver's
    /// epoch reaches it.
    pub sender_epoch: u64,
    pub arrived: Instant,
}

/// A pair rule the app installed at a sender's access switch (match `in_port` = the
/// sender's port, `eth_src` = its MAC, `eth_dst` = `dst`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PairRule {
    pub dst: MacAddr,
    pub out_port: u32,
}
