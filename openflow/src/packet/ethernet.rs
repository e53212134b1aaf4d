//! Ethernet II frames with zero or more 802.1Q / 802.1ad tags.

use smallvec::SmallVec;

use super::error::{be16, mac_at, take, PacketError};
use crate::MacAddr;

/// Tag protocol identifiers recognised as VLAN tags (802.1Q, 802.1ad, legacy QinQ).
pub const VLAN_TPIDS: [u16; 3] = [0x8100, 0x88a8, 0x9100];
/// Ethertypes below this are 802.3 lengths, not types.
pub const MIN_ETHERTYPE: u16 = 0x0600;
/// The ethertype OpenFlow reports for 802.3 (length-field) frames (`OFP_DL_TYPE_NOT_ETH_TYPE`).
pub const NOT_ETH_TYPE: u16 = 0x05ff;

/// One VLAN tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct VlanTag {
    /// 0x8100 for 802.1Q.
    pub tpid: u16,
    pub pcp: u8,
    pub dei: bool,
    /// 12-bit VLAN id.
    pub vid: u16,
}

impl VlanTag {
    /// An 802.1Q tag.
    pub fn new(vid: u16, pcp: u8) -> Self {
        VlanTag {
            tpid: 0x8100,
            pcp: pcp & 7,
            dei: false,
            vid: vid & 0x0fff,
        }
    }
    fn tci(&self) -> u16 {
        (u16::from(self.pcp & 7) << 13) | (u16::from(self.dei) << 12) | (self.vid & 0x0fff)
    }
}

/// A parsed Ethernet II frame; `payload` borrows from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EthernetFrame<'a> {
    pub dst: MacAddr,
    pub src: MacAddr,
    /// Outermost first.
    pub vlans: SmallVec<[VlanTag; 2]>,
    /// The type after the VLAN tags (an 802.3 length if under 0x0600).
    pub ethertype: u16,
    pub payload: &'a [u8],
}

impl<'a> EthernetFrame<'a> {
    /// Parses the Ethernet header and any VLAN tags.
    pub fn parse(frame: &'a [u8]) -> Result<EthernetFrame<'a>, PacketError> {
        let (hdr, mut rest) = take("ethernet", frame, 14)?;
        let dst = mac_at(hdr, 0);
        let src = mac_at(hdr, 6);
        let mut ethertype = be16(hdr, 12);
        let mut vlans = SmallVec::new();
        while VLAN_TPIDS.contains(&ethertype) {
            let (tag, r) = take("vlan tag", rest, 4)?;
            let tci = be16(tag, 0);
            vlans.push(VlanTag {
                tpid: ethertype,
                pcp: (tci >> 13) as u8,
                dei: tci & 0x1000 != 0,
                vid: tci & 0x0fff,
            });
            ethertype = be16(tag, 2);
            rest = r;
        }
        Ok(EthernetFrame {
            dst,
            src,
            vlans,
            ethertype,
            payload: rest,
        })
    }

    /// The outermost VLAN tag.
    pub fn vlan(&self) -> Option<&VlanTag> {
        self.vlans.first()
    }

    /// Writes a frame with these addresses, tags, type and payload.
    pub fn write(&self, out: &mut Vec<u8>) {
        write_header(out, self.dst, self.src, &self.vlans, self.ethertype);
        out.extend_from_slice(self.payload);
    }

    /// The frame as a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(18 + 4 * self.vlans.len() + self.payload.len());
        self.write(&mut out);
        out
    }
}

/// Appends an Ethernet header (with tags) to `out`.
pub fn write_header(
    out: &mut Vec<u8>,
    dst: MacAddr,
    src: MacAddr,
    vlans: &[VlanTag],
    ethertype: u16,
) {
    out.extend_from_slice(&dst.0);
    out.extend_from_slice(&src.0);
    for v in vlans {
        out.extend_from_slice(&v.tpid.to_be_bytes());
        out.extend_from_slice(&v.tci().to_be_bytes());
    }
    out.extend_from_slice(&ethertype.to_be_bytes());
}

/// The hot-path peek: destination, source and the ethertype after any VLAN tags, without
/// building anything. `None` if the frame is too short.
pub fn peek_eth(frame: &[u8]) -> Option<(MacAddr, MacAddr, u16)> {
    let hdr = frame.get(..14)?;
    let mut off = 12;
    let mut t = be16(hdr, 12);
    while VLAN_TPIDS.contains(&t) {
        off += 4;
        let b = frame.get(off..off + 2)?;
        t = u16::from_be_bytes([b[0], b[1]]);
    }
    Some((mac_at(hdr, 0), mac_at(hdr, 6), t))
}

/// Inserts an 802.1Q tag after the addresses of `frame` (as PUSH_VLAN + SET_VLAN_VID does).
pub fn push_vlan(frame: &[u8], tag: VlanTag) -> Option<Vec<u8>> {
    let addrs = frame.get(..12)?;
    let rest = frame.get(12..)?;
    let mut out = Vec::with_capacity(frame.len() + 4);
    out.extend_from_slice(addrs);
    out.extend_from_slice(&tag.tpid.to_be_bytes());
    out.extend_from_slice(&tag.tci().to_be_bytes());
    out.extend_from_slice(rest);
    Some(out)
}

/// Removes the outermost VLAN tag of `frame`, if it has one.
pub fn pop_vlan(frame: &[u8]) -> Option<Vec<u8>> {
    let t = be16(frame.get(..14)?, 12);
    if !VLAN_TPIDS.contains(&t) || frame.len() < 18 {
        return None;
    }
    let mut out = Vec::with_capacity(frame.len() - 4);
    out.extend_from_slice(&frame[..12]);
    out.extend_from_slice(&frame[16..]);
    Some(out)
}
