//! ARP for IPv4 over Ethernet (RFC 826).

use std::net::Ipv4Addr;

use super::error::{be16, ipv4_at, mac_at, take, PacketError};
use crate::MacAddr;

/// Length of an Ethernet/IPv4 ARP packet.
pub const ARP_LEN: usize = 28;

/// The ARP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArpOp {
    Request,
    Reply,
    Other(u16),
}

impl ArpOp {
    pub const fn wire(self) -> u16 {
        match self {
            ArpOp::Request => 1,
            ArpOp::Reply => 2,
            ArpOp::Other(v) => v,
        }
    }
    pub const fn from_wire(v: u16) -> ArpOp {
        match v {
            1 => ArpOp::Request,
            2 => ArpOp::Reply,
            v => ArpOp::Other(v),
        }
    }
}

/// An Ethernet/IPv4 ARP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arp {
    pub op: ArpOp,
    pub sha: MacAddr,
    pub spa: Ipv4Addr,
    pub tha: MacAddr,
    pub tpa: Ipv4Addr,
}

impl Arp {
    /// Parses the ARP packet at the front of `b` (an Ethernet payload; trailing padding is
    /// ignored). Only Ethernet (htype 1) / IPv4 (ptype 0x0800) ARP is accepted.
    pub fn parse(b: &[u8]) -> Result<Arp, PacketError> {
        let (a, _) = take("arp", b, ARP_LEN)?;
        if be16(a, 0) != 1 || be16(a, 2) != 0x0800 || a[4] != 6 || a[5] != 4 {
            return Err(PacketError::Malformed {
                what: "arp",
                detail: "not Ethernet/IPv4 ARP",
            });
        }
        Ok(Arp {
            op: ArpOp::from_wire(be16(a, 6)),
            sha: mac_at(a, 8),
            spa: ipv4_at(a, 14),
            tha: mac_at(a, 18),
            tpa: ipv4_at(a, 24),
        })
    }

    /// Appends the 28-byte packet.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[0x00, 0x01, 0x08, 0x00, 6, 4]);
        out.extend_from_slice(&self.op.wire().to_be_bytes());
        out.extend_from_slice(&self.sha.0);
        out.extend_from_slice(&self.spa.octets());
        out.extend_from_slice(&self.tha.0);
        out.extend_from_slice(&self.tpa.octets());
    }

    /// The reply to this request, answered by `mac` (which owns `self.tpa`).
    pub fn reply(&self, mac: MacAddr) -> Arp {
        Arp {
            op: ArpOp::Reply,
            sha: mac,
            spa: self.tpa,
            tha: self.sha,
            tpa: self.spa,
        }
    }
}
