//! 1.4/1.5 `ofp_port` (a length and a property list replace 1.3's fixed speed fields),
//! PORT_STATUS, PORT_MOD and port statistics, all property-based.

use bytes::Bytes;

use super::prop::{self, Prop};
use crate::neutral::PortInfo;
use crate::v13::multipart as mp13;
use crate::v13::port::PORT_NAME_LEN;
use crate::v13::wire::{self, need, pad, u16_, u32_, u8_, Res};
use crate::{DecodeError, EncodeError, MacAddr};

/// `ofp_port_desc_prop_type` / `ofp_port_mod_prop_type` / `ofp_port_stats_prop_type`.
pub mod port_prop {
    pub const ETHERNET: u16 = 0;
    pub const OPTICAL: u16 = 1;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// `ofp_port` of 1.4/1.5: the fixed part and its properties (ETHERNET carries the
/// 1.3 curr/advertised/supported/peer/speeds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub port_no: u32,
    pub hw_addr: MacAddr,
    pub name: String,
    pub config: u32,
    pub state: u32,
    pub properties: Vec<Prop>,
}

/// Length of the fixed part of `ofp_port`.
pub const PORT_FIXED_LEN: usize = 40;

fn bad(what: &'static str) -> DecodeError {
    DecodeError::Malformed {
        what,
        detail: "length under the fixed part or past the body",
    }
}

impl Port {
    /// The neutral view: the ETHERNET property's features and speeds (zero without one).
    pub fn info(&self) -> PortInfo {
        let eth = self
            .properties
            .iter()
            .find(|p| p.prop_type == port_prop::ETHERNET);
        let at = |n: usize| eth.and_then(|p| p.u32_at(4 + 4 * n)).unwrap_or(0);
        PortInfo {
            port_no: self.port_no,
            hw_addr: self.hw_addr,
            name: self.name.clone(),
            config: self.config,
            state: self.state,
            curr: at(0),
            advertised: at(1),
            supported: at(2),
            peer: at(3),
            curr_speed: at(4),
            max_speed: at(5),
        }
    }

    /// A port with one ETHERNET property holding `p`'s features and speeds.
    pub fn from_info(p: &PortInfo) -> Port {
        let mut eth = vec![0u8; 4];
        for v in crate::v13::port::ethernet_words(p) {
            eth.extend_from_slice(&v.to_be_bytes());
        }
        Port {
            port_no: p.port_no,
            hw_addr: p.hw_addr,
            name: p.name.clone(),
            config: p.config,
            state: p.state,
            properties: vec![Prop::new(port_prop::ETHERNET, eth)],
        }
    }
}

/// Parses one `ofp_port` at the head of `i`; returns it and the rest.
pub fn parse_port<'a>(src: &Bytes, i: &'a [u8]) -> Result<(Port, &'a [u8]), DecodeError> {
    let (p, rest) = tlv_len_at4(i, PORT_FIXED_LEN, "ofp_port")?;
    let (props, (port_no, hw_addr, name, config, state)) =
        wire::run(crate::v13::port::parse_port_head(p))?;
    let properties = prop::parse_props(src, props, "port property")?;
    let port = Port {
        port_no,
        hw_addr,
        name,
        config,
        state,
        properties,
    };
    Ok((port, rest))
}

/// Splits a structure whose 16-bit length sits at offset 4 (`ofp_port`).
fn tlv_len_at4<'a>(
    i: &'a [u8],
    min: usize,
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), DecodeError> {
    let len = match i {
        [_, _, _, _, a, b, ..] => u16::from_be_bytes([*a, *b]) as usize,
        _ => return Err(bad(what)),
    };
    if len < min || len > i.len() {
        return Err(bad(what));
    }
    Ok(i.split_at(len))
}

/// Parses ports filling all of `i`.
pub fn parse_ports(src: &Bytes, i: &[u8]) -> Result<Vec<Port>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (p, r) = parse_port(src, rest)?;
        out.push(p);
        rest = r;
    }
    Ok(out)
}

/// Appends one `ofp_port`.
pub fn encode_port(p: &Port, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    wire::put_u32(out, p.port_no);
    wire::put_u16(out, 0);
    wire::put_zeros(out, 2);
    out.extend_from_slice(&p.hw_addr.0);
    wire::put_zeros(out, 2);
    wire::put_fixed_str(out, &p.name, PORT_NAME_LEN)?;
    wire::put_u32(out, p.config);
    wire::put_u32(out, p.state);
    prop::encode_props(&p.properties, out)?;
    wire::patch_len_since(out, start + 4, start)
}

/// PORT_STATUS (`ofp_port_status`): reason, pad[7], the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortStatus {
    /// `ofp_port_reason` (add 0, delete 1, modify 2).
    pub reason: u8,
    pub port: Port,
}

pub fn parse_port_status(src: &Bytes, i: &[u8]) -> Result<PortStatus, DecodeError> {
    let (i, reason) = wire::run(need(i, "port_status", 8).and_then(|(i, _)| u8_(i)))?;
    let (i, _) = wire::run(pad(i, 7))?;
    let (port, rest) = parse_port(src, i)?;
    wire::exact(rest, "port_status", 0)?;
    Ok(PortStatus { reason, port })
}

pub fn encode_port_status(s: &PortStatus, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.extend_from_slice(&[s.reason, 0, 0, 0, 0, 0, 0, 0]);
    encode_port(&s.port, out)
}

/// PORT_MOD (`ofp_port_mod`): the 1.3 fields without `advertise`, then properties
/// (ETHERNET carries `advertise`, OPTICAL the optical settings).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PortMod {
    pub port_no: u32,
    pub hw_addr: MacAddr,
    pub config: u32,
    pub mask: u32,
    pub properties: Vec<Prop>,
}

pub fn parse_port_mod(src: &Bytes, i: &[u8]) -> Result<PortMod, DecodeError> {
    let (props, (port_no, hw_addr, config, mask)) = wire::run(port_mod_fixed(i))?;
    Ok(PortMod {
        port_no,
        hw_addr,
        config,
        mask,
        properties: prop::parse_props(src, props, "port_mod property")?,
    })
}

fn port_mod_fixed(i: &[u8]) -> Res<'_, (u32, MacAddr, u32, u32)> {
    let (i, _) = need(i, "port_mod", 24)?;
    crate::v13::port::parse_port_mod_head(i)
}

pub fn encode_port_mod(p: &PortMod, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    crate::v13::port::put_port_mod_head(out, p.port_no, p.hw_addr, [p.config, p.mask]);
    prop::encode_props(&p.properties, out)
}

/// `ofp_port_stats` of 1.4/1.5: port, duration, the eight counters 1.3 put first, then
/// properties (ETHERNET: frame/overrun/CRC errors and collisions; OPTICAL; experimenter).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortStats {
    pub port_no: u32,
    pub duration_sec: u32,
    pub duration_nsec: u32,
    /// rx/tx packets, rx/tx bytes, rx/tx dropped, rx/tx errors, in that (wire) order;
    /// index with [`port_counter`].
    pub counters: [u64; 8],
    pub properties: Vec<Prop>,
}

/// Indexes into [`PortStats::counters`].
pub mod port_counter {
    pub const RX_PACKETS: usize = 0;
    pub const TX_PACKETS: usize = 1;
    pub const RX_BYTES: usize = 2;
    pub const TX_BYTES: usize = 3;
    pub const RX_DROPPED: usize = 4;
    pub const TX_DROPPED: usize = 5;
    pub const RX_ERRORS: usize = 6;
    pub const TX_ERRORS: usize = 7;
}

/// Length of the fixed part of `ofp_port_stats`.
pub const PORT_STATS_FIXED_LEN: usize = 80;

pub fn parse_port_stats(src: &Bytes, i: &[u8]) -> Result<Vec<PortStats>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (e, r) = wire::tlv_at0(rest, PORT_STATS_FIXED_LEN, bad("port_stats"))?;
        let (props, mut s) = wire::run(port_stats_fixed(e))?;
        s.properties = prop::parse_props(src, props, "port_stats property")?;
        out.push(s);
        rest = r;
    }
    Ok(out)
}

fn port_stats_fixed(i: &[u8]) -> Res<'_, PortStats> {
    let (i, _) = u16_(i)?;
    let (i, _) = pad(i, 2)?;
    let (i, port_no) = u32_(i)?;
    let (i, duration_sec) = u32_(i)?;
    let (i, duration_nsec) = u32_(i)?;
    let (i, counters) = mp13::u64s::<8>(i)?;
    let s = PortStats {
        port_no,
        duration_sec,
        duration_nsec,
        counters,
        properties: vec![],
    };
    Ok((i, s))
}

pub fn encode_port_stats(list: &[PortStats], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for s in list {
        let start = out.len();
        wire::put_u16(out, 0);
        wire::put_zeros(out, 2);
        wire::put_u32(out, s.port_no);
        wire::put_u32(out, s.duration_sec);
        wire::put_u32(out, s.duration_nsec);
        for v in s.counters {
            wire::put_u64(out, v);
        }
        prop::encode_props(&s.properties, out)?;
        wire::patch_len_since(out, start, start)?;
    }
    Ok(())
}
