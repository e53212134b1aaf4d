//! Precomputed frames of the workload: the PACKET_IN probe template (patched in place for
//! each probe, so sending allocates nothing), the gratuitous ARP that teaches the
//! controller the destination host, and the addresses both use.

use bytes::Bytes;
use openflow::{packet_in_reason, Match, Message, Neutral, PacketIn, Version};

use super::BenchError;

/// Ethernet payload length of a probe: 64-byte frame as cbench sends.
pub const PROBE_FRAME_LEN: usize = 64;
/// The port probes enter by (the sources' side).
pub const PROBE_IN_PORT: u32 = 1;
/// The port the destination host is learned at.
pub const HOST_PORT: u32 = 2;
/// Switch buffers cycled through by `buffer_id` (cbench's n_buffers).
pub const N_BUFFERS: u32 = 256;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const IPPROTO_UDP: u8 = 0x11;

/// Source address number `j` (0-based) of switch index `sw`: unicast, never zero.
pub fn source_mac(sw: u32, j: u32) -> [u8; 6] {
    let j = j.wrapping_add(1);
    [
        0x00,
        (sw >> 8) as u8,
        sw as u8,
        (j >> 16) as u8,
        (j >> 8) as u8,
        j as u8,
    ]
}

/// The destination host of switch index `sw` (locally administered, unicast).
pub fn host_mac(sw: u32) -> [u8; 6] {
    [0x02, 0x00, (sw >> 8) as u8, sw as u8, 0x00, 0x01]
}

fn ipv4_checksum(h: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in h.chunks(2) {
        let hi = c.first().copied().unwrap_or(0) as u32;
        let lo = c.get(1).copied().unwrap_or(0) as u32;
        sum += (hi << 8) | lo;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The 64-byte IPv4/UDP probe frame from `src` to `dst`.
pub fn probe_frame(src: [u8; 6], dst: [u8; 6], sw: u32) -> Vec<u8> {
    let mut f = Vec::with_capacity(PROBE_FRAME_LEN);
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&ETHERTYPE_IPV4.to_be_bytes());
    let ip_len = (PROBE_FRAME_LEN - 14) as u16;
    let ip_start = f.len();
    f.extend_from_slice(&[0x45, 0x00]);
    f.extend_from_slice(&ip_len.to_be_bytes());
    f.extend_from_slice(&[0x00, 0x00, 0x40, 0x00, 0x40, IPPROTO_UDP, 0x00, 0x00]);
    f.extend_from_slice(&[10, 1, (sw >> 8) as u8, sw as u8]);
    f.extend_from_slice(&[10, 2, (sw >> 8) as u8, sw as u8]);
    let sum = ipv4_checksum(&f[ip_start..]);
    f[ip_start + 10..ip_start + 12].copy_from_slice(&sum.to_be_bytes());
    let udp_len = ip_len - 20;
    f.extend_from_slice(&0xc000u16.to_be_bytes());
    f.extend_from_slice(&0x0009u16.to_be_bytes()); // discard
    f.extend_from_slice(&udp_len.to_be_bytes());
    f.extend_from_slice(&[0x00, 0x00]); // no UDP checksum
    f.resize(PROBE_FRAME_LEN, 0x00);
    f
}

/// A gratuitous ARP reply announcing `mac` (broadcast, sender = target = the host).
pub fn gratuitous_arp(mac: [u8; 6], sw: u32) -> Vec<u8> {
    let ip = [10, 2, (sw >> 8) as u8, sw as u8];
    let mut f = Vec::with_capacity(PROBE_FRAME_LEN);
    f.extend_from_slice(&[0xff; 6]);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&ETHERTYPE_ARP.to_be_bytes());
    f.extend_from_slice(&[0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x02]);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&ip);
    f.extend_from_slice(&mac);
    f.extend_from_slice(&ip);
    f.resize(PROBE_FRAME_LEN, 0x00);
    f
}

/// A PACKET_IN message (NO_MATCH, table 0) carrying `frame`.
pub fn packet_in(
    v: Version,
    buffer_id: Option<u32>,
    in_port: u32,
    frame: Vec<u8>,
    xid: u32,
) -> Result<Vec<u8>, BenchError> {
    let pi = PacketIn {
        buffer_id,
        total_len: frame.len() as u16,
        reason: packet_in_reason::NO_MATCH,
        table_id: 0,
        cookie: 0,
        match_: Match::new().in_port(in_port),
        data: Bytes::from(frame),
    };
    let msg: Message = pi
        .to_message(v)
        .map_err(|e| BenchError::Encode(e.to_string()))?;
    msg.to_bytes(xid)
        .map_err(|e| BenchError::Encode(e.to_string()))
}

/// One switch's probe: a PACKET_IN encoded once, then patched per send.
#[derive(Debug, Clone)]
pub struct ProbeTemplate {
    bytes: Vec<u8>,
    /// Offset of the Ethernet source address inside `bytes`.
    src_at: usize,
    sw: u32,
    macs: u32,
}

impl ProbeTemplate {
    pub fn new(v: Version, sw: u32, macs: u32) -> Result<Self, BenchError> {
        let frame = probe_frame(source_mac(sw, 0), host_mac(sw), sw);
        let bytes = packet_in(v, Some(0), PROBE_IN_PORT, frame, 0)?;
        let src_at = bytes
            .len()
            .checked_sub(PROBE_FRAME_LEN - 6)
            .ok_or_else(|| BenchError::Encode("probe shorter than its frame".into()))?;
        Ok(ProbeTemplate {
            bytes,
            src_at,
            sw,
            macs: macs.max(1),
        })
    }

    /// Length of one probe on the wire (82 bytes for 1.0).
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The buffer id and source address of probe number `seq`.
    pub fn tag(&self, seq: u64) -> (u32, [u8; 6]) {
        (
            (seq % N_BUFFERS as u64) as u32,
            source_mac(self.sw, (seq % self.macs as u64) as u32),
        )
    }

    /// Appends probe number `seq` to `out`: xid, buffer id and source address patched.
    pub fn append(&self, seq: u64, out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(&self.bytes);
        let (buffer_id, src) = self.tag(seq);
        let m = &mut out[start..];
        m[4..8].copy_from_slice(&(seq as u32).to_be_bytes());
        m[8..12].copy_from_slice(&buffer_id.to_be_bytes());
        m[self.src_at..self.src_at + 6].copy_from_slice(&src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn of10_probe_is_82_bytes_and_decodes() {
        let t = ProbeTemplate::new(Version::V1_0, 3, 10).unwrap();
        assert_eq!(t.len(), 82);
        let mut out = Vec::new();
        t.append(12, &mut out);
        let (xid, msg) = Message::decode(&Bytes::from(out)).unwrap();
        assert_eq!(xid, 12);
        let pi = msg.packet_in().unwrap();
        assert_eq!(pi.buffer_id, Some(12));
        assert_eq!(pi.in_port(), PROBE_IN_PORT);
        assert_eq!(pi.data.len(), 64);
        assert_eq!(&pi.data[6..12], &source_mac(3, 2));
        assert_eq!(&pi.data[0..6], &host_mac(3));
        // A valid IPv4 header checksum sums to zero.
        assert_eq!(ipv4_checksum(&pi.data[14..34]), 0);
    }

    #[test]
    fn of13_probe_decodes() {
        let t = ProbeTemplate::new(Version::V1_3, 1, 4).unwrap();
        let mut out = Vec::new();
        t.append(300, &mut out);
        let (_, msg) = Message::decode(&Bytes::from(out)).unwrap();
        let pi = msg.packet_in().unwrap();
        assert_eq!(pi.buffer_id, Some(300 % 256));
        assert_eq!(&pi.data[6..12], &source_mac(1, 0));
    }
}
