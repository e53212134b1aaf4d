//! ICMP (v4) and ICMPv6, including neighbour solicitation / advertisement fields.

use std::net::Ipv6Addr;

use super::error::{be16, ipv6_at, mac_at, take, PacketError};
use crate::MacAddr;

/// ICMP types used by the builders.
pub mod icmp_type {
    pub const ECHO_REPLY: u8 = 0;
    pub const DEST_UNREACHABLE: u8 = 3;
    pub const ECHO_REQUEST: u8 = 8;
    pub const TIME_EXCEEDED: u8 = 11;
}

/// ICMPv6 types.
pub mod icmpv6_type {
    pub const ECHO_REQUEST: u8 = 128;
    pub const ECHO_REPLY: u8 = 129;
    pub const ROUTER_SOLICIT: u8 = 133;
    pub const ROUTER_ADVERT: u8 = 134;
    pub const NEIGHBOR_SOLICIT: u8 = 135;
    pub const NEIGHBOR_ADVERT: u8 = 136;
}

/// An ICMP (v4) message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icmp<'a> {
    pub icmp_type: u8,
    pub code: u8,
    pub checksum: u16,
    /// Bytes 4..8 of the header (identifier and sequence for echo).
    pub rest: [u8; 4],
    pub payload: &'a [u8],
}

impl<'a> Icmp<'a> {
    pub fn parse(b: &'a [u8]) -> Result<Icmp<'a>, PacketError> {
        let (h, payload) = take("icmp", b, 8)?;
        Ok(Icmp {
            icmp_type: h[0],
            code: h[1],
            checksum: be16(h, 2),
            rest: [h[4], h[5], h[6], h[7]],
            payload,
        })
    }

    /// (identifier, sequence) of an echo request or reply.
    pub fn echo(&self) -> Option<(u16, u16)> {
        matches!(
            self.icmp_type,
            icmp_type::ECHO_REQUEST | icmp_type::ECHO_REPLY
        )
        .then(|| (be16(&self.rest, 0), be16(&self.rest, 2)))
    }
}

/// Neighbour discovery fields of a solicitation or advertisement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeighborDiscovery {
    pub target: Ipv6Addr,
    /// Source link-layer address option (solicitations).
    pub sll: Option<MacAddr>,
    /// Target link-layer address option (advertisements).
    pub tll: Option<MacAddr>,
    /// Advertisement flags (router 0x80, solicited 0x40, override 0x20); 0 for solicitations.
    pub flags: u8,
}

/// An ICMPv6 message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Icmpv6<'a> {
    pub icmp_type: u8,
    pub code: u8,
    pub checksum: u16,
    /// Everything after the 4-byte type/code/checksum.
    pub body: &'a [u8],
}

impl<'a> Icmpv6<'a> {
    pub fn parse(b: &'a [u8]) -> Result<Icmpv6<'a>, PacketError> {
        let (h, body) = take("icmpv6", b, 4)?;
        Ok(Icmpv6 {
            icmp_type: h[0],
            code: h[1],
            checksum: be16(h, 2),
            body,
        })
    }

    /// (identifier, sequence) of an echo request or reply.
    pub fn echo(&self) -> Option<(u16, u16)> {
        if !matches!(
            self.icmp_type,
            icmpv6_type::ECHO_REQUEST | icmpv6_type::ECHO_REPLY
        ) || self.body.len() < 4
        {
            return None;
        }
        Some((be16(self.body, 0), be16(self.body, 2)))
    }

    /// The neighbour discovery fields of a solicitation (135) or advertisement (136).
    /// Malformed options end the option scan (what was found so far is kept).
    pub fn neighbor_discovery(&self) -> Option<NeighborDiscovery> {
        if !matches!(
            self.icmp_type,
            icmpv6_type::NEIGHBOR_SOLICIT | icmpv6_type::NEIGHBOR_ADVERT
        ) {
            return None;
        }
        let fixed = self.body.get(..20)?;
        let mut nd = NeighborDiscovery {
            target: ipv6_at(fixed, 4),
            sll: None,
            tll: None,
            flags: if self.icmp_type == icmpv6_type::NEIGHBOR_ADVERT {
                fixed[0] & 0xe0
            } else {
                0
            },
        };
        let mut opts = self.body.get(20..).unwrap_or(&[]);
        while opts.len() >= 8 {
            let kind = opts[0];
            let len = opts[1] as usize * 8;
            if len == 0 || len > opts.len() {
                break;
            }
            match kind {
                1 if self.icmp_type == icmpv6_type::NEIGHBOR_SOLICIT => {
                    nd.sll = Some(mac_at(opts, 2))
                }
                2 if self.icmp_type == icmpv6_type::NEIGHBOR_ADVERT => {
                    nd.tll = Some(mac_at(opts, 2))
                }
                _ => {}
            }
            opts = &opts[len..];
        }
        Some(nd)
    }
}
