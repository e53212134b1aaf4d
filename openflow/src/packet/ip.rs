//! IPv4 and IPv6 headers (parsed with `etherparse`; payloads borrow from the input).

use std::net::{Ipv4Addr, Ipv6Addr};

use etherparse::{IpNumber, Ipv4HeaderSlice, Ipv6ExtensionsSlice, Ipv6HeaderSlice};

use super::error::PacketError;

/// An IPv4 packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv4Packet<'a> {
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// IP protocol number.
    pub proto: u8,
    pub dscp: u8,
    pub ecn: u8,
    pub ttl: u8,
    pub ident: u16,
    /// In 8-byte units.
    pub fragment_offset: u16,
    pub more_fragments: bool,
    /// The bytes after the header, up to `total_len` (or what arrived, if less).
    pub payload: &'a [u8],
}

impl<'a> Ipv4Packet<'a> {
    pub fn parse(b: &'a [u8]) -> Result<Ipv4Packet<'a>, PacketError> {
        let h = Ipv4HeaderSlice::from_slice(b).map_err(|e| match e {
            etherparse::err::ipv4::HeaderSliceError::Len(l) => PacketError::Truncated {
                what: "ipv4",
                have: l.len,
                need: l.required_len,
            },
            etherparse::err::ipv4::HeaderSliceError::Content(_) => PacketError::Malformed {
                what: "ipv4",
                detail: "bad version or header length",
            },
        })?;
        let hlen = h.slice().len();
        let end = (h.total_len() as usize).clamp(hlen, b.len());
        Ok(Ipv4Packet {
            src: Ipv4Addr::from(h.source()),
            dst: Ipv4Addr::from(h.destination()),
            proto: h.protocol().0,
            dscp: h.dcp().value(),
            ecn: h.ecn().value(),
            ttl: h.ttl(),
            ident: h.identification(),
            fragment_offset: h.fragments_offset().value(),
            more_fragments: h.more_fragments(),
            payload: b.get(hlen..end).unwrap_or(&[]),
        })
    }

    /// True for a fragment other than the first (it carries no transport header).
    pub fn is_later_fragment(&self) -> bool {
        self.fragment_offset != 0
    }
}

/// An IPv6 packet; extension headers are skipped and `next_header` is the upper protocol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ipv6Packet<'a> {
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
    pub traffic_class: u8,
    pub flow_label: u32,
    pub hop_limit: u8,
    /// The protocol after any extension headers.
    pub next_header: u8,
    /// Whether a fragment header says this is not the first fragment.
    pub later_fragment: bool,
    /// The upper-layer bytes.
    pub payload: &'a [u8],
}

impl<'a> Ipv6Packet<'a> {
    pub fn parse(b: &'a [u8]) -> Result<Ipv6Packet<'a>, PacketError> {
        let h = Ipv6HeaderSlice::from_slice(b).map_err(|e| match e {
            etherparse::err::ipv6::HeaderSliceError::Len(l) => PacketError::Truncated {
                what: "ipv6",
                have: l.len,
                need: l.required_len,
            },
            etherparse::err::ipv6::HeaderSliceError::Content(_) => PacketError::Malformed {
                what: "ipv6",
                detail: "bad version",
            },
        })?;
        let end = (40 + h.payload_length() as usize).min(b.len());
        let after = b.get(40..end).unwrap_or(&[]);
        let (next_header, later_fragment, payload) =
            match Ipv6ExtensionsSlice::from_slice(h.next_header(), after) {
                Ok((exts, IpNumber(n), rest)) => (
                    n,
                    exts.is_fragmenting_payload() && !first_fragment(&exts),
                    rest,
                ),
                Err(_) => {
                    return Err(PacketError::Malformed {
                        what: "ipv6",
                        detail: "bad extension header",
                    })
                }
            };
        Ok(Ipv6Packet {
            src: h.source_addr(),
            dst: h.destination_addr(),
            traffic_class: h.traffic_class(),
            flow_label: h.flow_label().value(),
            hop_limit: h.hop_limit(),
            next_header,
            later_fragment,
            payload,
        })
    }

    pub fn dscp(&self) -> u8 {
        self.traffic_class >> 2
    }
    pub fn ecn(&self) -> u8 {
        self.traffic_class & 3
    }
}

fn first_fragment(exts: &Ipv6ExtensionsSlice<'_>) -> bool {
    exts.clone().into_iter().all(|e| match e {
        etherparse::Ipv6ExtensionSlice::Fragment(f) => f.fragment_offset().value() == 0,
        _ => true,
    })
}
